package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"sync"
	"syscall"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/weft-dev/weft/cmd/weft/internal/cmdline"
	"github.com/weft-dev/weft/cmd/weft/internal/job"
	"github.com/weft-dev/weft/fleet"
)

// workerOptions are the flags of weft worker.
type workerOptions struct {
	nats       string
	stream     string
	jobs       int
	name       string
	ackWait    time.Duration
	maxDeliver int
}

func parseWorkerArgs(args []string, stderr io.Writer) (*workerOptions, error) {
	o := &workerOptions{}
	fs := flag.NewFlagSet("weft worker", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.nats, "nats", defaultNATS, "the NATS server or cluster to take jobs from")
	fs.StringVar(&o.stream, "stream", defaultStream, "the stream the jobs come through")
	fs.IntVar(&o.jobs, "j", runtime.NumCPU(), "run this many jobs at once")
	fs.StringVar(&o.name, "name", hostName(), "this worker's name in the submitter's joblog")
	fs.DurationVar(&o.ackWait, "ack-wait", 30*time.Second, "how long a job of a vanished worker waits before another worker takes it")
	fs.IntVar(&o.maxDeliver, "max-deliver", 5, "how many times a job is handed out before it is recorded as failed")
	if err := fs.Parse(args); err != nil {
		return nil, usagef("weft worker: %v", err)
	}
	switch {
	case fs.NArg() > 0:
		return nil, usagef("weft worker takes no arguments, got %q", fs.Args())
	case o.jobs < 1:
		return nil, usagef("bad value for -j: %d (want >= 1)", o.jobs)
	case !validName.MatchString(o.stream):
		return nil, usagef("bad value for --stream: %q (want 1 to 64 letters, digits, - or _)", o.stream)
	case o.ackWait < time.Second:
		return nil, usagef("bad value for --ack-wait: %v (want >= 1s)", o.ackWait)
	case o.maxDeliver < 1:
		return nil, usagef("bad value for --max-deliver: %d (want >= 1)", o.maxDeliver)
	}
	return o, nil
}

// work is weft worker: it runs the jobs of any run submitted to the stream,
// and reports what each did. On SIGTERM it takes no more jobs, hands back
// those it holds but has not started, finishes the running ones and exits
// 0; on SIGINT, or a second signal, it also stops the running jobs (SIGTERM
// to each process group, SIGKILL after their grace period) and hands them
// back, and exits 130 or 143.
func work(args []string, stdout, stderr io.Writer, signals bool) int {
	o, err := parseWorkerArgs(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "weft: %v\n", err)
		return 255
	}
	c, err := openFleet(o.nats, o.stream)
	if err != nil {
		fmt.Fprintf(stderr, "weft: %v\n", err)
		return 255
	}
	defer c.close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	runs, err := watchRuns(ctx, c.runs)
	if err != nil {
		fmt.Fprintf(stderr, "weft: %v\n", err)
		return 255
	}
	defer runs.wait()
	wk := &remoteWorker{
		c: c, o: o, runs: runs, procs: job.NewProcs(newReaper()),
		running: make(chan struct{}, o.jobs), draining: make(chan struct{}),
	}
	// Twice as many handlers as jobs at once: while one handler reports a
	// finished job, another already runs the next (see remoteWorker.running).
	w, err := fleet.NewWorker(ctx, c.js, o.stream, 2*o.jobs, wk.handle, fleet.WorkerConfig{
		AckWait:    o.ackWait,
		MaxDeliver: o.maxDeliver,
		// Jobs are processes: pulling a few ahead hides the round trip,
		// pulling many would let them wait past the ack wait.
		PullAhead: 4 * o.jobs,
		OnFailed:  wk.failed,
	})
	if err != nil {
		fmt.Fprintf(stderr, "weft: %v\n", err)
		return 255
	}
	var status int
	if signals {
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
	fmt.Fprintf(stderr, "weft: worker %s: running up to %d jobs from stream %s at %s\n", o.name, o.jobs, o.stream, o.nats)
	err = w.Run(ctx)
	cancel()
	runs.wait()
	if err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(stderr, "weft: %v\n", err)
		return 1
	}
	return status // read after Run: the signal goroutine wrote it before cancel
}

// remoteWorker runs the jobs of weft worker.
type remoteWorker struct {
	c     *fleetConn
	o     *workerOptions
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
func (wk *remoteWorker) handle(ctx context.Context, fj fleet.Job[remoteJob]) error {
	rj := fj.Payload
	if rj.Run == "" || rj.Tries < 1 {
		return fmt.Errorf("job %s is not a weft job", fj.ID)
	}
	state, runCtx := wk.runs.get(rj.Run)
	if state == stateSoon || state == stateNow {
		return wk.publish(&remoteResult{Run: rj.Run, Seq: rj.Seq, K: rj.K, Skipped: true, Host: wk.o.name}, nil)
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
	rr := &remoteResult{
		Run: rj.Run, Seq: rj.Seq, K: rj.K, Host: wk.o.name, Cmdline: res.Cmdline,
		Start: res.Start, Elapsed: res.Elapsed, Exit: res.Exit, Signal: res.Signal,
	}
	if res.FailedToStart != nil {
		rr.FailedToStart = res.FailedToStart.Error()
	}
	return wk.publish(rr, res)
}

// publish reports a job, with its output inline or in the object store.
func (wk *remoteWorker) publish(rr *remoteResult, res *job.Result) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	id := jobID(rr.Run, rr.Seq, rr.K)
	if res != nil {
		if res.Stdout.Len()+res.Stderr.Len() > wk.c.storeAbove() {
			if err := wk.c.store(ctx, id, res); err != nil {
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
	if _, err := wk.c.js.Publish(ctx, wk.c.resultSubject(rr.Run), data, jetstream.WithMsgID(id)); err != nil {
		return fmt.Errorf("reporting job %s: %w", id, err)
	}
	return nil
}

// failed reports a job given up after --max-deliver attempts (each failed to
// report, or its worker died) as a failed job, so that the submitter's run
// completes and the joblog records it.
func (wk *remoteWorker) failed(id string, err error) {
	run, seq, k, perr := parseJobID(id)
	if perr != nil {
		return // not a weft job: nobody waits for it
	}
	wk.publish(&remoteResult{
		Run: run, Seq: seq, K: k, Host: wk.o.name, Start: time.Now(), Exit: -1,
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
	if e == nil || (e.ctx.Err() != nil && state != stateNow) {
		e = &runEntry{}
		e.ctx, e.cancel = context.WithCancel(context.Background())
		rs.runs[run] = e
	}
	e.state = state
	if state == stateNow {
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
		e = &runEntry{state: stateRun}
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
