// Package submit runs a run's jobs on weft workers through NATS JetStream
// (weft --nats URL): it publishes each job to the stream, collects what the
// workers report, and hands every report to the run as a local job's
// result, so that output, the joblog, --halt and the exit status follow a
// local run's rules. A run has an ID; started again with the same ID, the
// submitter collects what was reported and reruns nothing that finished.
//
//	status := submit.Execute(r, &submit.Config{URL: url, Stream: "weft"})
package submit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/user"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/weft-dev/weft/cmd/weft/internal/input"
	"github.com/weft-dev/weft/cmd/weft/internal/reach"
	"github.com/weft-dev/weft/cmd/weft/internal/remote"
	"github.com/weft-dev/weft/cmd/weft/internal/run"
	"github.com/weft-dev/weft/fleet"
)

// remoteWindow is how many jobs a submitter keeps published and not yet
// done: enough to keep many workers busy, few enough that a halt has little
// to hand back.
const remoteWindow = 4096

// submitter is the submitting side of a run through NATS: it publishes the
// jobs, collects what the workers report, and passes it to the run, so that
// output, joblog, --halt and the exit status follow a local run's rules.
type submitter struct {
	r     *run.Run
	sc    *Config
	c     *remote.Conn
	prod  *fleet.Producer[remote.Job]
	run   string
	watch *reach.Watch // the server: gone, back, given up on

	mu      sync.Mutex
	changed sync.Cond // on mu: out shrank, or gaveUp was set
	out     map[int64]outstanding
	have    map[int64]*remote.Result // reports of jobs not yet read from the input
	skips   map[int64]int            // the next k of a job handed back unrun
	done    map[int64]bool
	reports int  // reports taken, to tell whether any worker is there
	halted  bool // this run was stopped: a job handed back unrun stays unrun
	gaveUp  bool // stop waiting for the outstanding jobs
	err     error

	record     *remote.RunRecord // as last written; only feed changes it
	recordedAt time.Time
}

type outstanding struct {
	rj *remote.Job
	j  input.Job
}

// newRunID returns a fresh run ID.
func newRunID() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Execute runs the jobs of r on the workers behind sc.URL, and returns the
// run's exit status.
func Execute(r *run.Run, sc *Config) int {
	fail := r.Fail
	lim, err := r.Limiter()
	if err != nil {
		return fail(err)
	}
	c, err := remote.Open(sc.URL, sc.Stream, fleet.RoleSubmitter, sc.Access)
	if err != nil {
		return fail(err)
	}
	defer c.Close()
	// The watch may give up on the server before the submitter exists (a
	// server gone while the run starts): it waits until rr is set, or until
	// Execute returns without one.
	var rr *submitter
	ready := make(chan struct{})
	var readyOnce sync.Once
	markReady := func() { readyOnce.Do(func() { close(ready) }) }
	defer markReady()
	watch := reach.New(reach.Config{
		URL: sc.URL, Timeout: sc.ServerTimeout, Out: r.Stderr(),
		While: "the jobs already submitted go on on the workers",
		GiveUp: func() {
			<-ready
			if rr != nil {
				rr.serverGone()
			}
		},
	})
	defer watch.Stop()
	watch.Attach(c.JS.Conn())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// Jobs are remembered as long as results are kept: a submitter restarted
	// the next day does not queue a job that is still waiting a second time.
	prod, err := fleet.NewProducer[remote.Job](ctx, c.JS, sc.Stream, nil, fleet.DuplicateWindow(remote.ResultsKeep))
	if err != nil {
		return fail(err)
	}
	id := sc.RunID
	if id == "" {
		id = newRunID()
	}
	if err := c.SetState(ctx, id, remote.StateRun); err != nil {
		return fail(fmt.Errorf("recording run %s: %w", id, err))
	}
	rr0 := &remote.RunRecord{ID: id, Command: r.Config().Command, Submitter: submitterName(), Started: time.Now()}
	if err := c.PutRunRecord(ctx, rr0); err != nil {
		return fail(fmt.Errorf("recording run %s: %w", id, err))
	}
	if sc.RunID == "" { // once the run exists
		fmt.Fprintf(r.Stderr(), "weft: run %s (to collect it again: --run-id %s)\n", id, id)
	}
	cons, err := c.JS.OrderedConsumer(ctx, c.ResultsStream(), jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{c.ResultSubject(id)},
	})
	if err != nil {
		return fail(fmt.Errorf("reading the results of run %s: %w", id, err))
	}
	info, err := cons.Info(ctx)
	if err != nil {
		return fail(fmt.Errorf("reading the results of run %s: %w", id, err))
	}
	it, err := cons.Messages()
	if err != nil {
		return fail(fmt.Errorf("reading the results of run %s: %w", id, err))
	}
	defer it.Stop()

	r.SetStall(serverStall{watch})
	r.Start(64)
	rr = &submitter{
		r: r, sc: sc, c: c, prod: prod, run: id, watch: watch,
		out: map[int64]outstanding{}, have: map[int64]*remote.Result{},
		skips: map[int64]int{}, done: map[int64]bool{}, record: rr0,
	}
	rr.changed.L = &rr.mu
	markReady()
	r.SetStopper(rr) // and stopped at once if interrupted while starting
	// A halt that another client asks for (the dashboard, weft ui) ends
	// this run as --halt does: no new job is published, and the jobs the
	// workers hand back unrun are counted, not published again.
	stopFollow, err := c.Follow(func(run string, state []byte) {
		if run == id {
			rr.haltedElsewhere(string(state))
		}
	})
	if err != nil {
		return fail(fmt.Errorf("following the state of run %s: %w", id, err))
	}
	defer stopFollow()

	// What the workers reported before this start (a restart with the same
	// run ID), then what they report from now on.
	for range info.NumPending {
		msg, err := it.Next()
		if err != nil {
			break
		}
		rr.take(msg)
	}
	var collector sync.WaitGroup
	collector.Go(func() {
		for {
			msg, err := it.Next()
			if err != nil {
				return
			}
			rr.take(msg)
		}
	})

	hint := time.AfterFunc(5*time.Second, rr.hintIfNoWorker)
	defer hint.Stop()
	inputErr := rr.feed(lim)
	rr.mu.Lock()
	for (len(rr.out) > 0 && !rr.gaveUp) && rr.err == nil {
		rr.changed.Wait()
	}
	left, pubErr := len(rr.out), rr.err
	rr.mu.Unlock()
	it.Stop()
	collector.Wait()
	outErr := r.Finish()

	switch {
	case inputErr != nil:
		return fail(inputErr)
	case pubErr != nil:
		return fail(fmt.Errorf("%v (run %s can be collected again with --run-id %s)", pubErr, id, id))
	case outErr != nil:
		return fail(outErr)
	case left > 0:
		fmt.Fprintf(r.Stderr(), "weft: %d jobs of run %s were not accounted for; collect them with --run-id %s\n", left, id, id)
	}
	return r.Status()
}

// serverStall shows on the progress line (--bar, --eta) that the server is
// unreachable, and for how long, instead of a rate that falls and an ETA
// that grows.
type serverStall struct{ w *reach.Watch }

// Stalled reports whether the server is gone, and since when.
func (s serverStall) Stalled() (why string, since time.Time, ok bool) {
	since, ok = s.w.DownSince()
	return "server unreachable", since, ok
}

// feed reads the jobs and publishes those that have no result yet, keeping
// at most remoteWindow outstanding, until the input ends or the run stops.
func (rr *submitter) feed(lim interface{ Wait(context.Context) error }) error {
	r := rr.r
	for j, err := range r.Jobs() {
		if err != nil {
			return err
		}
		rr.count(j.Seq, false)
		rr.mu.Lock()
		if prior, ok := rr.have[j.Seq]; ok {
			delete(rr.have, j.Seq)
			rr.done[j.Seq] = true
			rr.mu.Unlock()
			if err := rr.checkReported(j, prior); err != nil {
				return err
			}
			rr.emit(prior, j)
			continue
		}
		for len(rr.out) >= remoteWindow && !rr.gaveUp && rr.err == nil {
			rr.changed.Wait()
		}
		stop := rr.gaveUp || rr.err != nil
		rr.mu.Unlock()
		if stop {
			return nil
		}
		if lim != nil {
			if err := lim.Wait(r.Context()); err != nil {
				return nil // stopped
			}
		}
		c := r.Config()
		// The workers do not trim: they are given the arguments trimmed,
		// as the command and --tag have them.
		j.Args = r.Template().TrimArgs(j.Args)
		rj := &remote.Job{
			Run: rr.run, Seq: j.Seq, Args: j.Args, Command: c.Command, Raw: r.Template().IsRaw(),
			Timeout: c.Timeout, Grace: c.Grace, Tries: c.Tries, RetryDelay: c.RetryDelay,
		}
		rr.mu.Lock()
		rj.K = rr.skips[j.Seq]
		rr.out[j.Seq] = outstanding{rj, j}
		rr.mu.Unlock()
		if err := rr.publish(rj); err != nil {
			return nil // recorded in rr.err
		}
	}
	if r.Context().Err() == nil {
		rr.count(rr.record.Total, true)
	}
	return nil
}

// count records in the run's record that the input holds at least seq
// jobs (all of them when known), writing it at most once a second, and
// at once when the total becomes known. The record is for the dashboard
// and weft status: a failed write is not the run's failure.
func (rr *submitter) count(seq int64, known bool) {
	rec := rr.record
	rec.Total = max(rec.Total, seq)
	if !known && time.Since(rr.recordedAt) < time.Second {
		return
	}
	rec.TotalKnown = known
	rr.recordedAt = time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	rr.c.PutRunRecord(ctx, rec)
}

// submitterName is who submits, as user@host.
func submitterName() string {
	name := "unknown"
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	h, err := os.Hostname()
	if err != nil {
		h = "unknown"
	}
	return name + "@" + h
}

// checkReported makes sure that a job reported before this start ran this
// command: a run ID reused for another command is refused.
func (rr *submitter) checkReported(j input.Job, prior *remote.Result) error {
	if prior.Skipped {
		return nil
	}
	if want, same := rr.r.Ran(j, prior.Cmdline); !same {
		return fmt.Errorf("run %s was another command: job %d ran %q, but would now run %q", rr.run, j.Seq, prior.Cmdline, want)
	}
	return nil
}

// publish submits a job, trying again while the server is unreachable (a
// restart), until the watch gives up on it, and for a minute after an error
// while it is there: the job's message ID makes that safe.
func (rr *submitter) publish(rj *remote.Job) error {
	deadline := time.Now().Add(time.Minute)
	delay := 50 * time.Millisecond
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := rr.prod.Submit(ctx, rj.ID(), *rj)
		cancel()
		if err == nil {
			return nil
		}
		if rr.watch.Down() {
			deadline = time.Now().Add(time.Minute) // the watch decides when to give up
		}
		rr.mu.Lock()
		stop := rr.gaveUp || rr.err != nil || errors.Is(err, fleet.ErrTooLarge)
		rr.mu.Unlock()
		if stop || time.Now().After(deadline) {
			rr.mu.Lock()
			if rr.err == nil {
				rr.err = fmt.Errorf("submitting job %d: %w", rj.Seq, err)
			}
			rr.changed.Broadcast()
			rr.mu.Unlock()
			return err
		}
		time.Sleep(delay)
		delay = min(2*delay, 2*time.Second)
	}
}

// take handles one report from a worker.
func (rr *submitter) take(msg jetstream.Msg) {
	var res remote.Result
	if err := json.Unmarshal(msg.Data(), &res); err != nil {
		fmt.Fprintf(rr.r.Stderr(), "weft: ignoring an unreadable result on %s: %v\n", msg.Subject(), err)
		return
	}
	rr.mu.Lock()
	rr.reports++
	if rr.done[res.Seq] {
		rr.mu.Unlock() // a job that ran twice (its worker died before acking): the first report counts
		return
	}
	o, ok := rr.out[res.Seq]
	switch {
	case ok && !res.Skipped, ok && res.K == o.rj.K && rr.halted:
		delete(rr.out, res.Seq)
		rr.done[res.Seq] = true
		rr.mu.Unlock()
		rr.emit(&res, o.j)
		rr.mu.Lock()
		rr.changed.Broadcast()
		rr.mu.Unlock()
	case !res.Skipped:
		if _, seen := rr.have[res.Seq]; !seen {
			rr.have[res.Seq] = &res
		}
		rr.mu.Unlock()
	case ok && res.K == o.rj.K:
		// Handed back unrun by an earlier stop of this run, which has since
		// been resumed: publish it again, under a new ID.
		rj := *o.rj
		rj.K++
		rr.skips[res.Seq] = rj.K
		rr.out[res.Seq] = outstanding{&rj, o.j}
		rr.mu.Unlock()
		rr.publish(&rj)
	default:
		rr.skips[res.Seq] = max(rr.skips[res.Seq], res.K+1)
		rr.mu.Unlock()
	}
}

// emit passes a finished job to the run, which counts it and applies
// --halt before it prints it, as for a job of a local run.
func (rr *submitter) emit(res *remote.Result, j input.Job) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if res.Cmdline == "" && !res.Skipped {
		res.Cmdline = rr.r.Template().Expand(j.Args, j.Seq, 0) // given up before any worker expanded it
	}
	rr.r.Done(rr.c.ToResult(ctx, res, j))
}

// Stop halts the run on the workers: they start none of its jobs from now
// on (handing them back unrun), and with now, stop the running ones.
func (rr *submitter) Stop(now bool) {
	rr.mu.Lock()
	rr.halted = true
	rr.mu.Unlock()
	state := remote.StateSoon
	if now {
		state = remote.StateNow
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := rr.c.SetState(ctx, rr.run, state); err != nil {
		fmt.Fprintf(rr.r.Stderr(), "weft: telling the workers to stop run %s: %v\n", rr.run, err)
		rr.GiveUp()
	}
}

// haltedElsewhere takes a state of the run written by another client:
// soon or now halts it here too, unless this submitter halted it itself.
func (rr *submitter) haltedElsewhere(state string) {
	if state != remote.StateSoon && state != remote.StateNow {
		return
	}
	rr.mu.Lock()
	already := rr.halted
	rr.halted = true
	rr.mu.Unlock()
	if already {
		return
	}
	fmt.Fprintf(rr.r.Stderr(), "weft: run %s was halted (%s) from elsewhere: no new job starts, and the jobs not yet run are not run\n", rr.run, state)
	rr.r.HaltFromOutside()
	rr.mu.Lock()
	rr.changed.Broadcast()
	rr.mu.Unlock()
}

// hintIfNoWorker says so on stderr when jobs wait and no worker is asking
// for any: the run is not stuck, it waits for a worker.
func (rr *submitter) hintIfNoWorker() {
	rr.mu.Lock()
	waiting := rr.reports == 0 && len(rr.out) > 0
	rr.mu.Unlock()
	if !waiting {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	stream := rr.sc.Stream
	if c, err := rr.c.JS.Consumer(ctx, stream, stream); err == nil {
		if info, err := c.Info(ctx); err != nil || info.NumWaiting > 0 {
			return
		}
	}
	how := "weft worker --nats " + remote.Redact(rr.sc.URL)
	if stream != remote.DefaultStream {
		how += " --stream " + stream
	}
	fmt.Fprintf(rr.r.Stderr(), "weft: no worker is taking jobs from stream %s yet; the jobs wait for one (%s)\n", stream, how)
}

// serverGone stops the run when the watch gave up on the server: the
// submitter publishes nothing more and waits for nothing more; the run can
// be collected again with its ID once the server is back.
func (rr *submitter) serverGone() {
	rr.mu.Lock()
	if rr.err == nil {
		rr.err = rr.watch.Err()
	}
	rr.changed.Broadcast()
	rr.mu.Unlock()
}

// GiveUp stops waiting for the outstanding jobs.
func (rr *submitter) GiveUp() {
	rr.mu.Lock()
	rr.gaveUp = true
	rr.changed.Broadcast()
	rr.mu.Unlock()
}
