package local

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/weft-dev/weft/cmd/weft/internal/cli"
	"github.com/weft-dev/weft/cmd/weft/internal/run"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// execute runs the weft command line args here, in dir, and returns the
// exit status, stdout and stderr.
func execute(t *testing.T, dir string, args ...string) (int, string, string) {
	t.Helper()
	c := run.Defaults()
	if err := c.SetOperands(args); err != nil {
		t.Fatal(err)
	}
	return executeConfig(t, dir, c)
}

func executeConfig(t *testing.T, dir string, c *run.Config) (int, string, string) {
	t.Helper()
	if dir != "" {
		wd, _ := os.Getwd()
		os.Chdir(dir)
		defer os.Chdir(wd)
	}
	var out, errb bytes.Buffer
	r, err := run.New(c, cli.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	status := Execute(r)
	return status, out.String(), errb.String()
}

func TestExecuteRunsEveryJob(t *testing.T) {
	c := run.Defaults()
	c.Keep, c.Jobs = true, 4
	c.SetOperands([]string{"echo {#} {}; exit {}", ":::", "0", "1", "0", "2", "0"})
	status, out, _ := executeConfig(t, "", c)
	if status != 2 || out != "1 0\n2 1\n3 0\n4 2\n5 0\n" {
		t.Errorf("status %d, output %q; want 2 failed and every job's output in order", status, out)
	}
}

// TestHaltNowStopsTheRunningJobs: with -j 2, the job that fails stops the
// one still running (SIGTERM, logged with signal 15), and nothing starts
// after it.
func TestHaltNowStopsTheRunningJobs(t *testing.T) {
	dir := t.TempDir()
	c := run.Defaults()
	c.Jobs, c.Joblog = 2, filepath.Join(dir, "log")
	c.Halt = &run.Halt{Now: true, Count: 1}
	c.SetOperands([]string{":::", "sleep 30", "sleep 0.1; exit 3", "touch never"})
	status, _, errb := executeConfig(t, dir, c)
	if status != 3 || !strings.Contains(errb, "halting after job 2") {
		t.Errorf("status %d, stderr %q; want 3 and the halt", status, errb)
	}
	if _, err := os.Stat(filepath.Join(dir, "never")); err == nil {
		t.Error("a job started after the halt")
	}
	log, _ := os.ReadFile(c.Joblog)
	if !strings.Contains(string(log), "\t-1\t15\tsleep 30\n") {
		t.Errorf("joblog %q; want sleep 30 stopped by SIGTERM", log)
	}
}

func TestExecuteReportsAnInputErrorAfterTheJobsBefore(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big")
	data := append([]byte("ok\n"), bytes.Repeat([]byte("x"), 64<<20+1)...)
	os.WriteFile(big, data, 0o644)
	status, out, errb := execute(t, dir, "echo", "::::", big)
	if status != 255 || out != "ok\n" || !strings.Contains(errb, "weft: reading input") {
		t.Errorf("status %d, stdout %q, stderr %q; want the first job run, then the read error and 255", status, out, errb)
	}
}
