package job

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/weft-dev/weft/cmd/weft/internal/reaper"
)

func TestMain(m *testing.M) {
	// The reaper is this executable run again (see TestReaperGate).
	if len(os.Args) == 2 && os.Args[1] == reaper.Arg {
		os.Exit(reaper.Main(os.Stdin))
	}
	if os.Getenv(helperEnv) == "die" { // a job for TestDirectSignalAsDashReportsIt
		os.Stderr.WriteString("dying\n")
		syscall.Kill(os.Getpid(), syscall.SIGTERM)
		select {}
	}
	goleak.VerifyTestMain(m)
}

func run(t *testing.T, c Config, cmdline string) *Result {
	t.Helper()
	if c.Tries == 0 {
		c.Tries = 1
	}
	x := NewExecutor(c, NewProcs(nil), nil, nil)
	res := x.Run(context.Background(), 1, []string{"a"}, cmdline)
	t.Cleanup(res.Release)
	return res
}

func TestRunRecordsStatusAndOutput(t *testing.T) {
	res := run(t, Config{}, "echo out; echo err >&2; exit 3")
	if res.Exit != 3 || res.Signal != 0 || res.OK() {
		t.Errorf("exit %d, signal %d, ok %v; want exit 3, not ok", res.Exit, res.Signal, res.OK())
	}
	if got := string(res.Stdout.Bytes()); got != "out\n" {
		t.Errorf("stdout %q; want %q", got, "out\n")
	}
	if got := string(res.Stderr.Bytes()); got != "err\n" {
		t.Errorf("stderr %q; want %q", got, "err\n")
	}
	if res.Seq != 1 || res.Cmdline != "echo out; echo err >&2; exit 3" || res.Start.IsZero() {
		t.Errorf("result %+v; want seq 1, the command line and a start time", res)
	}
	if ok := run(t, Config{}, "true"); !ok.OK() {
		t.Errorf("true: %+v; want OK", ok)
	}
}

func TestRunRecordsTheSignal(t *testing.T) {
	res := run(t, Config{}, "kill -USR1 $$")
	if res.Exit != -1 || res.Signal != int(syscall.SIGUSR1) {
		t.Errorf("exit %d, signal %d; want -1 and SIGUSR1", res.Exit, res.Signal)
	}
}

// TestTimeoutTermsThenKills: a job past its timeout gets SIGTERM; one that
// ignores it gets SIGKILL after the grace period.
func TestTimeoutTermsThenKills(t *testing.T) {
	c := Config{Timeout: 50 * time.Millisecond, Grace: 100 * time.Millisecond}
	if res := run(t, c, "sleep 30"); res.Signal != int(syscall.SIGTERM) {
		t.Errorf("sleep past the timeout: exit %d, signal %d; want SIGTERM", res.Exit, res.Signal)
	}
	if res := run(t, c, "trap '' TERM; sleep 30"); res.Signal != int(syscall.SIGKILL) {
		t.Errorf("TERM ignored: exit %d, signal %d; want SIGKILL", res.Exit, res.Signal)
	}
}

// TestTimeoutPercentFollowsTheMedian: with --timeout P%, a job runs
// without limit until one has succeeded, then is stopped past P% of the
// median run time of those that did; a failed job does not count.
func TestTimeoutPercentFollowsTheMedian(t *testing.T) {
	x := NewExecutor(Config{TimeoutPercent: 2, Grace: time.Second, Tries: 1}, NewProcs(nil), nil, nil)
	runs := func(cmdline string) *Result {
		res := x.Run(context.Background(), 1, nil, cmdline)
		t.Cleanup(res.Release)
		return res
	}
	if res := runs("sleep 1.5; exit 1"); res.Signal != 0 || res.Exit != 1 {
		t.Fatalf("a job before any success: exit %d, signal %d; want it to run to its end", res.Exit, res.Signal)
	}
	if res := runs("true"); !res.OK() {
		t.Fatalf("true: %+v", res)
	}
	if res := runs("sleep 30"); res.Signal != int(syscall.SIGTERM) || res.Elapsed > 10*time.Second {
		t.Errorf("a job far past 200%% of the median: exit %d, signal %d after %v; want SIGTERM within the recheck", res.Exit, res.Signal, res.Elapsed)
	}
}

// gone reports whether pid has exited (a zombie counts as exited).
func gone(pid int) bool {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	f := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+1:]))
	return len(f) > 0 && f[0] == "Z"
}

// waitGone polls an outside process until it has exited: not a timing, a
// bound for a failing test.
func waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !gone(pid) {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("process %d outlived its job", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestAJobLeavesNoOrphan: what a job's shell leaves running in its group
// is killed when the shell exits.
func TestAJobLeavesNoOrphan(t *testing.T) {
	res := run(t, Config{}, "sleep 30 & echo $!")
	pid, err := strconv.Atoi(strings.TrimSpace(string(res.Stdout.Bytes())))
	if err != nil || !res.OK() {
		t.Fatalf("job: %+v, stdout %q", res, res.Stdout.Bytes())
	}
	waitGone(t, pid)
}

func TestContextStopsTheJob(t *testing.T) {
	dir := t.TempDir()
	started := filepath.Join(dir, "started")
	ctx, cancel := context.WithCancel(context.Background())
	x := NewExecutor(Config{Tries: 3, Grace: time.Second}, NewProcs(nil), nil, nil)
	done := make(chan *Result)
	go func() { done <- x.Run(ctx, 1, nil, "touch "+started+"; sleep 30") }()
	for _, err := os.Stat(started); err != nil; _, err = os.Stat(started) {
		time.Sleep(5 * time.Millisecond) // an outside process is being watched
	}
	cancel()
	res := <-done
	defer res.Release()
	if res.Signal != int(syscall.SIGTERM) {
		t.Errorf("cancelled: exit %d, signal %d; want SIGTERM, and no retry", res.Exit, res.Signal)
	}
	// A job whose context ended before its turn does not start.
	late := x.Run(ctx, 2, nil, "touch "+filepath.Join(dir, "late"))
	defer late.Release()
	if _, err := os.Stat(filepath.Join(dir, "late")); err == nil || late.Signal != int(syscall.SIGTERM) || late.Exit != -1 {
		t.Errorf("after the end: %+v; want recorded as stopped by SIGTERM, not run", late)
	}
}

func TestRetries(t *testing.T) {
	// Fails until it has been tried 3 times; counts its tries in a file.
	cmd := func(dir string) string {
		c := filepath.Join(dir, "c")
		return "n=$(cat " + c + " 2>/dev/null || echo 0); echo $((n+1)) > " + c + "; [ $n -ge 2 ]"
	}
	for _, tt := range []struct {
		tries int
		ok    bool
		ran   string
	}{{3, true, "3"}, {2, false, "2"}, {5, true, "3"}} {
		dir := t.TempDir()
		res := run(t, Config{Tries: tt.tries, RetryDelay: time.Millisecond}, cmd(dir))
		data, _ := os.ReadFile(filepath.Join(dir, "c"))
		if res.OK() != tt.ok || strings.TrimSpace(string(data)) != tt.ran {
			t.Errorf("Tries %d: ok %v after %s tries; want %v after %s", tt.tries, res.OK(), data, tt.ok, tt.ran)
		}
	}
}

func TestKillAllKillsLaterJobsAtOnce(t *testing.T) {
	procs := NewProcs(nil)
	procs.KillAll()
	x := NewExecutor(Config{Tries: 1, Grace: time.Hour}, procs, nil, nil)
	res := x.Run(context.Background(), 1, nil, "sleep 30")
	defer res.Release()
	if res.Signal != int(syscall.SIGKILL) {
		t.Errorf("after KillAll: exit %d, signal %d; want SIGKILL", res.Exit, res.Signal)
	}
}

func TestLineBufferPassesWholeTaggedLines(t *testing.T) {
	var out, errb bytes.Buffer
	x := NewExecutor(Config{Tries: 1, LineBuffer: true, Tag: true}, NewProcs(nil), &out, &errb)
	res := x.Run(context.Background(), 1, []string{"a", "b"}, "printf 'one\\ntw'; printf 'o\\nthree'; echo e >&2")
	defer res.Release()
	if want := "a b\tone\na b\ttwo\na b\tthree"; out.String() != want {
		t.Errorf("stdout %q; want %q", out.String(), want)
	}
	if want := "a b\te\n"; errb.String() != want {
		t.Errorf("stderr %q; want %q", errb.String(), want)
	}
	if res.Stdout.Len() != int64(len("one\ntwo\nthree")) || len(res.Stdout.Bytes()) != 0 {
		t.Errorf("collected %q, counted %d bytes; want nothing collected and 13 counted", res.Stdout.Bytes(), res.Stdout.Len())
	}
}

func TestUngroupWritesToTheFileItself(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	x := NewExecutor(Config{Tries: 1, Ungroup: true}, NewProcs(nil), f, f)
	res := x.Run(context.Background(), 1, nil, "echo direct")
	defer res.Release()
	data, _ := os.ReadFile(f.Name())
	if string(data) != "direct\n" {
		t.Errorf("file holds %q; want the job's output", data)
	}
}

// TestReaperGate runs jobs with a reaper (this test binary, run again):
// each shell waits until the reaper knows its group, then runs.
func TestReaperGate(t *testing.T) {
	r := &reaper.Reaper{}
	defer r.Close()
	x := NewExecutor(Config{Tries: 1}, NewProcs(r), nil, nil)
	for i := range 3 {
		res := x.Run(context.Background(), int64(i+1), nil, "echo through the gate")
		if !res.OK() || string(res.Stdout.Bytes()) != "through the gate\n" {
			t.Errorf("job %d with a reaper: %+v, stdout %q", i+1, res, res.Stdout.Bytes())
		}
		res.Release()
	}
}

func TestSlots(t *testing.T) {
	var s Slots
	a, b, c := s.Get(), s.Get(), s.Get()
	if a != 1 || b != 2 || c != 3 {
		t.Fatalf("got %d %d %d; want 1 2 3", a, b, c)
	}
	s.Put(2)
	if got := s.Get(); got != 2 {
		t.Errorf("after Put(2): got %d; want 2 again", got)
	}
	if got := s.Get(); got != 4 {
		t.Errorf("none free: got %d; want 4", got)
	}
}

func TestRunStdinFeedsEachTry(t *testing.T) {
	x := NewExecutor(Config{Tries: 3, Grace: time.Second}, NewProcs(nil), nil, nil)
	tries := 0
	in := func() (*os.File, func(), error) {
		tries++
		r, w, err := os.Pipe()
		if err != nil {
			return nil, nil, err
		}
		return r, func() {
			w.WriteString("try " + strconv.Itoa(tries) + "\n")
			w.Close()
		}, nil
	}
	res := x.RunStdin(context.Background(), 1, nil, `read l; echo "$l"; [ "$l" = "try 2" ]`, in)
	defer res.Release()
	if !res.OK() || tries != 2 {
		t.Fatalf("exit %d after %d tries; want 0 after 2", res.Exit, tries)
	}
	if got := string(res.Stdout.Bytes()); got != "try 2\n" {
		t.Errorf("stdout %q; want the second try's input", got)
	}
}

func TestRunStdinWriterEndsWhenTheJobDoesNotRead(t *testing.T) {
	x := NewExecutor(Config{Tries: 1, Grace: time.Second}, NewProcs(nil), nil, nil)
	var werr error
	in := func() (*os.File, func(), error) {
		r, w, err := os.Pipe()
		if err != nil {
			return nil, nil, err
		}
		return r, func() {
			defer w.Close()
			big := bytes.Repeat([]byte("x"), 1<<20)
			for werr == nil {
				_, werr = w.Write(big)
			}
		}, nil
	}
	res := x.RunStdin(context.Background(), 1, nil, "exit 0", in)
	defer res.Release()
	if !res.OK() || !errors.Is(werr, syscall.EPIPE) {
		t.Fatalf("exit %d, write error %v; want 0 and EPIPE", res.Exit, werr)
	}
}

// TestJobEnvironment: a job finds $PARALLEL_SEQ, $PARALLEL_PID and, when it
// has a slot, $PARALLEL_JOBSLOT, through its shell and without it (Ungroup
// keeps its output on pipes, the other way a job starts), whatever values
// of these names weft was given.
func TestJobEnvironment(t *testing.T) {
	t.Setenv("PARALLEL_SEQ", "77")
	t.Setenv("PARALLEL_JOBSLOT", "9")
	pid := strconv.Itoa(os.Getpid())
	for _, tc := range []struct {
		name    string
		c       Config
		slot    int
		cmdline string
		want    string
	}{
		{"shell, slot", Config{Tries: 1, Shell: "/bin/sh"}, 3, `echo "$PARALLEL_SEQ $PARALLEL_JOBSLOT $PARALLEL_PID"`, "5 3 " + pid + "\n"},
		{"shell, no slot", Config{Tries: 1, Shell: "/bin/sh"}, 0, `echo "$PARALLEL_SEQ ${PARALLEL_JOBSLOT-none}"`, "5 none\n"},
		{"without a shell", Config{Tries: 1, Shell: "/bin/sh"}, 3, "printenv PARALLEL_SEQ PARALLEL_JOBSLOT PARALLEL_PID", "5\n3\n" + pid + "\n"},
		{"line by line", Config{Tries: 1, Shell: "/bin/sh", LineBuffer: true}, 3, `echo "$PARALLEL_SEQ $PARALLEL_JOBSLOT"`, "5 3\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			x := NewExecutor(tc.c, NewProcs(nil), &out, io.Discard)
			res := x.RunSlot(context.Background(), 5, tc.slot, nil, tc.cmdline, nil)
			defer res.Release()
			got := out.String()
			if res.Stdout != nil {
				got += string(res.Stdout.Bytes())
			}
			if got != tc.want || !res.OK() {
				t.Errorf("output %q, exit %d; want %q", got, res.Exit, tc.want)
			}
		})
	}
}

// TestJobEndsWithWhatItLeftRunning: a job's shell that exits leaving a
// process running: the process is killed, and dead (not only sent
// SIGKILL) by the time Run returns.
func TestJobEndsWithWhatItLeftRunning(t *testing.T) {
	for i := range 20 {
		res := run(t, Config{Shell: "/bin/sh"}, "sleep 30 & echo $!")
		pid, err := strconv.Atoi(strings.TrimSpace(string(res.Stdout.Bytes())))
		if err != nil {
			t.Fatalf("the job printed %q; want the background process's pid", res.Stdout.Bytes())
		}
		// Gone, or a zombie its new parent has yet to reap.
		if b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat"); err == nil && !bytes.Contains(b, []byte(") Z ")) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("try %d: the job's background process %d still runs after Run returned: %s", i, pid, b)
		}
	}
}
