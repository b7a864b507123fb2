package run

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/weft-dev/weft/cmd/weft/internal/cli"
	"github.com/weft-dev/weft/cmd/weft/internal/input"
	"github.com/weft-dev/weft/cmd/weft/internal/job"
	"github.com/weft-dev/weft/cmd/weft/internal/joblog"
)

// started is a run of c with its output in buffers, its printer started.
type started struct {
	*Run
	out, errb *bytes.Buffer
}

func start(t *testing.T, c *Config) started {
	t.Helper()
	var out, errb bytes.Buffer
	r, err := New(c, cli.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	r.Start(16)
	return started{r, &out, &errb}
}

// config is a run of command over the values.
func config(command string, values ...string) *Config {
	c := Defaults()
	c.Command = command
	c.Sources = []input.Source{{Values: values}}
	return c
}

// finished is what a job that printed out and exited with exit did.
func finished(j input.Job, out string, exit int) *job.Result {
	r := &job.Result{Seq: j.Seq, Args: j.Args, Cmdline: "echo " + strings.Join(j.Args, " "), Exit: exit,
		Stdout: &job.Output{}, Stderr: &job.Output{}}
	r.Stdout.Write([]byte(out))
	return r
}

// stopper records what a run tells the workers.
type stopper struct {
	mu     sync.Mutex
	stops  []bool
	gaveUp int
}

func (s *stopper) Stop(now bool) { s.mu.Lock(); s.stops = append(s.stops, now); s.mu.Unlock() }
func (s *stopper) GiveUp()       { s.mu.Lock(); s.gaveUp++; s.mu.Unlock() }

func TestJobsDoneAndStatus(t *testing.T) {
	c := config("echo {}", "a", "b", "c")
	c.Keep = true
	r := start(t, c)
	for j, err := range r.Jobs() {
		if err != nil {
			t.Fatal(err)
		}
		exit := 0
		if j.Args[0] != "a" {
			exit = 1
		}
		r.Done(finished(j, j.Args[0]+"\n", exit))
	}
	if err := r.Finish(); err != nil {
		t.Fatal(err)
	}
	if r.out.String() != "a\nb\nc\n" || r.Status() != 2 {
		t.Errorf("output %q, status %d; want a b c and 2 failed", r.out.String(), r.Status())
	}
}

func TestStatusIsAtMost101(t *testing.T) {
	r := start(t, config("false"))
	for i := range 150 {
		r.Done(finished(input.Job{Seq: int64(i + 1)}, "", 1))
	}
	r.Finish()
	if r.Status() != 101 {
		t.Errorf("150 failures: status %d; want 101", r.Status())
	}
}

// TestResumeSkipsWhatTheJoblogHas: a job the joblog records as done goes to
// the printer as skipped (not yielded); with ResumeFailed, a failed one is
// yielded again.
func TestResumeSkipsWhatTheJoblogHas(t *testing.T) {
	for _, failed := range []bool{false, true} {
		log := filepath.Join(t.TempDir(), "log")
		w, _ := joblog.Create(log, false)
		w.Write(joblog.Entry{Seq: 1, Command: "echo a"})
		w.Write(joblog.Entry{Seq: 2, Exit: 3, Command: "echo b"})
		w.Close()
		c := config("echo {}", "a", "b", "c")
		c.Joblog, c.Resume, c.ResumeFailed = log, !failed, failed
		r := start(t, c)
		var ran []string
		for j, err := range r.Jobs() {
			if err != nil {
				t.Fatal(err)
			}
			ran = append(ran, j.Args[0])
			r.Done(finished(j, "", 0))
		}
		r.Finish()
		want := "c"
		if failed {
			want = "b c"
		}
		if strings.Join(ran, " ") != want {
			t.Errorf("resume-failed %v: ran %q; want %q", failed, ran, want)
		}
		data, _ := os.ReadFile(log)
		if n := strings.Count(string(data), "\n"); n != 3+len(ran) {
			t.Errorf("joblog has %d lines; want the header, the 2 before and %d new", n, len(ran))
		}
	}
}

func TestAJoblogOfAnotherCommandIsRefused(t *testing.T) {
	log := filepath.Join(t.TempDir(), "log")
	w, _ := joblog.Create(log, false)
	w.Write(joblog.Entry{Seq: 1, Command: "rm a"})
	w.Close()
	c := config("echo {}", "a")
	c.Joblog, c.Resume = log, true
	r := start(t, c)
	var got error
	for _, err := range r.Jobs() {
		got = err
	}
	r.Finish()
	if got == nil || !strings.Contains(got.Error(), `does not match this command: job 1 ran "rm a", but would now run "echo a"`) {
		t.Errorf("got %v; want the joblog refused", got)
	}
	// {%} varies from run to run: any command line matches.
	slot := config("echo {%}", "a")
	slot.Joblog, slot.Resume = log, true
	rs := start(t, slot)
	if _, same := rs.Ran(input.Job{Seq: 1, Args: []string{"a"}}, "anything"); !same {
		t.Error("with {%}, a logged command line was refused")
	}
	rs.Finish()
}

// TestHaltNow: the failing job that reaches --halt now,fail=1 stops the run:
// its status is the job's, the context ends, no further job is yielded,
// and the workers are told.
func TestHaltNow(t *testing.T) {
	c := config("exit {}", "0", "7", "0", "0")
	c.Halt = &Halt{Now: true, Count: 1}
	r := start(t, c)
	var s stopper
	r.SetStopper(&s)
	var yielded int
	for j, err := range r.Jobs() {
		if err != nil {
			t.Fatal(err)
		}
		yielded++
		exit := 0
		if j.Args[0] == "7" {
			exit = 7
		}
		r.Done(finished(j, "out "+j.Args[0]+"\n", exit))
	}
	// A job that was running, stopped by the halt, ends after it: its
	// output is not printed.
	r.Done(finished(input.Job{Seq: 3, Args: []string{"0"}}, "stopped\n", 143))
	r.Finish()
	if got := r.out.String(); got != "out 0\nout 7\n" {
		t.Errorf("stdout %q; want the output of the jobs up to the halting one only", got)
	}
	if yielded != 2 || r.Status() != 7 || r.Context().Err() == nil {
		t.Errorf("yielded %d, status %d, context %v; want 2 jobs, status 7, the context ended", yielded, r.Status(), r.Context().Err())
	}
	if !strings.Contains(r.errb.String(), "weft: halting after job 2 (echo 7)") {
		t.Errorf("stderr %q; want the halt reported", r.errb.String())
	}
	if len(s.stops) != 1 || !s.stops[0] {
		t.Errorf("the workers were told %v; want one Stop(now)", s.stops)
	}
	// A job whose turn comes after the halt is not started.
	if res := r.RunJob(r.Executor(), input.Job{Seq: 9, Args: []string{"x"}}); !res.Skipped {
		t.Errorf("a job after the halt: %+v; want skipped", res)
	}
	// A stopper set after the halt is stopped at once.
	var late stopper
	r.SetStopper(&late)
	if len(late.stops) != 1 || !late.stops[0] {
		t.Errorf("a stopper set after the halt was told %v; want Stop(now)", late.stops)
	}
}

func TestHaltSoonOnSuccessPercent(t *testing.T) {
	c := config("true", "1", "2", "3", "4", "5")
	c.Halt = &Halt{Success: true, Percent: 40}
	r := start(t, c)
	var n int
	for j := range r.Jobs() {
		n++
		exit := 1
		if j.Seq == 2 || j.Seq == 3 {
			exit = 0
		}
		r.Done(finished(j, "", exit))
	}
	ctxErr := r.Context().Err()
	r.Finish()
	// 40% of all 5 jobs is 2 successes: jobs 2 and 3.
	if n != 3 || r.Status() != 0 || ctxErr != nil {
		t.Errorf("%d jobs, status %d, context %v; want a halt after 3 with status 0, running jobs left alone", n, r.Status(), ctxErr)
	}
}

// TestHaltStatusIsGNUParallels: the exit status of a halt on failures is
// the failing job's for fail=1, the number failed for fail=N, their
// percentage of all the jobs for fail=P%; and a percentage never reached
// still gives the percentage failed. The input on stdin is read whole
// first when a percentage needs the number of jobs.
func TestHaltStatusIsGNUParallels(t *testing.T) {
	tests := []struct {
		halt      Halt
		fail      []int64 // the jobs that fail, of 10
		stdin     bool
		ran, want int
	}{
		{Halt{Count: 1}, []int64{2, 3}, false, 2, 7},
		{Halt{Count: 2}, []int64{2, 3, 4}, false, 3, 2},
		{Halt{Percent: 20}, []int64{2, 5, 6}, false, 5, 20},
		{Halt{Percent: 20}, []int64{2, 5, 6}, true, 5, 20},
		{Halt{Percent: 50}, []int64{2, 5, 6}, false, 10, 30},
		{Halt{Done: true, Count: 4}, []int64{1, 2}, false, 4, 2},
		{Halt{Done: true, Count: 2}, nil, false, 2, 101},
		{Halt{Done: true, Percent: 30}, []int64{1}, false, 3, 10},
	}
	for _, tt := range tests {
		c := config("false", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10")
		var stdin strings.Builder
		if tt.stdin {
			c.Sources = nil
			for i := 1; i <= 10; i++ {
				fmt.Fprintln(&stdin, i)
			}
		}
		c.Halt = &tt.halt
		var out, errb bytes.Buffer
		r, err := New(c, cli.Env{Stdin: strings.NewReader(stdin.String()), Stdout: &out, Stderr: &errb})
		if err != nil {
			t.Fatal(err)
		}
		r.Start(16)
		ran := 0
		for j := range r.Jobs() {
			ran++
			exit := 0
			if slices.Contains(tt.fail, j.Seq) {
				exit = 7
			}
			r.Done(finished(j, "", exit))
		}
		r.Finish()
		r.Close()
		if ran != tt.ran || r.Status() != tt.want {
			t.Errorf("%+v, failing %v: ran %d, status %d; want %d and %d", tt.halt, tt.fail, ran, r.Status(), tt.ran, tt.want)
		}
	}
}

func TestDryRunPrintsTheCommands(t *testing.T) {
	c := config("rm {}", "a b", "c")
	var out bytes.Buffer
	r, err := New(c, cli.Env{Stdout: &out, Stderr: &out})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if status := r.DryRun(); status != 0 || out.String() != "rm 'a b'\nrm c\n" {
		t.Errorf("status %d, %q", status, out.String())
	}
}

func TestNewRefusesAnUnreadableInputBeforeAnyJob(t *testing.T) {
	c := config("echo")
	c.Sources = []input.Source{{File: "/no/such/file", IsFile: true}}
	if _, err := New(c, cli.Env{}); err == nil || !strings.Contains(err.Error(), "cannot read input file") {
		t.Errorf("got %v; want the file refused", err)
	}
	c = config("echo", "a")
	c.Joblog = filepath.Join(t.TempDir(), "no", "dir", "log")
	if _, err := New(c, cli.Env{}); err == nil || !strings.Contains(err.Error(), "cannot write joblog") {
		t.Errorf("got %v; want the joblog refused", err)
	}
}

// TestLimiterSpacesStarts: --delay spaces job starts by the delay, and
// --rate by its interval, in fake time.
func TestLimiterSpacesStarts(t *testing.T) {
	for _, tt := range []struct {
		rate  float64
		delay time.Duration
		gap   time.Duration
	}{{0, 200 * time.Millisecond, 200 * time.Millisecond}, {5, 0, 200 * time.Millisecond}, {10, time.Second, time.Second}} {
		synctest.Test(t, func(t *testing.T) {
			c := config("true")
			c.Rate, c.Delay = tt.rate, tt.delay
			r := &Run{c: c}
			lim, err := r.Limiter()
			if err != nil || lim == nil {
				t.Fatalf("Limiter: %v, %v", lim, err)
			}
			start := time.Now()
			for range 3 {
				if err := lim.Wait(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			if got := time.Since(start); got != 2*tt.gap {
				t.Errorf("rate %v, delay %v: 3 starts took %v; want %v", tt.rate, tt.delay, got, 2*tt.gap)
			}
		})
	}
	if lim, err := (&Run{c: config("true")}).Limiter(); lim != nil || err != nil {
		t.Errorf("no --rate or --delay: %v, %v; want no limiter", lim, err)
	}
}

// TestSIGTERM sends this process SIGTERM while a run handles it: the run
// stops, with status 143, and tells the workers to stop their jobs now.
func TestSIGTERM(t *testing.T) {
	r := start(t, config("true"))
	var s stopper
	r.SetStopper(&s)
	stop := r.HandleSignals()
	defer stop()
	syscall.Kill(os.Getpid(), syscall.SIGTERM)
	<-r.Context().Done()
	stop() // the signal is handled whole
	if r.Status() != 143 || !r.stopping.Load() {
		t.Errorf("after SIGTERM: status %d, stopping %v; want 143 and stopping", r.Status(), r.stopping.Load())
	}
	s.mu.Lock()
	if len(s.stops) != 1 || !s.stops[0] {
		t.Errorf("the workers were told %v; want Stop(now) once", s.stops)
	}
	s.mu.Unlock()
	r.Finish()
}

// TestSecondSIGINT: the first SIGINT stops the run (status 130); the second
// kills every job at once, grace period or not, and stops waiting for the
// workers.
func TestSecondSIGINT(t *testing.T) {
	c := config("true")
	c.Grace = time.Hour
	r := start(t, c)
	var s stopper
	r.SetStopper(&s)
	stop := r.HandleSignals()
	defer stop()
	syscall.Kill(os.Getpid(), syscall.SIGINT)
	<-r.Context().Done() // the first is handled: the second is a signal of its own
	if r.Status() != 130 {
		t.Errorf("after SIGINT: status %d; want 130", r.Status())
	}
	// A job that ignores the run's end (its context is another) is killed
	// by the second SIGINT, whether it runs by then or starts after.
	x := r.Executor()
	killed := make(chan int)
	go func() {
		res := x.Run(context.Background(), 1, nil, "sleep 30")
		res.Release()
		killed <- res.Signal
	}()
	syscall.Kill(os.Getpid(), syscall.SIGINT)
	if sig := <-killed; sig != int(syscall.SIGKILL) {
		t.Errorf("the job ended by signal %d; want SIGKILL", sig)
	}
	stop() // the second SIGINT is handled whole
	if r.Status() != 130 {
		t.Errorf("status %d; want the first signal's, 130", r.Status())
	}
	s.mu.Lock()
	if len(s.stops) != 1 || !s.stops[0] || s.gaveUp == 0 {
		t.Errorf("the workers were told %v and given up on %d times; want Stop(now) once and a give-up", s.stops, s.gaveUp)
	}
	s.mu.Unlock()
	r.Finish()
}
