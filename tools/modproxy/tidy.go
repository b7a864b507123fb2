package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/weft-dev/weft/tools/internal/modproxy"
)

// tidy runs go mod tidy in every module of the repository at root, through
// goInModules.
func tidy(root string) error {
	repo, err := modproxy.LoadRepo(root)
	if err != nil {
		return err
	}
	var dirs []string
	for _, m := range repo.Mods {
		dirs = append(dirs, m.Dir)
	}
	return goInModules(root, dirs, "mod", "tidy")
}

// goInModules runs the go command with args in each module directory dirs
// (relative to root), outside the workspace, with the modules that others
// require served at the release version by a local proxy: go mod tidy and
// go get ignore go.work's replace directives, and the module proxy has no
// such version yet. It then takes the lines for those unpublished versions
// out of each go.sum, since the published zips will hash differently from
// the working tree's.
func goInModules(root string, dirs []string, args ...string) error {
	tmp, err := os.MkdirTemp("", "weft-modproxy-")
	if err != nil {
		return err
	}
	defer removeAll(tmp)
	required, goproxy, err := localProxy(root, tmp, filepath.Join(tmp, "proxy"), (*modproxy.Repo).Required)
	if err != nil {
		return err
	}
	// An empty module cache of its own, so that no unpublished version
	// enters the usual one.
	env := append(os.Environ(),
		"GOWORK=off",
		"GOPROXY="+goproxy,
		"GONOSUMDB="+noSumDB(required),
		"GOMODCACHE="+filepath.Join(tmp, "mod"))

	for _, dir := range dirs {
		abs := filepath.Join(root, filepath.FromSlash(dir))
		if _, err := os.Stat(filepath.Join(abs, "go.mod")); err != nil {
			return fmt.Errorf("%s is not a module directory: %w", dir, err)
		}
		fmt.Printf("$ (cd %s && go %s)\n", dir, quoteArgs(args))
		cmd := goCmd(abs, env, args...)
		cmd.Stdout = os.Stdout
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("go %s in %s: %w", quoteArgs(args), dir, err)
		}
		removed, err := modproxy.StripSums(filepath.Join(abs, "go.sum"), required)
		if err != nil {
			return err
		}
		for _, line := range removed {
			fmt.Printf("  %s/go.sum: left out the unpublished %s\n", dir, line)
		}
	}
	return nil
}

// bump makes the modules of the repository at root require each other at
// version v, and go.work replace them at v.
func bump(root, v string) error {
	repo, err := modproxy.LoadRepo(root)
	if err != nil {
		return err
	}
	if err := repo.Bump(v); err != nil {
		return err
	}
	if _, err := load(root); err != nil {
		return fmt.Errorf("after the bump: %w", err)
	}
	fmt.Printf("the modules now require each other at %s, and go.work replaces that version with the local directories\n", v)
	return nil
}
