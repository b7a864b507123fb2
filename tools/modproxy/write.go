package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/weft-dev/weft/tools/internal/modproxy"
)

// load reads the repository at root and refuses it if go install could not
// install its modules.
func load(root string) (*modproxy.Repo, error) {
	repo, err := modproxy.LoadRepo(root)
	if err != nil {
		return nil, err
	}
	if err := repo.Check(); err != nil {
		return nil, err
	}
	return repo, nil
}

// localProxy copies the working tree at root into tmp (see stage), refuses
// it if go install could not install its modules, and writes into the proxy
// directory dir the modules that pick chooses. It returns them, and the
// GOPROXY that serves dir first and the usual proxy after it.
func localProxy(root, tmp, dir string, pick func(*modproxy.Repo) ([]modproxy.Module, error)) ([]modproxy.Module, string, error) {
	tree, err := stage(root, filepath.Join(tmp, "tree"))
	if err != nil {
		return nil, "", err
	}
	repo, err := load(tree)
	if err != nil {
		return nil, "", err
	}
	mods, err := pick(repo)
	if err != nil {
		return nil, "", err
	}
	if err := modproxy.Write(dir, mods, time.Now()); err != nil {
		return nil, "", err
	}
	upstream, err := goEnv("GOPROXY")
	if err != nil {
		return nil, "", err
	}
	return mods, "file://" + filepath.ToSlash(dir) + "," + upstream, nil
}

// release picks the modules that installing target needs.
func release(r *modproxy.Repo) ([]modproxy.Module, error) { return r.Release(target) }

// writeProxy writes the proxy that check installs from into dir.
func writeProxy(root, dir string) error {
	tmp, err := os.MkdirTemp("", "weft-modproxy-")
	if err != nil {
		return err
	}
	defer removeAll(tmp)
	dir, err = filepath.Abs(dir)
	if err != nil {
		return err
	}
	mods, goproxy, err := localProxy(root, tmp, dir, release)
	if err != nil {
		return err
	}
	for _, m := range mods {
		fmt.Printf("wrote %s@%s\n", m.Path, m.Version)
	}
	fmt.Printf("try it in an empty directory, with an empty GOMODCACHE (a module cache keeps a version once it has it):\n"+
		"  GOPROXY=%s GONOSUMDB=%s go install %s@%s\n",
		goproxy, noSumDB(mods), target, mods[0].Version)
	return nil
}

// noSumDB is the GONOSUMDB list of the modules: the checksum database
// cannot know versions that are not published.
func noSumDB(mods []modproxy.Module) string {
	paths := make([]string, len(mods))
	for i, m := range mods {
		paths[i] = m.Path
	}
	return strings.Join(paths, ",")
}

// goEnv is the value of one go env variable.
func goEnv(name string) (string, error) {
	return goEnvIn(os.Environ(), name)
}

// goEnvIn is the value of one go env variable in the environment env.
func goEnvIn(env []string, name string) (string, error) {
	out, err := goCmd("", env, "env", name).Output()
	if err != nil {
		return "", fmt.Errorf("go env %s: %w", name, err)
	}
	return strings.TrimSpace(string(out)), nil
}
