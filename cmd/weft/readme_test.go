package main

import (
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/weft-dev/weft/cmd/weft/internal/cli"
)

var updateReadme = flag.Bool("update-readme", false, "rewrite README.md's table of refused options (go generate ./cmd/weft)")

// The README's table of refused options lies between these lines.
const (
	refusedBegin = "<!-- refused options: generated from the option tables by go generate ./cmd/weft -->\n"
	refusedEnd   = "<!-- end of refused options -->\n"
)

// TestReadmeListsEveryRefusedOption: README.md's "Differences from GNU
// parallel" lists every option that weft refuses, with the line it is
// refused with, as the option tables say now. With -update-readme it
// rewrites the table instead.
func TestReadmeListsEveryRefusedOption(t *testing.T) {
	const path = "../../README.md"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	i, j := strings.Index(readme, refusedBegin), strings.Index(readme, refusedEnd)
	if i < 0 || j < i {
		t.Fatalf("README.md has no table of refused options between %q and %q", refusedBegin, refusedEnd)
	}
	var b strings.Builder
	cli.WriteRefusedMarkdown(&b, root())
	want := readme[:i+len(refusedBegin)] + b.String() + readme[j:]
	if *updateReadme {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if want != readme {
		t.Fatal("README.md's table of refused options is not what the option tables say now; regenerate it: go generate ./cmd/weft")
	}
	// The table is no empty shell: the options refused for good are in it.
	for _, name := range []string{"`--sshlogin`", "`--sql`", "`--tmux`", "`--transfer`"} {
		if !strings.Contains(b.String(), name) {
			t.Errorf("the table of refused options does not name %s", name)
		}
	}
}
