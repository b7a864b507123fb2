package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestCheckVersionOutput(t *testing.T) {
	for _, tc := range []struct {
		out        string
		strict, ok bool
	}{
		{"weft devel\n", false, true},
		{"weft (devel)\n", false, true},
		{"weft v0.9.0\n", true, true},
		{"weft v0.9.0 (revision 0cae81b, go1.26.8)\n", true, true},
		{"weft version v0.9.0+dirty\n", true, false},
		{"weft v0.8.0\n", true, false},
		{"weft v0.0.0-20261129120000-0cae81b0cae8\n", true, false},
	} {
		strict, err := checkVersionOutput(tc.out, "v0.9.0")
		if strict != tc.strict || (err == nil) != tc.ok {
			t.Errorf("checkVersionOutput(%q, v0.9.0) = %v, %v; want strict %v, ok %v", tc.out, strict, err, tc.strict, tc.ok)
		}
	}
}

func TestCheckExampleOutput(t *testing.T) {
	for _, tc := range []struct {
		out string
		ok  bool
	}{
		{"hello c\nhello a\nhello b\n", true},
		{"hello a\nhello b\nhello c\n", true},
		{"hello a\nhello b\n", false},
		{"hello a\nhello b\nhello c\nhello c\n", false},
		{"hello a\nhello b\nhello {}\n", false},
		{"", false},
	} {
		if err := checkExampleOutput(tc.out); (err == nil) != tc.ok {
			t.Errorf("checkExampleOutput(%q) = %v; want ok %v", tc.out, err, tc.ok)
		}
	}
}

func TestQuoteArgs(t *testing.T) {
	if got, want := quoteArgs(readmeExample), `-j 4 'echo hello {}' ::: a b c`; got != want {
		t.Errorf("quoteArgs = %s; want %s", got, want)
	}
}

// TestStage copies what a commit would hold: tracked and untracked files,
// not ignored ones nor the repository's own files.
func TestStage(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	root := t.TempDir()
	if out, err := exec.Command("git", "init", "-q", root).CombinedOutput(); err != nil {
		t.Fatalf("git init: %v\n%s", err, out)
	}
	for name, content := range map[string]string{
		".gitignore":   "/weft\n*.test\n",
		"go.mod":       "module example.com/r\n",
		"pool/pool.go": "package pool\n",
		"weft":         "a built binary",
		"pool/x.test":  "a test binary",
	} {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := exec.Command("git", "-C", root, "add", "go.mod").CombinedOutput(); err != nil {
		t.Fatalf("git add: %v\n%s", err, out)
	}
	dst := filepath.Join(t.TempDir(), "tree")
	got, err := stage(root, dst)
	if err != nil {
		t.Fatal(err)
	}
	if got != dst {
		t.Fatalf("stage returned %s; want %s", got, dst)
	}
	var files []string
	filepath.WalkDir(dst, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dst, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	slices.Sort(files)
	if want := []string{".gitignore", "go.mod", "pool/pool.go"}; !slices.Equal(files, want) {
		t.Errorf("staged %q; want %q", files, want)
	}
	if data, _ := os.ReadFile(filepath.Join(dst, "pool", "pool.go")); !strings.Contains(string(data), "package pool") {
		t.Errorf("staged pool.go holds %q", data)
	}
}
