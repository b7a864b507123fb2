package modproxy

import (
	"archive/zip"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var libFiles = map[string]string{
	"go.mod":        "module example.com/lib\n\ngo 1.22\n",
	"lib.go":        "package lib\n\n// Hello greets.\nfunc Hello() string { return \"hello from lib\" }\n",
	"sub/go.mod":    "module example.com/lib/sub\n\ngo 1.22\n",
	"sub/sub.go":    "package sub\n",
	".git/HEAD":     "ref: refs/heads/main\n",
	"doc/notes.txt": "notes\n",
}

var appFiles = map[string]string{
	"go.mod":  "module example.com/app\n\ngo 1.22\n\nrequire example.com/lib v1.2.3\n",
	"main.go": "package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/lib\"\n)\n\nfunc main() { fmt.Println(lib.Hello()) }\n",
}

// TestWriteInstallsWithGo writes a proxy of two modules, one requiring the
// other, and has the go command install from it with no other proxy.
func TestWriteInstallsWithGo(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	tmp := t.TempDir()
	lib, app, proxy := filepath.Join(tmp, "lib"), filepath.Join(tmp, "app"), filepath.Join(tmp, "proxy")
	writeTree(t, lib, libFiles)
	writeTree(t, app, appFiles)
	stamp := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	err := Write(proxy, []Module{
		{Path: "example.com/app", Version: "v1.0.0", Dir: app},
		{Path: "example.com/lib", Version: "v1.2.3", Dir: lib},
	}, stamp)
	if err != nil {
		t.Fatal(err)
	}

	at := filepath.Join(proxy, "example.com", "lib", "@v")
	if got := readFile(t, filepath.Join(at, "list")); got != "v1.2.3\n" {
		t.Errorf("list = %q; want %q", got, "v1.2.3\n")
	}
	if got := readFile(t, filepath.Join(at, "v1.2.3.mod")); got != libFiles["go.mod"] {
		t.Errorf(".mod = %q; want the go.mod %q", got, libFiles["go.mod"])
	}
	var info struct {
		Version string
		Time    time.Time
	}
	if err := json.Unmarshal([]byte(readFile(t, filepath.Join(at, "v1.2.3.info"))), &info); err != nil {
		t.Fatal(err)
	}
	if info.Version != "v1.2.3" || !info.Time.Equal(stamp) {
		t.Errorf(".info = %+v; want Version v1.2.3, Time %v", info, stamp)
	}
	zr, err := zip.OpenReader(filepath.Join(at, "v1.2.3.zip"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	zr.Close()
	slices.Sort(names)
	want := []string{"example.com/lib@v1.2.3/doc/notes.txt", "example.com/lib@v1.2.3/go.mod", "example.com/lib@v1.2.3/lib.go"}
	if !slices.Equal(names, want) {
		t.Errorf("zip holds %q; want %q (no submodule, no .git)", names, want)
	}

	work, bin := filepath.Join(tmp, "work"), filepath.Join(tmp, "bin")
	if err := os.Mkdir(work, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "install", "example.com/app@v1.0.0")
	cmd.Dir = work
	cmd.Env = append(os.Environ(),
		"GOPROXY=file://"+filepath.ToSlash(proxy), // this proxy alone: nothing else is needed
		"GONOSUMDB=example.com",
		"GOMODCACHE="+filepath.Join(tmp, "mod"),
		"GOFLAGS=-modcacherw", // so that TempDir can remove the module cache
		"GOBIN="+bin,
		"GOTOOLCHAIN=local")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go install example.com/app@v1.0.0: %v\n%s", err, out)
	}
	out, err := exec.Command(filepath.Join(bin, "app")).Output()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(out)); got != "hello from lib" {
		t.Errorf("the installed app printed %q; want %q", got, "hello from lib")
	}
}

// TestWriteAddsToList writes two versions of a module: the list names both,
// in semantic version order.
func TestWriteAddsToList(t *testing.T) {
	tmp := t.TempDir()
	lib, proxy := filepath.Join(tmp, "lib"), filepath.Join(tmp, "proxy")
	writeTree(t, lib, libFiles)
	for _, v := range []string{"v1.10.0", "v1.2.3", "v1.10.0"} {
		if err := Write(proxy, []Module{{Path: "example.com/lib", Version: v, Dir: lib}}, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := readFile(t, filepath.Join(proxy, "example.com", "lib", "@v", "list")), "v1.2.3\nv1.10.0\n"; got != want {
		t.Errorf("list = %q; want %q", got, want)
	}
}

// TestWriteRefuses checks the versions and go.mod files that Write refuses,
// by the message that names what is wrong.
func TestWriteRefuses(t *testing.T) {
	tmp := t.TempDir()
	lib := filepath.Join(tmp, "lib")
	writeTree(t, lib, libFiles)
	for _, tc := range []struct {
		path, version, want string
	}{
		{"example.com/lib", "v0.9", "not a canonical semantic version"},
		{"example.com/lib", "0.9.0", "not a canonical semantic version"},
		{"example.com/lib", "v0.0.0-20260101000000-abcdefabcdef", "pseudo-version"},
		{"example.com/lib", "v2.0.0", "invalid version"},
		{"example.com/other", "v0.9.0", `declares module "example.com/lib"`},
	} {
		err := Write(filepath.Join(tmp, "proxy"), []Module{{Path: tc.path, Version: tc.version, Dir: lib}}, time.Now())
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Write %s@%s: got %v; want an error containing %q", tc.path, tc.version, err, tc.want)
		}
	}
}

// TestStripSums removes the lines of unpublished versions, zip and go.mod,
// and keeps every other line.
func TestStripSums(t *testing.T) {
	path := filepath.Join(t.TempDir(), "go.sum")
	keep := "example.com/r v0.8.0 h1:old=\nexample.com/r v0.8.0/go.mod h1:oldmod=\nexample.com/other v0.9.0 h1:x=\n"
	drop := "example.com/r v0.9.0 h1:new=\nexample.com/r v0.9.0/go.mod h1:newmod=\nexample.com/r/fleet v0.9.0/go.mod h1:f=\n"
	writeTree(t, filepath.Dir(path), map[string]string{"go.sum": drop[:29] + keep + drop[29:]})
	removed, err := StripSums(path, []Module{{Path: "example.com/r", Version: "v0.9.0"}, {Path: "example.com/r/fleet", Version: "v0.9.0"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, path); got != keep {
		t.Errorf("go.sum is now %q; want %q", got, keep)
	}
	if want := strings.Split(strings.TrimSpace(drop), "\n"); !slices.Equal(removed, want) {
		t.Errorf("removed %q; want %q", removed, want)
	}
	if removed, err := StripSums(filepath.Join(t.TempDir(), "go.sum"), nil); err != nil || removed != nil {
		t.Errorf("StripSums of a missing file = %q, %v; want nothing, no error", removed, err)
	}
}
