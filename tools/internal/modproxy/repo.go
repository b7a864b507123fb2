package modproxy

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/mod/modfile"
)

// Repo is what a release needs to know about a repository: its go.mod files
// and its go.work.
type Repo struct {
	// Root is the repository's top directory.
	Root string
	// Mods are its modules, in the order of their directories.
	Mods []ModFile
	// Work is its go.work, or nil if there is none.
	Work *modfile.WorkFile
}

// ModFile is one module of a Repo.
type ModFile struct {
	// Dir is the module's directory relative to the root, slash-separated:
	// "." for the root module.
	Dir  string
	File *modfile.File
}

// Path is the module's path, as its go.mod declares it.
func (m ModFile) Path() string { return m.File.Module.Mod.Path }

// LoadRepo reads every go.mod under root and root's go.work. Like the go
// command, it skips directories named testdata or vendor and those whose
// names start with "." or "_".
func LoadRepo(root string) (*Repo, error) {
	r := &Repo{Root: root}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if p != root && (name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Name() != "go.mod" {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		f, err := modfile.Parse(p, data, nil)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, filepath.Dir(p))
		if err != nil {
			return err
		}
		r.Mods = append(r.Mods, ModFile{Dir: filepath.ToSlash(rel), File: f})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("modproxy: reading the modules under %s: %w", root, err)
	}
	if len(r.Mods) == 0 {
		return nil, fmt.Errorf("modproxy: no go.mod under %s", root)
	}
	slices.SortFunc(r.Mods, func(a, b ModFile) int { return strings.Compare(a.Dir, b.Dir) })
	data, err := os.ReadFile(filepath.Join(root, "go.work"))
	switch {
	case err == nil:
		if r.Work, err = modfile.ParseWork(filepath.Join(root, "go.work"), data, nil); err != nil {
			return nil, fmt.Errorf("modproxy: %w", err)
		}
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("modproxy: %w", err)
	}
	return r, nil
}

// Module returns the repository's module with the given path.
func (r *Repo) Module(modPath string) (ModFile, bool) {
	for _, m := range r.Mods {
		if m.Path() == modPath {
			return m, true
		}
	}
	return ModFile{}, false
}

// ModuleOf returns the repository's module that holds the package with the
// given import path: the one with the longest path that is a prefix of it.
func (r *Repo) ModuleOf(pkgPath string) (ModFile, bool) {
	var best ModFile
	found := false
	for _, m := range r.Mods {
		p := m.Path()
		if (pkgPath == p || strings.HasPrefix(pkgPath, p+"/")) && (!found || len(p) > len(best.Path())) {
			best, found = m, true
		}
	}
	return best, found
}

// localRequire is one module of the repository requiring another.
type localRequire struct {
	by      ModFile
	path    string
	version string
}

// localRequires lists every requirement of a repository module on another.
func (r *Repo) localRequires() []localRequire {
	var reqs []localRequire
	for _, m := range r.Mods {
		for _, req := range m.File.Require {
			if _, ok := r.Module(req.Mod.Path); ok {
				reqs = append(reqs, localRequire{m, req.Mod.Path, req.Mod.Version})
			}
		}
	}
	return reqs
}

// Check reports, all at once, what would stop the repository's modules from
// being installed with go install module@version, or from building in the
// workspace:
//   - a replace directive in a go.mod (go install refuses such a module);
//   - a requirement of one repository module on another at a version that is
//     not tag-like, or at a different version than the other requirements
//     (the modules are released together, at one version);
//   - a go.work that does not replace each such required path and version
//     with the module's directory (without it, the workspace asks the module
//     proxy for a version that is not published yet), or that replaces one
//     that nothing requires.
func (r *Repo) Check() error {
	var errs []error
	for _, m := range r.Mods {
		for _, rep := range m.File.Replace {
			errs = append(errs, fmt.Errorf("%s: replace %s => %s: go install refuses a module whose go.mod has a replace directive; require a tag-like version and let go.work point it at the local directory",
				path.Join(m.Dir, "go.mod"), modString(rep.Old.Path, rep.Old.Version), modString(rep.New.Path, rep.New.Version)))
		}
	}
	reqs := r.localRequires()
	for _, q := range reqs {
		if err := checkVersion(q.path, q.version); err != nil {
			errs = append(errs, fmt.Errorf("%s: require %s %s: %w", path.Join(q.by.Dir, "go.mod"), q.path, q.version, err))
		}
	}
	if _, err := r.Version(); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, r.checkWork(reqs)...)
	return errors.Join(errs...)
}

func (r *Repo) checkWork(reqs []localRequire) []error {
	if r.Work == nil {
		if len(reqs) > 0 {
			return []error{fmt.Errorf("go.work: missing; the modules require each other at versions that only the workspace's replace directives resolve")}
		}
		return nil
	}
	var errs []error
	type pv struct{ path, version string }
	required := map[pv]bool{}
	for _, q := range reqs {
		required[pv{q.path, q.version}] = true
	}
	replaced := map[pv]bool{}
	for _, rep := range r.Work.Replace {
		k := pv{rep.Old.Path, rep.Old.Version}
		m, local := r.Module(rep.Old.Path)
		if !local {
			continue
		}
		replaced[k] = true
		switch {
		case !required[k]:
			errs = append(errs, fmt.Errorf("go.work: replace %s: no module requires this version", modString(k.path, k.version)))
		case rep.New.Version != "" || filepath.Clean(filepath.Join(r.Root, rep.New.Path)) != filepath.Join(r.Root, m.Dir):
			errs = append(errs, fmt.Errorf("go.work: replace %s => %s: want => ./%s", modString(k.path, k.version), modString(rep.New.Path, rep.New.Version), m.Dir))
		}
	}
	var missing []pv
	for k := range required {
		if !replaced[k] {
			missing = append(missing, k)
		}
	}
	slices.SortFunc(missing, func(a, b pv) int { return strings.Compare(a.path+" "+a.version, b.path+" "+b.version) })
	for _, k := range missing {
		m, _ := r.Module(k.path)
		errs = append(errs, fmt.Errorf("go.work: no replace %s %s => ./%s: without it the workspace asks the module proxy for a version that is not published", k.path, k.version, m.Dir))
	}
	return errs
}

// Version is the one version at which the repository's modules require
// each other, the version of the next release.
func (r *Repo) Version() (string, error) {
	reqs := r.localRequires()
	if len(reqs) == 0 {
		return "", fmt.Errorf("modproxy: no module of %s requires another, so no go.mod says which version is next", r.Root)
	}
	v := reqs[0].version
	for _, q := range reqs[1:] {
		if q.version != v {
			var lines []string
			for _, q := range reqs {
				lines = append(lines, fmt.Sprintf("%s requires %s %s", path.Join(q.by.Dir, "go.mod"), q.path, q.version))
			}
			return "", fmt.Errorf("the modules require each other at different versions, but are released together at one:\n\t%s", strings.Join(lines, "\n\t"))
		}
	}
	return v, nil
}

// Release lists the modules to publish for installing the package pkgPath:
// its module and every repository module it requires, directly or not, all
// at the repository's Version.
func (r *Repo) Release(pkgPath string) ([]Module, error) {
	v, err := r.Version()
	if err != nil {
		return nil, err
	}
	top, ok := r.ModuleOf(pkgPath)
	if !ok {
		return nil, fmt.Errorf("modproxy: no module of %s holds package %s", r.Root, pkgPath)
	}
	var mods []Module
	seen := map[string]bool{}
	queue := []ModFile{top}
	for len(queue) > 0 {
		m := queue[0]
		queue = queue[1:]
		if seen[m.Path()] {
			continue
		}
		seen[m.Path()] = true
		mods = append(mods, Module{Path: m.Path(), Version: v, Dir: filepath.Join(r.Root, filepath.FromSlash(m.Dir))})
		for _, req := range m.File.Require {
			if dep, ok := r.Module(req.Mod.Path); ok {
				queue = append(queue, dep)
			}
		}
	}
	return mods, nil
}

func modString(p, v string) string {
	if v == "" {
		return p
	}
	return p + " " + v
}

// Required lists the repository's modules that another of its modules
// requires, at the repository's Version: what a module proxy must serve for
// go mod tidy to work outside the workspace before a release.
func (r *Repo) Required() ([]Module, error) {
	v, err := r.Version()
	if err != nil {
		return nil, err
	}
	var mods []Module
	for _, q := range r.localRequires() {
		if slices.ContainsFunc(mods, func(m Module) bool { return m.Path == q.path }) {
			continue
		}
		m, _ := r.Module(q.path)
		mods = append(mods, Module{Path: q.path, Version: v, Dir: filepath.Join(r.Root, filepath.FromSlash(m.Dir))})
	}
	return mods, nil
}

// Bump makes every requirement of a repository module on another name
// version v, and go.work replace each of them at v with its directory,
// rewriting the go.mod files and go.work in place.
func (r *Repo) Bump(v string) error {
	if r.Work == nil {
		return fmt.Errorf("modproxy: %s has no go.work", r.Root)
	}
	reqs := r.localRequires()
	for _, q := range reqs {
		if err := checkVersion(q.path, v); err != nil {
			return fmt.Errorf("modproxy: %s %s: %w", q.path, v, err)
		}
	}
	for _, m := range r.Mods {
		changed := false
		for _, req := range m.File.Require {
			if _, ok := r.Module(req.Mod.Path); ok && req.Mod.Version != v {
				if err := m.File.AddRequire(req.Mod.Path, v); err != nil {
					return err
				}
				changed = true
			}
		}
		if !changed {
			continue
		}
		m.File.Cleanup()
		data, err := m.File.Format()
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(r.Root, filepath.FromSlash(m.Dir), "go.mod"), data, 0o644); err != nil {
			return err
		}
	}
	for _, rep := range slices.Clone(r.Work.Replace) {
		if _, ok := r.Module(rep.Old.Path); ok {
			if err := r.Work.DropReplace(rep.Old.Path, rep.Old.Version); err != nil {
				return err
			}
		}
	}
	done := map[string]bool{}
	for _, q := range reqs {
		if done[q.path] {
			continue
		}
		done[q.path] = true
		m, _ := r.Module(q.path)
		if err := r.Work.AddReplace(q.path, v, localPath(m.Dir), ""); err != nil {
			return err
		}
	}
	r.Work.Cleanup()
	return os.WriteFile(filepath.Join(r.Root, "go.work"), modfile.Format(r.Work.Syntax), 0o644)
}

// localPath is the go.work spelling of a module directory: ./ for the root,
// ./dir for the others.
func localPath(dir string) string {
	if dir == "." {
		return "./"
	}
	return "./" + dir
}
