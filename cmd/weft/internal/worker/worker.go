// Package worker is weft worker: it runs the jobs that submitters publish
// to a stream (weft --nats), -j at once, each as a local job is run (its
// process group, timeout, retries), and reports what each did, output
// included, before it acknowledges the job; a job of a halted run is handed
// back unrun. With --metrics it serves Prometheus metrics of its jobs
// (package metrics).
//
//	status := worker.Run(ctx, worker.Defaults(), env) // until ctx ends, SIGTERM or SIGINT
package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/weft-dev/weft/cmd/weft/internal/cli"
	"github.com/weft-dev/weft/cmd/weft/internal/cmdline"
	"github.com/weft-dev/weft/cmd/weft/internal/job"
	"github.com/weft-dev/weft/cmd/weft/internal/metrics"
	"github.com/weft-dev/weft/cmd/weft/internal/reach"
	"github.com/weft-dev/weft/cmd/weft/internal/reaper"
	"github.com/weft-dev/weft/cmd/weft/internal/remote"
	"github.com/weft-dev/weft/fleet"
)

// Run is weft worker: it runs the jobs of any run submitted to the stream,
// and reports what each did. On SIGTERM it takes no more jobs, hands back
// those it holds but has not started, finishes the running ones and exits
// 0; on SIGINT, or a second signal, it also stops the running jobs (SIGTERM
// to each process group, SIGKILL after their grace period) and hands them
// back, and exits 130 or 143. Signals are handled only with env.Main;
// otherwise (in a test) the worker runs until ctx ends, and returns 0.
//
// When the server becomes unreachable, the worker says so once (and again
// at growing intervals), lets its running jobs go on, and waits for it; a
// signal meanwhile stops the running jobs at once, since they could not be
// reported, and the worker exits without waiting for the server (the
// server hands the jobs to another worker once it is back). After
// o.ServerTimeout without a server it does the same and exits 1.
func Run(ctx context.Context, o *Config, env cli.Env) int {
	stderr := env.Stderr
	c, err := remote.Open(o.NATS, o.Stream, fleet.RoleWorker, o.Access)
	if err != nil {
		fmt.Fprintf(stderr, "weft: %v\n", err)
		return 255
	}
	defer c.Close()
	var m *metrics.Worker // nil without --metrics: records nothing
	if o.Metrics != "" {
		m = metrics.NewWorker(o.Stream, o.Name)
		stop, addr, err := m.Listen(o.Metrics)
		if err != nil {
			fmt.Fprintf(stderr, "weft: bad value for --metrics: %v\n", err)
			return 255
		}
		defer stop()
		fmt.Fprintf(stderr, "weft: worker %s: metrics at http://%s/metrics\n", o.Name, addr)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Reports wait for the server, unless the worker stops while it is gone.
	reportCtx, stopReports := context.WithCancel(context.Background())
	defer stopReports()
	var (
		mu       sync.Mutex
		draining bool // SIGTERM: finishing the running jobs
		gaveUp   bool // after --server-timeout
		cut      bool // the server went while draining: the jobs were stopped
	)
	// abandon stops the running jobs and their reports: the server is gone,
	// and the worker is to stop. Closing the connection ends at once what
	// would otherwise wait for the server to say goodbye (unsubscribing,
	// deleting the consumers of the run states' watch).
	abandon := func() {
		stopReports()
		cancel()
		c.Close()
	}
	watch := reach.New(reach.Config{
		URL: o.NATS, Timeout: o.ServerTimeout, Out: stderr,
		While: "the running jobs go on; their reports wait for it",
		OnLost: func() {
			m.SetUp(false)
			mu.Lock()
			d := draining
			cut = cut || d
			mu.Unlock()
			if d {
				fmt.Fprintln(stderr, "weft: worker: stopping the running jobs: their reports cannot reach the server")
				abandon()
			}
		},
		OnBack: func() { m.SetUp(true) },
		GiveUp: func() {
			mu.Lock()
			gaveUp = true
			mu.Unlock()
			abandon()
		},
	})
	defer watch.Stop()
	watch.Attach(c.JS.Conn())
	runs, err := followRuns(c)
	if err != nil {
		fmt.Fprintf(stderr, "weft: %v\n", err)
		return 255
	}
	defer runs.wait()
	host, _ := os.Hostname()
	key := remote.NewWorkerKey()
	reg := newRegistry(remote.WorkerEntry{Name: o.Name, Host: host, Slots: o.Jobs, Version: cli.VersionLine("weft"), Started: time.Now()},
		func(ctx context.Context, e *remote.WorkerEntry) error { return c.PutWorker(ctx, key, e) }, stderr)
	if !o.Unlisted {
		regCtx, stopReg := context.WithCancel(reportCtx)
		var announcer sync.WaitGroup
		announcer.Go(func() { reg.run(regCtx) })
		defer func() {
			stopReg()
			announcer.Wait()
			reg.write(reportCtx, true) // the last entry: stopped (nothing when the server is gone)
		}()
	}
	var rp *reaper.Reaper
	if env.Main {
		rp = &reaper.Reaper{} // not in a test binary: the reaper is this executable
	}
	wk := &worker{
		c: c, o: o, m: m, runs: runs, procs: job.NewProcs(rp), reportCtx: reportCtx, reg: reg,
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
					if s == syscall.SIGTERM && n == 0 && !watch.Down() {
						fmt.Fprintln(stderr, "weft: worker: finishing the running jobs")
						mu.Lock()
						draining = true
						mu.Unlock()
						close(wk.draining)
						w.Drain()
						if watch.Down() { // gone while the drain began
							abandon()
						}
						continue
					}
					status = 130
					if s == syscall.SIGTERM {
						status = 143
					}
					if watch.Down() {
						fmt.Fprintln(stderr, "weft: worker: stopping the running jobs: the server is unreachable, so they could not be reported; it hands them to another worker once it is back")
						abandon()
						return
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
	fmt.Fprintf(stderr, "weft: worker %s: running up to %d jobs from stream %s at %s\n", o.Name, o.Jobs, o.Stream, remote.Redact(o.NATS))
	err = w.Run(ctx)
	cancel()
	runs.wait()
	mu.Lock()
	g := gaveUp
	if cut && status == 0 {
		status = 143 // SIGTERM, and the running jobs did not finish
	}
	mu.Unlock()
	if g {
		fmt.Fprintf(stderr, "weft: worker: %v; its running jobs were stopped, and go to another worker once the server is back\n", watch.Err())
		return 1
	}
	if errors.Is(err, fleet.ErrDenied) {
		fmt.Fprintf(stderr, "weft: %v\n", err)
		return 255 // no job started: the credentials are not a worker's
	}
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
	m     *metrics.Worker // nil without --metrics
	runs  *runStates
	procs *job.Procs
	slots job.Slots
	// running holds a token per running job: at most -j jobs run at once,
	// while the handlers, twice as many, also report.
	running chan struct{}
	// draining is closed on SIGTERM: a job waiting for a token goes back.
	draining chan struct{}
	// reportCtx ends when reports can no longer wait for the server.
	reportCtx context.Context
	reg       *registry // this worker's entry in the registry
}

// handle runs one job and publishes its result. A job whose run is halted
// is handed back unrun (reported as skipped). When the worker itself stops,
// handle returns the error, and the job goes back to the stream for another
// worker.
func (wk *worker) handle(ctx context.Context, fj fleet.Job[remote.Job]) error {
	rj := fj.Payload
	wk.m.Redelivered(fj.Attempt)
	if rj.Run == "" || rj.Tries < 1 {
		return fmt.Errorf("job %s is not a weft job", fj.ID)
	}
	state, runCtx, err := wk.runs.get(ctx, rj.Run)
	if err != nil {
		return err // back to the stream
	}
	if state == remote.StateSoon || state == remote.StateNow {
		return wk.publish(&remote.Result{Run: rj.Run, Seq: rj.Seq, K: rj.K, Skipped: true, Host: wk.o.Name}, nil)
	}
	jobCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(runCtx, cancel)()
	tpl := cmdline.Raw()
	if !rj.Raw {
		var err error
		if tpl, err = cmdline.Parse(rj.Command); err != nil {
			return fmt.Errorf("job %s: %v", fj.ID, err) // a submitter's weft that reads more than this one
		}
		if tpl.HasPerl() {
			return fmt.Errorf("job %s: a worker does not evaluate perl expressions", fj.ID)
		}
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
	cmd := tpl.Expand(rj.Args, rj.Seq, slot)
	wk.reg.start(fj.ID, remote.RunningJob{Run: rj.Run, Seq: rj.Seq, Command: cmd, Started: time.Now()})
	wk.m.Started()
	res := x.RunSlot(jobCtx, rj.Seq, slot, rj.Args, cmd, nil) // $PARALLEL_JOBSLOT is {%}
	wk.m.Finished(res.Elapsed, status(ctx, res))
	// A job stopped because this worker stops goes to another: not counted.
	wk.reg.end(fj.ID, ctx.Err() == nil, res.Exit != 0 || res.Signal != 0 || res.FailedToStart != nil)
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

// status is how a job ended, for the metrics: a job stopped because the
// worker stops goes to another worker, and counts as neither.
func status(ctx context.Context, res *job.Result) metrics.Status {
	switch {
	case ctx.Err() != nil:
		return metrics.Stopped
	case res.OK():
		return metrics.Succeeded
	}
	return metrics.Failed
}

// publish reports a job, with its output inline or in the object store.
func (wk *worker) publish(rr *remote.Result, res *job.Result) error {
	ctx, cancel := context.WithTimeout(wk.reportCtx, time.Minute)
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
	wk.m.GivenUp()
	wk.publish(&remote.Result{
		Run: run, Seq: seq, K: k, Host: wk.o.Name, Start: time.Now(), Exit: -1,
		FailedToStart: fmt.Sprintf("given up: %v", err),
	}, nil)
}
