package job

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/weft-dev/weft/cmd/weft/internal/reaper"
)

// helperEnv makes this test binary, run as a job, kill itself.
const helperEnv = "WEFT_JOB_TEST_HELPER"

func TestSimpleWords(t *testing.T) {
	for _, c := range []struct {
		line string
		want []string
	}{
		{"wc -l", []string{"wc", "-l"}},
		{"  gzip   -9 ", []string{"gzip", "-9"}},
		{"dd if=/x of=/y bs=1M", []string{"dd", "if=/x", "of=/y", "bs=1M"}},
		{"./a.out --x=1,2:3 @f %g", []string{"./a.out", "--x=1,2:3", "@f", "%g"}},
		{"", nil},
		{"   ", nil},
		{"A=1 wc", nil},       // an assignment
		{"wc -l < f", nil},    // a redirection
		{"wc -l | sort", nil}, // a pipeline
		{"echo $HOME", nil},   // an expansion
		{"ls *.go", nil},      // a glob
		{"echo 'a b'", nil},   // quotes
		{"echo a\\ b", nil},   // an escape
		{"ls ~", nil},         // a tilde
		{"a;b", nil},          // a list
		{"wc\t-l", nil},       // a tab
		{"wc -l # c", nil},    // a comment
		{"echo {a,b}", nil},   // braces (bash)
		{"cat f\nwc", nil},    // two lines
		{"echo \u00e9", nil},  // not ASCII
		{"sleep 1 &", nil},    // background
		{"(wc)", nil},         // a subshell
		{"echo `id`", nil},    // a command substitution
		{"[ -f x ]", nil},     // [ is a glob character
	} {
		got, ok := simpleWords(c.line)
		if ok != (c.want != nil) || !slices.Equal(got, c.want) {
			t.Errorf("simpleWords(%q) = %q, %v; want %q", c.line, got, ok, c.want)
		}
	}
}

// dashDirect returns the direct runner of /bin/sh, or skips when /bin/sh
// is not dash (jobs then always go to their shell).
func dashDirect(t *testing.T) *direct {
	t.Helper()
	d := newDirect("/bin/sh")
	if d == nil {
		t.Skip("/bin/sh is not dash, or programs cannot be started stopped here: every job goes to its shell")
	}
	return d
}

func TestCommandsForTheShell(t *testing.T) {
	d := dashDirect(t)
	for _, line := range []string{
		"echo -e a",          // dash's echo, not /bin/echo
		"test -f x",          // a builtin found in $PATH too
		"kill 1",             // likewise
		"printf %s x",        // likewise
		"no-such-program-x1", // dash says "not found"
		"/etc/passwd",        // not executable: dash says so
	} {
		if prog, _, ok := d.command(line); ok {
			t.Errorf("%q runs %s without its shell; want the shell", line, prog)
		}
	}
	if prog, argv, ok := d.command("wc -l"); !ok || filepath.Base(prog) != "wc" || !slices.Equal(argv, []string{"wc", "-l"}) {
		t.Errorf("wc -l: %q %q %v; want wc from $PATH with argv [wc -l]", prog, argv, ok)
	}
	t.Setenv("BASH_FUNC_wc%%", "() {  echo f\n}")
	if _, _, ok := d.command("wc -l"); ok {
		t.Errorf("wc -l with an exported function wc runs without its shell; want the shell")
	}
	// A file of commands with no #! line: dash runs it itself.
	script := filepath.Join(t.TempDir(), "script")
	if err := os.WriteFile(script, []byte("echo from the script\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := d.command(script); ok {
		t.Errorf("a script without #! runs without its shell; want the shell")
	}
	res := run(t, Config{}, script)
	if got := string(res.Stdout.Bytes()); !res.OK() || got != "from the script\n" {
		t.Errorf("a script without #!: %+v, stdout %q; want it run by the shell", res, got)
	}
	res = run(t, Config{}, "echo -e a")
	if got := string(res.Stdout.Bytes()); got != "-e a\n" {
		t.Errorf("echo -e a printed %q; want dash's echo: %q", got, "-e a\n")
	}
}

// status reads a /proc/PID/status field from a job's output.
func status(out, field string) string {
	for l := range strings.Lines(out) {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// TestDirectJobIsTheProgram: a simple command runs as weft's own child,
// without a shell between, with or without a reaper; with one, it was
// traced only until its group was known.
func TestDirectJobIsTheProgram(t *testing.T) {
	dashDirect(t)
	for _, withReaper := range []bool{false, true} {
		var r *reaper.Reaper
		if withReaper {
			r = &reaper.Reaper{}
		}
		x := NewExecutor(Config{Tries: 1}, NewProcs(r), nil, nil)
		res := x.Run(context.Background(), 1, nil, "cat /proc/self/status")
		out := string(res.Stdout.Bytes())
		if !res.OK() || status(out, "Name") != "cat" || status(out, "PPid") != strconv.Itoa(os.Getpid()) || status(out, "TracerPid") != "0" {
			t.Errorf("reaper %v: %+v, status\n%s\nwant cat, a child of this process, not traced", withReaper, res, out)
		}
		res.Release()
		if r != nil {
			r.Close()
		}
	}
}

// TestDirectEnvironmentIsDashs: a program run without its shell sees the
// environment dash would have given it.
func TestDirectEnvironmentIsDashs(t *testing.T) {
	dashDirect(t)
	t.Setenv("PWD", "/nonexistent")                 // dash puts the real one
	t.Setenv("BASH_FUNC_f%%", "() {  echo in f\n}") // dash drops it
	t.Setenv("A-B", "not a name")                   // likewise
	sorted := func(cmdline string) []string {
		res := run(t, Config{}, cmdline)
		if !res.OK() {
			t.Fatalf("%s: %+v", cmdline, res)
		}
		l := strings.Split(strings.TrimSpace(string(res.Stdout.Bytes())), "\n")
		slices.Sort(l)
		return l
	}
	direct, shell := sorted("env"), sorted("env;")
	if !slices.Equal(direct, shell) {
		t.Errorf("environment without the shell:\n%q\nwith dash:\n%q", direct, shell)
	}
	wd, _ := os.Getwd()
	if !slices.Contains(direct, "PWD="+wd) {
		t.Errorf("environment %q has no PWD=%s", direct, wd)
	}
	for _, kv := range direct {
		if strings.HasPrefix(kv, "BASH_FUNC_") || strings.HasPrefix(kv, "A-B=") {
			t.Errorf("environment without the shell has %q; dash drops it", kv)
		}
	}
}

// TestDirectSignalAsDashReportsIt: a program killed by a signal (here
// this test binary, which kills itself with SIGTERM) gives the status and
// the message dash gives.
func TestDirectSignalAsDashReportsIt(t *testing.T) {
	d := dashDirect(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if _, _, ok := d.command(exe); !ok {
		t.Skipf("the test binary's path %s is not a simple command", exe)
	}
	t.Setenv(helperEnv, "die")
	direct := run(t, Config{}, exe)
	shell := run(t, Config{}, "'"+exe+"'") // quoted: through dash
	if direct.Exit != 128+int(syscall.SIGTERM) || direct.Signal != 0 {
		t.Errorf("without the shell: exit %d, signal %d; want exit 143 as dash says", direct.Exit, direct.Signal)
	}
	if direct.Exit != shell.Exit || direct.Signal != shell.Signal {
		t.Errorf("exit %d signal %d without the shell; %d %d with it", direct.Exit, direct.Signal, shell.Exit, shell.Signal)
	}
	if d, s := string(direct.Stderr.Bytes()), string(shell.Stderr.Bytes()); d != s || d != "dying\nTerminated\n" {
		t.Errorf("stderr %q without the shell, %q with it; want %q", d, s, "dying\nTerminated\n")
	}
}

func TestDashStatus(t *testing.T) {
	for _, c := range []struct {
		ws   syscall.WaitStatus
		exit int
		msg  string
	}{
		{3 << 8, 3, ""},
		{syscall.WaitStatus(syscall.SIGSEGV), 139, "Segmentation fault\n"},
		{syscall.WaitStatus(syscall.SIGABRT) | 0x80, 134, "Aborted (core dumped)\n"},
		{syscall.WaitStatus(syscall.SIGPIPE), 141, ""},
		{syscall.WaitStatus(syscall.SIGINT), 130, ""},
		{syscall.WaitStatus(40), 168, "Real-time signal 6\n"},
	} {
		if exit, msg := dashStatus(c.ws); exit != c.exit || msg != c.msg {
			t.Errorf("dashStatus(%#x) = %d, %q; want %d, %q", int(c.ws), exit, msg, c.exit, c.msg)
		}
	}
}

// TestDirectJobStoppedAsTheShellWouldBe: a program run without its shell
// and stopped by weft (its context ends) is recorded as dash would have
// been: killed by SIGTERM.
func TestDirectJobStoppedAsTheShellWouldBe(t *testing.T) {
	d := dashDirect(t)
	if _, _, ok := d.command("sleep 30"); !ok {
		t.Skip("sleep is not a program in $PATH here")
	}
	procs := NewProcs(nil)
	x := NewExecutor(Config{Tries: 1, Grace: time.Second}, procs, nil, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan *Result)
	go func() { done <- x.Run(ctx, 1, nil, "sleep 30") }()
	for {
		procs.mu.Lock()
		n := len(procs.pids)
		procs.mu.Unlock()
		if n > 0 {
			break
		}
		time.Sleep(5 * time.Millisecond) // an outside process is being watched
	}
	cancel()
	res := <-done
	defer res.Release()
	if res.Exit != -1 || res.Signal != int(syscall.SIGTERM) || res.Stderr.Len() != 0 {
		t.Errorf("stopped: exit %d, signal %d, stderr %q; want -1, SIGTERM and nothing", res.Exit, res.Signal, res.Stderr.Bytes())
	}
}
