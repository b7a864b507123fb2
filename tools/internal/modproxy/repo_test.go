package modproxy

import (
	"maps"
	"path/filepath"
	"strings"
	"testing"
)

// goodRepo is a repository laid out as weft is: a root module, a module
// requiring it, a command requiring both, and a workspace that points the
// required versions at the directories.
var goodRepo = map[string]string{
	"go.mod":            "module example.com/r\n\ngo 1.25.0\n",
	"fleet/go.mod":      "module example.com/r/fleet\n\ngo 1.26.0\n\nrequire example.com/r v0.9.0\n",
	"cmd/x/go.mod":      "module example.com/r/cmd/x\n\ngo 1.26.0\n\nrequire (\n\texample.com/r v0.9.0\n\texample.com/r/fleet v0.9.0\n)\n",
	"tools/go.mod":      "module example.com/r/tools\n\ngo 1.26.0\n",
	"testdata/x/go.mod": "module example.com/ignored\n\nreplace a => b v1.0.0\n",
	".hidden/go.mod":    "module example.com/hidden\n\nreplace a => b v1.0.0\n",
	"go.work": "go 1.26.0\n\nuse (\n\t.\n\t./cmd/x\n\t./fleet\n\t./tools\n)\n\n" +
		"replace (\n\texample.com/r v0.9.0 => ./\n\texample.com/r/fleet v0.9.0 => ./fleet\n)\n",
}

func loadTree(t *testing.T, files map[string]string) *Repo {
	t.Helper()
	dir := t.TempDir()
	writeTree(t, dir, files)
	r, err := LoadRepo(dir)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// with is goodRepo with the given files changed ("" removes one).
func with(changes map[string]string) map[string]string {
	files := maps.Clone(goodRepo)
	for name, content := range changes {
		if content == "" {
			delete(files, name)
		} else {
			files[name] = content
		}
	}
	return files
}

func TestCheckAcceptsGoodRepo(t *testing.T) {
	r := loadTree(t, goodRepo)
	if err := r.Check(); err != nil {
		t.Fatalf("Check: %v", err)
	}
	var dirs []string
	for _, m := range r.Mods {
		dirs = append(dirs, m.Dir)
	}
	if got, want := strings.Join(dirs, " "), ". cmd/x fleet tools"; got != want {
		t.Errorf("modules in %q; want %q (testdata and dot directories skipped)", got, want)
	}
	if v, err := r.Version(); v != "v0.9.0" || err != nil {
		t.Errorf("Version = %q, %v; want v0.9.0", v, err)
	}
}

// TestCheckRefuses checks that each thing that would stop go install, or
// the workspace, is reported with the file and what is wrong.
func TestCheckRefuses(t *testing.T) {
	for _, tc := range []struct {
		name    string
		changes map[string]string
		want    []string
	}{
		{
			name:    "replace in a go.mod",
			changes: map[string]string{"fleet/go.mod": goodRepo["fleet/go.mod"] + "\nreplace example.com/r => ..\n"},
			want:    []string{"fleet/go.mod: replace example.com/r => ..: go install refuses"},
		},
		{
			name:    "versioned replace in a go.mod",
			changes: map[string]string{"cmd/x/go.mod": goodRepo["cmd/x/go.mod"] + "\nreplace example.com/z v1.0.0 => example.com/y v1.1.0\n"},
			want:    []string{"cmd/x/go.mod: replace example.com/z v1.0.0 => example.com/y v1.1.0"},
		},
		{
			name:    "requirements at different versions",
			changes: map[string]string{"fleet/go.mod": strings.Replace(goodRepo["fleet/go.mod"], "v0.9.0", "v0.8.0", 1)},
			want:    []string{"different versions", "fleet/go.mod requires example.com/r v0.8.0", "cmd/x/go.mod requires example.com/r v0.9.0"},
		},
		{
			name: "pseudo-version requirement",
			changes: map[string]string{
				"fleet/go.mod": strings.Replace(goodRepo["fleet/go.mod"], "v0.9.0", "v0.0.0-00010101000000-000000000000", 1),
			},
			want: []string{"fleet/go.mod: require example.com/r v0.0.0-00010101000000-000000000000", "pseudo-version"},
		},
		{
			name:    "go.work misses a replace",
			changes: map[string]string{"go.work": strings.Replace(goodRepo["go.work"], "\texample.com/r/fleet v0.9.0 => ./fleet\n", "", 1)},
			want:    []string{"go.work: no replace example.com/r/fleet v0.9.0 => ./fleet"},
		},
		{
			name:    "go.work replaces with the wrong directory",
			changes: map[string]string{"go.work": strings.Replace(goodRepo["go.work"], "=> ./fleet", "=> ./cmd/x", 1)},
			want:    []string{"go.work: replace example.com/r/fleet v0.9.0 => ./cmd/x: want => ./fleet"},
		},
		{
			name:    "go.work replaces a version nothing requires",
			changes: map[string]string{"go.work": strings.Replace(goodRepo["go.work"], "example.com/r v0.9.0 => ./", "example.com/r v0.9.0 => ./\n\texample.com/r v0.8.0 => ./", 1)},
			want:    []string{"go.work: replace example.com/r v0.8.0: no module requires this version"},
		},
		{
			name:    "no go.work",
			changes: map[string]string{"go.work": ""},
			want:    []string{"go.work: missing"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := loadTree(t, with(tc.changes)).Check()
			if err == nil {
				t.Fatal("Check passed; want an error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Check: %v\nwant it to say %q", err, w)
				}
			}
		})
	}
}

func TestVersionNeedsARequirement(t *testing.T) {
	r := loadTree(t, map[string]string{"go.mod": "module example.com/r\n\ngo 1.25.0\n"})
	if _, err := r.Version(); err == nil || !strings.Contains(err.Error(), "no module") {
		t.Errorf("Version of a lone module: %v; want an error saying no module requires another", err)
	}
}

func TestRelease(t *testing.T) {
	r := loadTree(t, goodRepo)
	mods, err := r.Release("example.com/r/cmd/x/internal/run")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range mods {
		rel, _ := filepath.Rel(r.Root, m.Dir)
		got = append(got, m.Path+"@"+m.Version+" "+filepath.ToSlash(rel))
	}
	want := "example.com/r/cmd/x@v0.9.0 cmd/x, example.com/r@v0.9.0 ., example.com/r/fleet@v0.9.0 fleet"
	if strings.Join(got, ", ") != want {
		t.Errorf("Release = %q; want %q (the package's module first, then what it requires; not tools)", strings.Join(got, ", "), want)
	}
	if _, err := r.Release("example.com/rx"); err == nil {
		t.Error("Release of a package outside every module: no error")
	}

	req, err := r.Required()
	if err != nil {
		t.Fatal(err)
	}
	got = got[:0]
	for _, m := range req {
		got = append(got, m.Path+"@"+m.Version)
	}
	if strings.Join(got, " ") != "example.com/r@v0.9.0 example.com/r/fleet@v0.9.0" {
		t.Errorf("Required = %q; want the root and fleet at v0.9.0", got)
	}
}

// TestBump moves the requirements and go.work to the next version; the
// result passes Check.
func TestBump(t *testing.T) {
	r := loadTree(t, goodRepo)
	if err := r.Bump("v0.10.0"); err != nil {
		t.Fatal(err)
	}
	r2, err := LoadRepo(r.Root)
	if err != nil {
		t.Fatal(err)
	}
	if err := r2.Check(); err != nil {
		t.Fatalf("Check after Bump: %v", err)
	}
	if v, _ := r2.Version(); v != "v0.10.0" {
		t.Errorf("Version after Bump = %q; want v0.10.0", v)
	}
	work := readFile(t, filepath.Join(r.Root, "go.work"))
	for _, want := range []string{"example.com/r v0.10.0 => ./\n", "example.com/r/fleet v0.10.0 => ./fleet\n", "./tools\n"} {
		if !strings.Contains(work, want) {
			t.Errorf("go.work after Bump:\n%s\nwant it to hold %q", work, want)
		}
	}
	if strings.Contains(work, "v0.9.0") {
		t.Errorf("go.work after Bump still names v0.9.0:\n%s", work)
	}
	if got := readFile(t, filepath.Join(r.Root, "tools", "go.mod")); got != goodRepo["tools/go.mod"] {
		t.Errorf("Bump rewrote tools/go.mod, which requires no module of the repository:\n%s", got)
	}
	if err := loadTree(t, goodRepo).Bump("v1.0"); err == nil || !strings.Contains(err.Error(), "canonical") {
		t.Errorf("Bump to v1.0: %v; want an error naming the version", err)
	}
}
