package main

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestNATSOutputOptions: the output options act on what comes back from
// the workers as on jobs run here (--results, --tagstring, --ctag, -v,
// --files, --shuf); -t and --progress, which follow jobs as they start, are
// refused by name with --nats.
func TestNATSOutputOptions(t *testing.T) {
	_, u := natsServer(t)
	dir := t.TempDir()
	startWorker(t, dir, u, "w1", "-j", "2")
	for _, args := range [][]string{
		{"-k", "--tagstring", "{#}-{}", "-v", "echo {}; echo e{} >&2", ":::", "a", "b c"},
		{"-k", "--ctag", "printf {}", ":::", "x", "y"},
		{"--shuf", "echo", ":::", "a", "b", ":::", "1", "2"},
	} {
		local := runWeft(t, dir, "", args...)
		remote := runWeft(t, dir, "", slices.Concat([]string{"--nats", u}, args)...)
		l, r := lines(local.stdout), lines(remote.stdout)
		if args[0] != "-k" {
			l, r = sorted(l), sorted(r)
		}
		if !slices.Equal(l, r) || local.status != remote.status {
			t.Errorf("%q through NATS: status %d, stdout %q; locally %d, %q", args, remote.status, r, local.status, l)
		}
	}
	for _, name := range []string{"local", "remote"} {
		args := []string{"--results", name, "echo", ":::", "a/b"}
		if name == "remote" {
			args = append([]string{"--nats", u}, args...)
		}
		if o := runWeft(t, dir, "", args...); o.status != 0 || o.stdout != "" {
			t.Errorf("--results %s: status %d, stdout %q", name, o.status, o.stdout)
		}
	}
	if l, r := mustRead(t, filepath.Join(dir, "local", "1", `a\_b`, "stdout")), mustRead(t, filepath.Join(dir, "remote", "1", `a\_b`, "stdout")); l != r || l != "a/b\n" {
		t.Errorf("--results stdout through NATS %q; locally %q", r, l)
	}
	o := runWeft(t, dir, "", "--nats", u, "--tmpdir", dir, "--files", "echo", ":::", "x")
	if name := strings.TrimSpace(o.stdout); filepath.Dir(name) != dir || mustRead(t, name) != "x\n" {
		t.Errorf("--files through NATS: printed %q, status %d", o.stdout, o.status)
	}
	for _, opt := range []string{"-t", "--verbose", "--progress"} {
		o := runWeft(t, dir, "", "--nats", u, opt, "echo", ":::", "a")
		if o.status != 255 || !strings.Contains(o.stderr, "-t, --verbose and --progress cannot be used with --nats") {
			t.Errorf("%s with --nats: status %d, stderr %q; want it refused by name", opt, o.status, o.stderr)
		}
	}
}
