// Package worker is weft worker: it runs the jobs that submitters publish
// to a stream (weft --nats), -j at once, each as a local job is run (its
// process group, timeout, retries), and reports what each did, output
// included, before it acknowledges the job; a job of a halted run is handed
// back unrun.
//
//	status := worker.Run(worker.Defaults(), env) // until SIGTERM or SIGINT
package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"sync"
	"syscall"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/weft-dev/weft/cmd/weft/internal/cli"
	"github.com/weft-dev/weft/cmd/weft/internal/cmdline"
	"github.com/weft-dev/weft/cmd/weft/internal/job"
	"github.com/weft-dev/weft/cmd/weft/internal/reaper"
	"github.com/weft-dev/weft/cmd/weft/internal/remote"
	"github.com/weft-dev/weft/fleet"
)

// Config is what a worker was asked to do.
type Config struct {
	NATS       string        // the server or cluster to take jobs from
	Stream     string        // the stream they come through
	Jobs       int           // at once
	Name       string        // in the submitter's joblog, its Host column
	AckWait    time.Duration // before the job of a worker that vanished goes to another
	MaxDeliver int           // times a job is handed out before it is recorded as failed
}

// Defaults is a worker's configuration before any option.
func Defaults() *Config {
	return &Config{NATS: remote.DefaultNATS, Stream: remote.DefaultStream, Jobs: runtime.NumCPU(), Name: hostName(), AckWait: 30 * time.Second, MaxDeliver: 5}
}

// hostName is the default name of a worker, for the joblog's Host column.
func hostName() string {
	h, err := os.Hostname()
	if err != nil {
		return "worker"
	}
	return h
}

// Command is weft worker, with its options.
func Command() *cli.Command {
	return &cli.Command{
		Name:    "worker",
		Summary: "run the jobs submitted through NATS JetStream, N at once",
		Doc:     "weft worker runs the jobs that weft --nats submits to a stream, N at once, and reports what each did, output included, to the submitter.",
		Example: "weft worker --nats nats://queue.example:4222 -j 8",
		Notes:   []cli.Note{{Title: "Signals", Text: "SIGTERM: take no new job, hand back at once the jobs held but not started, finish the running ones, exit 0. SIGINT, or a second signal: stop the running jobs too (SIGTERM to each process group, SIGKILL after their grace period), hand them back, exit 130 or 143."}},
		Bind: func() cli.Bound {
			c := Defaults()
			return cli.Bound{
				Sections: []cli.Section{{Title: "Options", Options: []cli.Option{
					{Names: []string{"--nats"}, Arg: cli.Required, Value: "URL", Help: "the NATS server or cluster to take jobs from (default " + remote.DefaultNATS + ")",
						Example: "weft worker --nats nats://queue.example:4222", Set: cli.String(&c.NATS)},
					{Names: []string{"-j", "--jobs"}, Arg: cli.Required, Value: "N", Help: "run N jobs at once (default: the number of CPUs)",
						Example: "weft worker -j 8", Set: cli.Int(&c.Jobs, 1)},
					{Names: []string{"--stream"}, Arg: cli.Required, Value: "S", Help: "the stream the jobs come through (default weft)",
						Example: "weft worker --stream builds", Set: remote.SetName(&c.Stream)},
					{Names: []string{"--name"}, Arg: cli.Required, Value: "NAME", Help: "this worker's name in the submitter's joblog, its Host column (default: the host name)",
						Example: "weft worker --name build-3", Set: cli.String(&c.Name)},
					{Names: []string{"--ack-wait"}, Arg: cli.Required, Value: "D",
						Help:    "how long the job of a worker that vanished waits before another worker takes it (default 30s, at least 1s); a long job sends heartbeats meanwhile",
						Example: "weft worker --ack-wait 2m", Set: setAckWait(&c.AckWait)},
					{Names: []string{"--max-deliver"}, Arg: cli.Required, Value: "N", Help: "hand a job out at most N times (default 5); then it is recorded as failed",
						Example: "weft worker --max-deliver 3", Set: cli.Int(&c.MaxDeliver, 1)},
				}}},
				Run: func(operands []string, env cli.Env) int {
					if err := cli.NoOperands("weft worker", operands); err != nil {
						return cli.Fail(env, err)
					}
					return Run(c, env)
				},
			}
		},
	}
}

// setAckWait returns a Set that stores an ack wait of at least a second.
func setAckWait(dst *time.Duration) func(string, string) error {
	return func(flag, v string) error {
		var d time.Duration
		if err := cli.Duration(&d)(flag, v); err != nil {
			return err
		}
		if d < time.Second {
			return fmt.Errorf("bad value for %s: %v (want >= 1s)", flag, d)
		}
		*dst = d
		return nil
	}
}

// Run is weft worker: it runs the jobs of any run submitted to the stream,
// and reports what each did. On SIGTERM it takes no more jobs, hands back
// those it holds but has not started, finishes the running ones and exits
// 0; on SIGINT, or a second signal, it also stops the running jobs (SIGTERM
// to each process group, SIGKILL after their grace period) and hands them
// back, and exits 130 or 143.
func Run(o *Config, env cli.Env) int {
	stderr := env.Stderr
	c, err := remote.Open(o.NATS, o.Stream)
	if err != nil {
		fmt.Fprintf(stderr, "weft: %v\n", err)
		return 255
	}
	defer c.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	runs, err := watchRuns(ctx, c.Runs)
	if err != nil {
		fmt.Fprintf(stderr, "weft: %v\n", err)
		return 255
	}
	defer runs.wait()
	var rp *reaper.Reaper
	if env.Main {
		rp = &reaper.Reaper{} // not in a test binary: the reaper is this executable
	}
	wk := &worker{
		c: c, o: o, runs: runs, procs: job.NewProcs(rp),
		running: make(chan struct{}, o.Jobs), draining: make(chan struct{}),
	}
	// Twice as many handlers as jobs at once: while one handler reports a
	// finished job, another already runs the next (see worker.running).
	w, err := fleet.NewWorker(ctx, c.JS, o.Stream, 2*o.Jobs, wk.handle, fleet.WorkerConfig{
		AckWait:    o.AckWait,
		MaxDeliver: o.MaxDeliver,
		// Jobs are processes: pulling a few ahead hides the round trip,
		// pulling many would let them wait past the ack wait.
		PullAhead: 4 * o.Jobs,
		OnFailed:  wk.failed,
	})
	if err != nil {
		fmt.Fprintf(stderr, "weft: %v\n", err)
		return 255
	}
	var status int
	if env.Main {
		ch := make(chan os.Signal, 2)
		signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM)
		defer signal.Stop(ch)
		var watcher sync.WaitGroup
		defer watcher.Wait()
		done := make(chan struct{})
		defer close(done)
		watcher.Go(func() {
			for n := 0; ; n++ {
				select {
				case s := <-ch:
					if s == syscall.SIGTERM && n == 0 {
						fmt.Fprintln(stderr, "weft: worker: finishing the running jobs")
						close(wk.draining)
						w.Drain()
						continue
					}
					status = 130
					if s == syscall.SIGTERM {
						status = 143
					}
					fmt.Fprintln(stderr, "weft: worker: stopping the running jobs")
					cancel()
					return
				case <-done:
					return
				}
			}
		})
	}
	fmt.Fprintf(stderr, "weft: worker %s: running up to %d jobs from stream %s at %s\n", o.Name, o.Jobs, o.Stream, o.NATS)
	err = w.Run(ctx)
	cancel()
	runs.wait()
	if err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(stderr, "weft: %v\n", err)
		return 1
	}
	return status // read after Run: the signal goroutine wrote it before cancel
}

// worker runs the jobs of weft worker.
type worker struct {
	c     *remote.Conn
	o     *Config
	runs  *runStates
	procs *job.Procs
	slots job.Slots
	// running holds a token per running job: at most -j jobs run at once,
	// while the handlers, twice as many, also report.
	running chan struct{}
	// draining is closed on SIGTERM: a job waiting for a token goes back.
	draining chan struct{}
}

// handle runs one job and publishes its result. A job whose run is halted
// is handed back unrun (reported as skipped). When the worker itself stops,
// handle returns the error, and the job goes back to the stream for another
// worker.
func (wk *worker) handle(ctx context.Context, fj fleet.Job[remote.Job]) error {
	rj := fj.Payload
	if rj.Run == "" || rj.Tries < 1 {
		return fmt.Errorf("job %s is not a weft job", fj.ID)
	}
	state, runCtx := wk.runs.get(rj.Run)
	if state == remote.StateSoon || state == remote.StateNow {
		return wk.publish(&remote.Result{Run: rj.Run, Seq: rj.Seq, K: rj.K, Skipped: true, Host: wk.o.Name}, nil)
	}
	jobCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(runCtx, cancel)()
	tpl := cmdline.Raw()
	if !rj.Raw {
		tpl = cmdline.Parse(rj.Command)
	}
	held := false
	select {
	case wk.running <- struct{}{}:
		held = true
	case <-jobCtx.Done(): // runTries records it as stopped, without starting it
		if ctx.Err() != nil {
			return ctx.Err() // this worker is stopping: the job goes to another
		}
	case <-wk.draining:
		return errors.New("not started: the worker is draining") // back to the stream
	}
	slot := wk.slots.Get()
	x := job.NewExecutor(job.Config{Timeout: rj.Timeout, Grace: rj.Grace, Tries: rj.Tries, RetryDelay: rj.RetryDelay}, wk.procs, nil, nil)
	res := x.Run(jobCtx, rj.Seq, rj.Args, tpl.Expand(rj.Args, rj.Seq, slot))
	wk.slots.Put(slot)
	if held {
		<-wk.running // the next job may start while this one is reported
	}
	defer res.Release()
	if ctx.Err() != nil {
		return ctx.Err() // this worker is stopping: the job goes to another
	}
	rr := &remote.Result{
		Run: rj.Run, Seq: rj.Seq, K: rj.K, Host: wk.o.Name, Cmdline: res.Cmdline,
		Start: res.Start, Elapsed: res.Elapsed, Exit: res.Exit, Signal: res.Signal,
	}
	if res.FailedToStart != nil {
		rr.FailedToStart = res.FailedToStart.Error()
	}
	return wk.publish(rr, res)
}

// publish reports a job, with its output inline or in the object store.
func (wk *worker) publish(rr *remote.Result, res *job.Result) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	id := remote.JobID(rr.Run, rr.Seq, rr.K)
	if res != nil {
		if res.Stdout.Len()+res.Stderr.Len() > wk.c.StoreAbove() {
			if err := wk.c.Store(ctx, id, res); err != nil {
				return err
			}
			rr.Stored = true
		} else {
			rr.Stdout, rr.Stderr = res.Stdout.Bytes(), res.Stderr.Bytes()
		}
	}
	data, err := json.Marshal(rr)
	if err != nil {
		return err
	}
	// The message ID makes a report published twice (the ack was lost) count once.
	if _, err := wk.c.JS.Publish(ctx, wk.c.ResultSubject(rr.Run), data, jetstream.WithMsgID(id)); err != nil {
		return fmt.Errorf("reporting job %s: %w", id, err)
	}
	return nil
}

// failed reports a job given up after --max-deliver attempts (each failed to
// report, or its worker died) as a failed job, so that the submitter's run
// completes and the joblog records it.
func (wk *worker) failed(id string, err error) {
	run, seq, k, perr := remote.ParseJobID(id)
	if perr != nil {
		return // not a weft job: nobody waits for it
	}
	wk.publish(&remote.Result{
		Run: run, Seq: seq, K: k, Host: wk.o.Name, Start: time.Now(), Exit: -1,
		FailedToStart: fmt.Sprintf("given up: %v", err),
	}, nil)
}

// runStates follows the state of every run (the S_runs bucket), so that a
// halt reaches the jobs at once.
type runStates struct {
	mu   sync.Mutex
	runs map[string]*runEntry
	w    jetstream.KeyWatcher
	done sync.WaitGroup
}

// runEntry is one run's state as a worker sees it.
type runEntry struct {
	state  string
	ctx    context.Context // ends when the run is halted with "now"
	cancel context.CancelFunc
}

// watchRuns starts following the run states, and returns once it holds
// every state recorded so far.
func watchRuns(ctx context.Context, kv jetstream.KeyValue) (*runStates, error) {
	w, err := kv.WatchAll(ctx, jetstream.IgnoreDeletes())
	if err != nil {
		return nil, fmt.Errorf("watching run states: %w", err)
	}
	rs := &runStates{runs: map[string]*runEntry{}, w: w}
	ready := make(chan struct{})
	rs.done.Go(func() {
		initial := true
		for e := range w.Updates() {
			if e == nil {
				if initial {
					close(ready)
					initial = false
				}
				continue
			}
			rs.set(e.Key(), string(e.Value()))
		}
		if initial {
			close(ready)
		}
	})
	select {
	case <-ready:
		return rs, nil
	case <-ctx.Done():
		w.Stop()
		rs.done.Wait()
		return nil, ctx.Err()
	}
}

func (rs *runStates) set(run, state string) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	e := rs.runs[run]
	if e == nil || (e.ctx.Err() != nil && state != remote.StateNow) {
		e = &runEntry{}
		e.ctx, e.cancel = context.WithCancel(context.Background())
		rs.runs[run] = e
	}
	e.state = state
	if state == remote.StateNow {
		e.cancel()
	}
}

// get returns a run's state and the context that ends when it is halted
// with "now".
func (rs *runStates) get(run string) (string, context.Context) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	e := rs.runs[run]
	if e == nil {
		e = &runEntry{state: remote.StateRun}
		e.ctx, e.cancel = context.WithCancel(context.Background())
		rs.runs[run] = e
	}
	return e.state, e.ctx
}

// wait stops following and waits for the watcher.
func (rs *runStates) wait() {
	rs.w.Stop()
	rs.done.Wait()
	rs.mu.Lock()
	for _, e := range rs.runs {
		e.cancel()
	}
	rs.mu.Unlock()
}
