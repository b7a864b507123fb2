// Package modproxy writes a Go module proxy as a directory, to be served with
// a file:// GOPROXY URL, from modules in a working tree; and it reads what a
// release needs to know about a repository's modules (repo.go).
//
// The layout is the GOPROXY protocol's: for a module path P (escaped, so
// that upper-case letters become !lower) and a version V,
// P/@v/list lists the versions, P/@v/V.info holds {"Version","Time"},
// P/@v/V.mod is the module's go.mod and P/@v/V.zip its module zip, made by
// golang.org/x/mod/zip exactly as the go command expects it.
package modproxy

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
	"golang.org/x/mod/zip"
)

// Module is one module to publish: the directory holding its go.mod, and the
// path and version under which the proxy serves it.
type Module struct {
	Path    string
	Version string
	Dir     string
}

// Write adds each module to the proxy directory dir, creating what is
// missing. Every module's version must be a canonical semantic version that
// is not a pseudo-version (a tag-like version such as v0.9.0), and its go.mod
// must declare the module's path. The .info files carry the time t.
func Write(dir string, mods []Module, t time.Time) error {
	for _, m := range mods {
		if err := write(dir, m, t); err != nil {
			return fmt.Errorf("modproxy: %s@%s: %w", m.Path, m.Version, err)
		}
	}
	return nil
}

func write(dir string, m Module, t time.Time) error {
	if err := checkVersion(m.Path, m.Version); err != nil {
		return err
	}
	gomod, err := os.ReadFile(filepath.Join(m.Dir, "go.mod"))
	if err != nil {
		return err
	}
	if got := modulePath(gomod); got != m.Path {
		return fmt.Errorf("%s declares module %q, not %q", filepath.Join(m.Dir, "go.mod"), got, m.Path)
	}
	escPath, err := module.EscapePath(m.Path)
	if err != nil {
		return err
	}
	escVer, err := module.EscapeVersion(m.Version)
	if err != nil {
		return err
	}
	at := filepath.Join(dir, filepath.FromSlash(escPath), "@v")
	if err := os.MkdirAll(at, 0o755); err != nil {
		return err
	}

	z, err := os.Create(filepath.Join(at, escVer+".zip"))
	if err != nil {
		return err
	}
	err = zip.CreateFromDir(z, module.Version{Path: m.Path, Version: m.Version}, m.Dir)
	if cerr := z.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}

	if err := os.WriteFile(filepath.Join(at, escVer+".mod"), gomod, 0o644); err != nil {
		return err
	}
	info, err := json.Marshal(struct {
		Version string
		Time    time.Time
	}{m.Version, t.UTC().Truncate(time.Second)})
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(at, escVer+".info"), info, 0o644); err != nil {
		return err
	}
	return addToList(filepath.Join(at, "list"), m.Version)
}

// addToList adds version v to the list file at path, which names one
// version a line, in semantic version order.
func addToList(path, v string) error {
	data, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	versions := strings.Fields(string(data))
	if !slices.Contains(versions, v) {
		versions = append(versions, v)
	}
	semver.Sort(versions)
	return os.WriteFile(path, []byte(strings.Join(versions, "\n")+"\n"), 0o644)
}

// checkVersion refuses a version that a tag could not carry: one that is not
// canonical semver, a pseudo-version, or one whose major version does not
// match the path's /vN suffix.
func checkVersion(path, v string) error {
	switch {
	case !semver.IsValid(v) || semver.Canonical(v) != v:
		return fmt.Errorf("version %q is not a canonical semantic version such as v0.9.0", v)
	case module.IsPseudoVersion(v):
		return fmt.Errorf("version %q is a pseudo-version; a release needs a tag-like version such as v0.9.0", v)
	}
	return module.Check(path, v)
}

// modulePath is the path a go.mod declares, or "" if it declares none.
func modulePath(gomod []byte) string {
	return modfile.ModulePath(gomod)
}
