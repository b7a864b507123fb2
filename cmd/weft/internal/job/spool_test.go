package job

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/weft-dev/weft/cmd/weft/internal/reaper"
)

// A grouped job's output goes to files of its own: more than a pipe holds
// is taken whole, on stdout and stderr apart, and past SpillAt the file
// itself is the output, with no name left in the temporary directory.
func TestSpooledOutputOfAnySize(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		name   string
		n      int  // bytes of "x" on stdout
		inFile bool // past SpillAt: kept in its file
	}{
		{"empty", 0, false},
		{"more than a pipe holds", 200_000, false},
		{"past SpillAt", SpillAt + 4096, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cmdline := "head -c " + strconv.Itoa(tt.n) + " /dev/zero | tr '\\0' x; echo err >&2"
			res := run(t, Config{TmpDir: dir}, cmdline)
			if !res.OK() {
				t.Fatalf("job: %+v", res)
			}
			got := res.Stdout.Bytes()
			if len(got) != tt.n || bytes.Count(got, []byte("x")) != tt.n || res.Stdout.Len() != int64(tt.n) {
				t.Errorf("stdout: %d bytes (Len %d); want %d of x", len(got), res.Stdout.Len(), tt.n)
			}
			if inFile := res.Stdout.file != nil; inFile != tt.inFile {
				t.Errorf("stdout in a file: %v; want %v", inFile, tt.inFile)
			}
			if got := string(res.Stderr.Bytes()); got != "err\n" {
				t.Errorf("stderr %q; want %q", got, "err\n")
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("the temporary directory holds %d entries; want none", len(entries))
			}
		})
	}
}

// Where no file without a name can be made (here, no such directory), the
// job writes to pipes, and its output is the same.
func TestSpoolFallsBackToPipes(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing")
	if _, err := newSpool(missing); err == nil {
		t.Fatalf("newSpool(%q): no error; want one", missing)
	}
	res := run(t, Config{TmpDir: missing}, "echo out; echo err >&2; exit 4")
	if res.Exit != 4 || string(res.Stdout.Bytes()) != "out\n" || string(res.Stderr.Bytes()) != "err\n" {
		t.Errorf("job: exit %d, stdout %q, stderr %q; want 4, out, err", res.Exit, res.Stdout.Bytes(), res.Stderr.Bytes())
	}
}

// A job's stdin without input is /dev/null, read to its end at once.
func TestSpooledJobReadsDevNull(t *testing.T) {
	res := run(t, Config{}, "wc -c; cat")
	if got := strings.TrimSpace(string(res.Stdout.Bytes())); !res.OK() || got != "0" {
		t.Errorf("job: %+v, stdout %q; want 0 bytes read", res, got)
	}
}

// With a reaper, a spooled job's shell reports its own group before it
// runs the command line: weft does not, so the reaper that kills the group
// (weft's death, as Close stands for) knew it from the shell.
func TestShellReportsItsGroupToTheReaper(t *testing.T) {
	for _, name := range []string{"reported by the shell", "through the gate, with a niceness"} {
		t.Run(name, func(t *testing.T) {
			r := &reaper.Reaper{}
			c := Config{Tries: 1}
			if strings.Contains(name, "gate") {
				nice := 0
				c.Nice = &nice
			}
			res := killedByTheReaper(t, c, r, "echo")
			defer res.Release()
			if res.Signal != int(syscall.SIGKILL) {
				t.Errorf("job: %+v; want it killed by the reaper (SIGKILL)", res)
			}
		})
	}
}

// bashFunctions exports, for bash, functions named as the builtins of the
// job's prefix, each printing its name before it does the builtin's work:
// the prefix must run the builtins, and only the command line may call the
// functions.
func bashFunctions(t *testing.T) {
	t.Helper()
	if _, err := os.Stat("/bin/bash"); err != nil {
		t.Skip("bash is not installed")
	}
	for _, name := range []string{"echo", "read", "trap", "exec", "exit"} {
		t.Setenv("BASH_FUNC_"+name+"%%", `() { builtin printf 'function `+name+`\n'; builtin `+name+` "$@"; }`)
	}
}

// TestExportedFunctionsLeaveThePrefixAlone: with bash as the shell and
// functions named echo, read, trap, exec and exit in the environment, the
// job's output is its command line's, with the report to the reaper and
// with the gate (a niceness), and the command line still calls them.
func TestExportedFunctionsLeaveThePrefixAlone(t *testing.T) {
	bashFunctions(t)
	for _, name := range []string{"reported by the shell", "through the gate, with a niceness"} {
		t.Run(name, func(t *testing.T) {
			r := &reaper.Reaper{}
			defer r.Close()
			c := Config{Tries: 1, Shell: "/bin/bash"}
			if strings.Contains(name, "gate") {
				nice := 0
				c.Nice = &nice
			}
			x := NewExecutor(c, NewProcs(r), nil, nil)
			res := x.Run(context.Background(), 1, nil, "printf '%s\\n' ok; echo called")
			defer res.Release()
			want := "ok\nfunction echo\ncalled\n"
			if got := string(res.Stdout.Bytes()); got != want || !res.OK() {
				t.Errorf("output %q, stderr %q, exit %d; want %q", got, res.Stderr.Bytes(), res.Exit, want)
			}
		})
	}
}

// TestExportedEchoDoesNotHideTheGroup: a function named echo exported to
// bash does not keep the job's shell from reporting its group: the reaper
// closing kills the job.
func TestExportedEchoDoesNotHideTheGroup(t *testing.T) {
	bashFunctions(t)
	res := killedByTheReaper(t, Config{Tries: 1, Shell: "/bin/bash"}, &reaper.Reaper{}, "builtin echo")
	defer res.Release()
	if res.Signal != int(syscall.SIGKILL) {
		t.Errorf("job: exit %d, signal %d, stdout %q; want it killed by the reaper (SIGKILL)", res.Exit, res.Signal, res.Stdout.Bytes())
	}
}

// killedByTheReaper runs a job that writes its shell's pid to a file with
// echo (the command given) and then sleeps, waits until the file is
// written, closes r as weft's death would, and returns the job's result.
func killedByTheReaper(t *testing.T, c Config, r *reaper.Reaper, echo string) *Result {
	t.Helper()
	x := NewExecutor(c, NewProcs(r), nil, nil)
	started := filepath.Join(t.TempDir(), "started")
	done := make(chan *Result, 1)
	go func() {
		done <- x.Run(context.Background(), 1, nil, echo+" $$ > "+started+"; exec sleep 30")
	}()
	deadline := time.Now().Add(30 * time.Second) // a bound for a failing test, not a timing
	for {
		if data, err := os.ReadFile(started); err == nil && bytes.HasSuffix(data, []byte("\n")) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the job did not start")
		}
		time.Sleep(10 * time.Millisecond)
	}
	r.Close() // as weft's death: the reaper kills the groups it knows
	return <-done
}

// A job waited for keeps its processor only for its first milliseconds
// (awaitHeld): one that runs longer is waited for in Go's poller, where a
// goroutine waits without a processor ("IO wait" in a goroutine dump).
// The job here, and the one run without its shell, read a line from a pipe
// that weft does not write, so they run until the test closes it; then
// they exit 0.
func TestLongJobIsWaitedForInThePoller(t *testing.T) {
	for _, cmdline := range []string{"read line; exit 0", "cat"} {
		t.Run(cmdline, func(t *testing.T) {
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			x := NewExecutor(Config{Tries: 1}, NewProcs(nil), nil, nil)
			done := make(chan *Result, 1)
			go func() {
				done <- x.RunSlot(context.Background(), 1, 1, nil, cmdline, func() (*os.File, func(), error) { return r, nil, nil })
			}()
			state := ""
			for i := 0; i < 10_000 && state != "IO wait"; i++ {
				runtime.Gosched()
				state = waiterState()
			}
			if state != "IO wait" {
				t.Errorf("the wait for a job still running is %q; want it in the poller (IO wait)", state)
			}
			w.Close()
			res := <-done
			defer res.Release()
			if !res.OK() {
				t.Errorf("the job, its input closed: exit %d, signal %d; want 0", res.Exit, res.Signal)
			}
		})
	}
}

// While weft writes a job's input, the wait for the job's exit parks in
// Go's poller, leaving its processor to the writer; once the writing has
// ended, the wait is woken there and keeps its processor, as it does for a
// job whose input weft does not write (awaitExit).
func TestWaitHeldOnceTheInputIsWritten(t *testing.T) {
	defer func(n int) { heldPolls = n }(heldPolls)
	heldPolls = 1 << 20 // the held wait outlasts the test's looks at it
	for _, shell := range []bool{false, true} {
		t.Run(map[bool]string{false: "direct", true: "shell"}[shell], func(t *testing.T) {
			// The job copies its input, then waits for the test at fifo.
			fifo := filepath.Join(t.TempDir(), "fifo")
			if err := syscall.Mkfifo(fifo, 0o600); err != nil {
				t.Fatal(err)
			}
			cmdline := "cat - " + fifo
			if shell {
				cmdline += "; exit"
			}
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			release, written := make(chan struct{}), make(chan struct{})
			in := func() (*os.File, func(), error) {
				return r, func() {
					<-release
					w.WriteString("x\n")
					w.Close()
					close(written)
				}, nil
			}
			x := NewExecutor(Config{Tries: 1}, NewProcs(nil), nil, nil)
			done := make(chan *Result, 1)
			go func() { done <- x.RunSlot(context.Background(), 1, 1, nil, cmdline, in) }()
			awaits := func(want func(string) bool) string {
				state := ""
				for i := 0; i < 10_000 && !want(state); i++ {
					runtime.Gosched()
					state = waiterState()
				}
				return state
			}
			if state := awaits(func(s string) bool { return s == "IO wait" }); state != "IO wait" {
				t.Errorf("the wait while the input is written is %q; want it in the poller (IO wait)", state)
			}
			close(release)
			<-written
			held := func(s string) bool { return s != "" && s != "IO wait" }
			if state := awaits(held); !held(state) {
				t.Errorf("the wait once the input is written is %q; want it holding its processor", state)
			}
			// The job's end: its wait at fifo is over.
			f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			f.Close()
			res := <-done
			defer res.Release()
			if got := string(res.Stdout.Bytes()); !res.OK() || got != "x\n" {
				t.Errorf("the job: exit %d, signal %d, stdout %q; want 0 and %q", res.Exit, res.Signal, got, "x\n")
			}
		})
	}
}

// waiterState is the state, as a goroutine dump gives it, of the goroutine
// waiting for a job's exit in waitExit or awaitExit ("" if none is).
func waiterState() string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	for g := range bytes.SplitSeq(buf, []byte("\n\n")) {
		if !bytes.Contains(g, []byte("job.waitExit")) && !bytes.Contains(g, []byte("job.awaitExit")) {
			continue
		}
		_, head, _ := bytes.Cut(g, []byte(" ["))
		state, _, _ := bytes.Cut(head, []byte("]"))
		state, _, _ = bytes.Cut(state, []byte(","))
		return string(state)
	}
	return ""
}
