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

// writeProxy writes the proxy that check installs from into dir.
func writeProxy(root, dir string) error {
	tmp, err := os.MkdirTemp("", "weft-modproxy-")
	if err != nil {
		return err
	}
	defer removeAll(tmp)
	tree, err := stage(root, tmp)
	if err != nil {
		return err
	}
	repo, err := load(tree)
	if err != nil {
		return err
	}
	mods, err := repo.Release(target)
	if err != nil {
		return err
	}
	dir, err = filepath.Abs(dir)
	if err != nil {
		return err
	}
	if err := modproxy.Write(dir, mods, time.Now()); err != nil {
		return err
	}
	for _, m := range mods {
		fmt.Printf("wrote %s@%s\n", m.Path, m.Version)
	}
	upstream, err := goEnv("GOPROXY")
	if err != nil {
		return err
	}
	fmt.Printf("try it in an empty directory, with an empty GOMODCACHE (a module cache keeps a version once it has it):\n"+
		"  GOPROXY=%s GONOSUMDB=%s go install %s@%s\n",
		proxyURL(dir, upstream), noSumDB(mods), target, mods[0].Version)
	return nil
}

// proxyURL is the GOPROXY that serves dir first and upstream for the rest.
func proxyURL(dir, upstream string) string {
	return "file://" + filepath.ToSlash(dir) + "," + upstream
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
