package main

import (
	"os"
	"strings"
	"testing"

	"github.com/weft-dev/weft/cmd/weft/internal/cli"
)

// TestOptionTablesAreWellDeclared: every option of every subcommand has a
// well-formed name used once, help and an example.
func TestOptionTablesAreWellDeclared(t *testing.T) {
	if err := cli.Check(root()); err != nil {
		t.Fatal(err)
	}
}

// TestEverySubcommandSpeaksWithOneVoice drives the binary: for every
// subcommand, --help and -h print its help and exit 0, the same text as
// weft help SUBCOMMAND; an unknown option and a missing value are one line
// on stderr and exit 255.
func TestEverySubcommandSpeaksWithOneVoice(t *testing.T) {
	dir := t.TempDir()
	cli.Walk(root(), func(path []*cli.Command) {
		var words []string
		for _, c := range path[1:] {
			words = append(words, c.Name)
		}
		name := strings.Join(append([]string{"weft"}, words...), " ")
		help := runWeft(t, dir, "", append(words, "--help")...)
		if help.status != 0 || help.stderr != "" || !strings.Contains(help.stdout, "Usage:\n  "+name) {
			t.Errorf("%s --help: status %d, stderr %q, stdout %.200q", name, help.status, help.stderr, help.stdout)
		}
		if h := runWeft(t, dir, "", append(words, "-h")...); h.stdout != help.stdout || h.status != 0 {
			t.Errorf("%s -h differs from --help", name)
		}
		if h := runWeft(t, dir, "", append([]string{"help"}, words...)...); h.stdout != help.stdout || h.status != 0 {
			t.Errorf("weft help %s differs from %s --help", strings.Join(words, " "), name)
		}
		bad := runWeft(t, dir, "", append(words, "--no-such-option")...)
		if want := `weft: unknown option "--no-such-option" (see ` + name + " --help)\n"; bad.status != 255 || bad.stderr != want {
			t.Errorf("%s --no-such-option: status %d, stderr %q; want 255 and %q", name, bad.status, bad.stderr, want)
		}
	})
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"worker", "--nats"}, "weft: option --nats needs a value (see weft worker --help)\n"},
		{[]string{"worker", "-ack-wait", "5s"}, `weft: unknown option "-ack-wait" (use --ack-wait)` + "\n"},
		{[]string{"worker", "--ack-wait", "soon"}, `weft: bad duration for --ack-wait: "soon" (want for example 30s, 1.5, 2m or 1d)` + "\n"},
		{[]string{"serve", "-store", "x"}, `weft: unknown option "-store" (use --store)` + "\n"},
		{[]string{"serve", "extra"}, `weft: weft serve takes no arguments, got ["extra"]` + "\n"},
		{[]string{"help", "nosuch"}, `weft: no subcommand "nosuch" in weft (see weft --help)` + "\n"},
		{[]string{"completion", "tcsh"}, `weft: unknown shell "tcsh" (want bash, zsh or fish)` + "\n"},
	}
	for _, tt := range tests {
		if o := runWeft(t, dir, "", tt.args...); o.status != 255 || o.stderr != tt.want || o.stdout != "" {
			t.Errorf("weft %q: status %d, stderr %q; want 255 and %q", tt.args, o.status, o.stderr, tt.want)
		}
	}
	if main, help := runWeft(t, dir, "", "--help"), runWeft(t, dir, "", "help"); main.stdout != help.stdout {
		t.Error("weft help differs from weft --help")
	}
}

// TestVersionAndCompletion: the version two ways, and a script per shell.
func TestVersionAndCompletion(t *testing.T) {
	v, sub := runWeft(t, t.TempDir(), "", "--version"), runWeft(t, t.TempDir(), "", "version")
	if v.status != 0 || v.stdout != sub.stdout || !strings.HasPrefix(v.stdout, "weft ") || strings.Count(v.stdout, "\n") != 1 {
		t.Errorf("--version %q, version %q; want the same one line", v.stdout, sub.stdout)
	}
	for _, shell := range []string{"bash", "zsh", "fish"} {
		o := runWeft(t, t.TempDir(), "", "completion", shell)
		if o.status != 0 || !strings.Contains(o.stdout, "max-deliver") || !strings.Contains(o.stdout, "joblog") {
			t.Errorf("completion %s: status %d, %d bytes, stderr %q", shell, o.status, len(o.stdout), o.stderr)
		}
	}
}

// TestManPageIsCurrent: the checked-in weft.1 is what the option tables
// give now.
func TestManPageIsCurrent(t *testing.T) {
	o := runWeft(t, t.TempDir(), "", "help", "--man")
	if o.status != 0 || !strings.HasPrefix(o.stdout, `.\"`) {
		t.Fatalf("weft help --man: status %d, stderr %q", o.status, o.stderr)
	}
	checkedIn, err := os.ReadFile("weft.1")
	if err != nil || string(checkedIn) != o.stdout {
		t.Fatalf("cmd/weft/weft.1 is not what weft help --man prints now (%v); regenerate it: go generate ./cmd/weft", err)
	}
}
