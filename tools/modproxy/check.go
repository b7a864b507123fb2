package main

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/weft-dev/weft/tools/internal/modproxy"
)

// check installs target from a proxy of the working tree at root, in an
// empty directory with an empty module cache, and runs what it installed.
func check(root string) error {
	tmp, err := os.MkdirTemp("", "weft-modproxy-")
	if err != nil {
		return err
	}
	defer removeAll(tmp)

	mods, goproxy, err := localProxy(root, tmp, filepath.Join(tmp, "proxy"), release)
	if err != nil {
		return err
	}
	v := mods[0].Version
	for _, m := range mods {
		fmt.Printf("proxy: %s@%s\n", m.Path, m.Version)
	}

	// Only what the check needs: the local proxy in front of the usual one,
	// no checksum database for the unpublished modules (it cannot know
	// them; every other module is still verified), and an empty module
	// cache and install directory of its own, so that no version cached
	// before is used and nothing unpublished is left behind. GOWORK=off and
	// GOFLAGS=-mod=mod are not needed: go install module@version ignores
	// any workspace and go.mod around it.
	set := []string{
		"GOPROXY=" + goproxy,
		"GONOSUMDB=" + noSumDB(mods),
	}
	env := append(os.Environ(), set...)
	env = append(env, "GOMODCACHE="+filepath.Join(tmp, "mod"), "GOBIN="+filepath.Join(tmp, "bin"))
	if sumdb, err := goEnvIn(env, "GOSUMDB"); err != nil {
		return err
	} else if sumdb == "off" {
		return errors.New("GOSUMDB=off: the check verifies third-party modules against the checksum database; unset it")
	}
	work := filepath.Join(tmp, "work")
	if err := os.Mkdir(work, 0o755); err != nil {
		return err
	}
	fmt.Printf("$ %s go install %s@%s   (in an empty directory, with an empty GOMODCACHE)\n", strings.Join(set, " "), target, v)
	start := time.Now()
	install := goCmd(work, env, "install", target+"@"+v)
	install.Stdout = os.Stdout
	if err := install.Run(); err != nil {
		return fmt.Errorf("go install %s@%s from the local proxy: %w", target, v, err)
	}
	fmt.Printf("installed in %.1f s\n", time.Since(start).Seconds())

	bin := filepath.Join(tmp, "bin", path.Base(target))
	if err := checkBuildInfo(bin, mods); err != nil {
		return err
	}
	if err := runExample(bin, work); err != nil {
		return err
	}
	if err := runVersion(bin, work, v); err != nil {
		return err
	}
	fmt.Printf("install check passed: go install %s@%s works from a proxy\n", target, v)
	return nil
}

// checkBuildInfo checks that the binary was built from the published
// modules: the main module and each dependency at the release version,
// none replaced.
func checkBuildInfo(bin string, mods []modproxy.Module) error {
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		return err
	}
	if info.Main.Path != mods[0].Path || info.Main.Version != mods[0].Version {
		return fmt.Errorf("%s: main module %s %s, want %s %s", bin, info.Main.Path, info.Main.Version, mods[0].Path, mods[0].Version)
	}
	for _, m := range mods[1:] {
		i := slices.IndexFunc(info.Deps, func(d *debug.Module) bool { return d.Path == m.Path })
		switch {
		case i < 0:
			return fmt.Errorf("%s: built without %s", bin, m.Path)
		case info.Deps[i].Version != m.Version || info.Deps[i].Replace != nil:
			return fmt.Errorf("%s: built with %s %s (replaced: %v), want %s", bin, m.Path, info.Deps[i].Version, info.Deps[i].Replace != nil, m.Version)
		}
	}
	fmt.Printf("build info: %s %s", info.Main.Path, info.Main.Version)
	for _, m := range mods[1:] {
		fmt.Printf(", %s %s", m.Path, m.Version)
	}
	fmt.Println()
	return nil
}

// readmeExample is the README's main job and what it prints, in any order.
var readmeExample = []string{"-j", "4", "echo hello {}", ":::", "a", "b", "c"}

var readmeOutput = []string{"hello a", "hello b", "hello c"}

// runExample runs the installed command on the README's example.
func runExample(bin, dir string) error {
	out, err := runBin(bin, dir, readmeExample...)
	fmt.Printf("$ weft %s\n%s", quoteArgs(readmeExample), out)
	if err != nil {
		return fmt.Errorf("weft %s: %w", quoteArgs(readmeExample), err)
	}
	return checkExampleOutput(out)
}

// checkExampleOutput compares the example's output with the README's, as
// a multiset of lines: without -k, jobs print as they end.
func checkExampleOutput(out string) error {
	got := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	slices.Sort(got)
	if !slices.Equal(got, readmeOutput) {
		return fmt.Errorf("weft %s printed %q, want the lines %q in any order", quoteArgs(readmeExample), out, readmeOutput)
	}
	return nil
}

// runVersion runs weft --version, which must exit 0.
func runVersion(bin, dir, v string) error {
	out, err := runBin(bin, dir, "--version")
	fmt.Printf("$ weft --version\n%s", out)
	if err != nil {
		return fmt.Errorf("weft --version: %w", err)
	}
	strict, err := checkVersionOutput(out, v)
	if err != nil {
		return err
	}
	if !strict {
		fmt.Printf("(weft --version names no version, so which one is not checked; once it names one, it must be %s)\n", v)
	}
	return nil
}

// semverRE matches a semantic version with its leading v.
var semverRE = regexp.MustCompile(`\bv[0-9]+\.[0-9]+\.[0-9]+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?`)

// checkVersionOutput checks what weft --version printed against the
// installed version v: if it names any version, one of them must be v.
// strict reports whether it named one.
func checkVersionOutput(out, v string) (strict bool, err error) {
	named := semverRE.FindAllString(out, -1)
	if len(named) == 0 {
		return false, nil
	}
	if !slices.Contains(named, v) {
		return true, fmt.Errorf("weft --version printed %q: it names %s, but %s was installed", out, strings.Join(named, ", "), v)
	}
	return true, nil
}

// runBin runs the installed binary with no input and a time limit, and
// returns its standard output; its standard error goes to the error.
func runBin(bin, dir string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("%w; stderr: %q", err, stderr.String())
	}
	return stdout.String(), nil
}

// quoteArgs writes args as a shell would need them.
func quoteArgs(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " '{}\"$\\*?;&|<>()") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		q[i] = a
	}
	return strings.Join(q, " ")
}

// removeAll removes dir, including the read-only files of a module cache.
func removeAll(dir string) {
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			os.Chmod(p, 0o755)
		}
		return nil
	})
	if err := os.RemoveAll(dir); err != nil {
		fmt.Fprintf(os.Stderr, "modproxy: %v\n", err)
	}
}
