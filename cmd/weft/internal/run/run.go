// Package run is one run of the weft command, wherever its jobs execute:
// its inputs, the joblog it resumes and writes, the jobs it hands out, the
// counts of those done, --halt, the exit status, signals, and the printer
// that every finished job goes to. Where the jobs run is the caller's: the
// local package runs them on a pool here, the submit package on workers
// through NATS.
//
//	r, err := run.New(c, env)
//	defer r.Close()
//	r.Start(buffer)
//	for j, err := range r.Jobs() { ... r.Done(result) } // from any goroutine
//	err = r.Finish()
//	status := r.Status()
//
// Jobs, Done and Finish may be called from different goroutines: Jobs from
// one, Done from many, Finish once after the last Done.
package run

import (
	"context"
	"fmt"
	"io"
	"iter"
	"os"
	"sync/atomic"

	"github.com/weft-dev/weft"
	"github.com/weft-dev/weft/cmd/weft/internal/cli"
	"github.com/weft-dev/weft/cmd/weft/internal/cmdline"
	"github.com/weft-dev/weft/cmd/weft/internal/input"
	"github.com/weft-dev/weft/cmd/weft/internal/job"
	"github.com/weft-dev/weft/cmd/weft/internal/joblog"
	"github.com/weft-dev/weft/cmd/weft/internal/output"
	"github.com/weft-dev/weft/cmd/weft/internal/pipe"
	"github.com/weft-dev/weft/cmd/weft/internal/reaper"
	"github.com/weft-dev/weft/rate"
)

// Run is one run of the command.
type Run struct {
	c              *Config
	in             *input.Inputs
	tpl            cmdline.Template
	stdout, stderr io.Writer
	resume         map[int64]joblog.Entry
	joblog         *joblog.Writer

	ctx    context.Context // ends when running jobs must be stopped
	cancel context.CancelFunc

	stopping  atomic.Bool  // start nothing new
	sigStatus atomic.Int32 // 130 or 143 once interrupted
	haltExit  atomic.Int32 // the exit status a halt decided, +1 (0: none)
	procs     *job.Procs
	slots     job.Slots

	tally tally

	results chan<- *job.Result // to the printer, once started
	printed func() error       // waits for the printer

	stopper atomic.Pointer[Stopper] // set by a run over many machines

	blocks   *pipe.Splitter // --pipe, --pipe-part (pipe.go)
	pipeFile *os.File       // --pipe-part's file
	pipeData io.Reader      // --tee's input
}

// New opens the inputs of the run c and the joblog (reading it first to
// resume), before any job starts: an error here is bad usage. With
// env.Main, the jobs' process groups are also given to a reaper.
func New(c *Config, env cli.Env) (*Run, error) {
	in, err := input.Open(input.Config{Sources: c.Sources, Sep: c.Sep, Colsep: c.Colsep}, env.Stdin)
	if err != nil {
		return nil, err
	}
	r := &Run{c: c, in: in, tpl: cmdline.Parse(c.Command), stdout: env.Stdout, stderr: env.Stderr}
	if c.Command == "" {
		r.tpl = cmdline.Raw() // the inputs are the commands, as in GNU parallel
	}
	if c.Pipe.Active() && !c.Pipe.Cat && !c.Pipe.Fifo {
		r.tpl = r.tpl.Unappended() // as GNU parallel: the data is on stdin
	}
	var rp *reaper.Reaper
	if env.Main {
		rp = &reaper.Reaper{} // not in a test binary: the reaper is this executable
	}
	r.procs = job.NewProcs(rp)
	if c.Pipe.Active() {
		if err := r.openPipe(env.Stdin); err != nil {
			in.Close()
			r.closePipe()
			return nil, err
		}
	}
	if c.Joblog != "" {
		if c.Resume || c.ResumeFailed {
			if r.resume, err = joblog.Read(c.Joblog); err != nil {
				in.Close()
				return nil, err
			}
		}
		if !c.DryRun {
			if r.joblog, err = joblog.Create(c.Joblog, c.Resume || c.ResumeFailed); err != nil {
				in.Close()
				r.closePipe()
				return nil, err
			}
		}
	}
	r.ctx, r.cancel = context.WithCancel(context.Background())
	return r, nil
}

// Close closes the inputs and the joblog.
func (r *Run) Close() {
	r.in.Close()
	if r.joblog != nil {
		r.joblog.Close()
	}
	r.closePipe()
	r.cancel()
}

// Config is the run's configuration.
func (r *Run) Config() *Config { return r.c }

// Template is the command template the jobs expand.
func (r *Run) Template() cmdline.Template { return r.tpl }

// Context ends when the running jobs must be stopped: a signal, or a
// halt with now.
func (r *Run) Context() context.Context { return r.ctx }

// Stderr is where the run reports on itself.
func (r *Run) Stderr() io.Writer { return r.stderr }

// Fail reports err as what ended the run before its end: one line on
// stderr; it returns the exit status, 255.
func (r *Run) Fail(err error) int {
	fmt.Fprintf(r.stderr, "weft: %v\n", err)
	return 255
}

// Limiter is the start-rate limit of --rate and --delay, or nil.
func (r *Run) Limiter() (weft.Waiter, error) {
	var ws multiWaiter
	if r.c.Rate > 0 {
		l, err := rate.NewLimiter(rate.PerSecond(r.c.Rate), 1)
		if err != nil {
			return nil, err
		}
		ws = append(ws, l)
	}
	if r.c.Delay > 0 {
		l, err := rate.NewLimiter(rate.Every(r.c.Delay), 1)
		if err != nil {
			return nil, err
		}
		ws = append(ws, l)
	}
	if len(ws) == 0 {
		return nil, nil
	}
	return ws, nil
}

// multiWaiter waits on each of its limiters in turn.
type multiWaiter []weft.Waiter

func (m multiWaiter) Wait(ctx context.Context) error {
	for _, w := range m {
		if err := w.Wait(ctx); err != nil {
			return err
		}
	}
	return nil
}

// Executor returns the executor of jobs run here, as the run's options
// say; their output goes to the run's stdout and stderr.
func (r *Run) Executor() *job.Executor {
	c := r.c
	return job.NewExecutor(job.Config{
		Timeout: c.Timeout, Grace: c.Grace, Tries: c.Tries, RetryDelay: c.RetryDelay,
		LineBuffer: c.LineBuffer, Ungroup: c.Ungroup, Tag: c.Tag,
	}, r.procs, r.stdout, r.stderr)
}

// Start starts the goroutine that prints finished jobs; buffer is how many
// may wait for it.
func (r *Run) Start(buffer int) {
	pr := output.New(output.Config{
		Keep: r.c.Keep, Tag: r.c.Tag, Streamed: r.c.LineBuffer || r.c.Ungroup,
		Progress: r.c.Bar || r.c.Eta, Total: input.Config{Sources: r.c.Sources}.Total(),
	}, r.stdout, r.stderr, r.joblog, &r.tally)
	ch := make(chan *job.Result, buffer)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for res := range ch {
			pr.Add(res)
		}
	}()
	r.results = ch
	r.printed = func() error {
		<-done
		return pr.Finish()
	}
}

// Finish waits until every job passed to Done is printed, draws the final
// progress line, and ends the run's context; it returns the error in
// writing the output, if any.
func (r *Run) Finish() error {
	close(r.results)
	err := r.printed()
	r.cancel()
	if err != nil {
		return fmt.Errorf("writing output: %v", err)
	}
	return nil
}

// Status is the exit status of a run that ended without error: the
// signal's, the halting job's, or the number of failed jobs (101 for more
// than 100).
func (r *Run) Status() int {
	if s := r.sigStatus.Load(); s != 0 {
		return int(s)
	}
	if h := r.haltExit.Load(); h != 0 {
		return int(h - 1)
	}
	return int(min(r.tally.failed.Load(), 101))
}

// Jobs yields the jobs to run, until the input ends or the run is stopped;
// the jobs recorded in the joblog being resumed go to the printer as
// skipped instead. An error (reading the input, a joblog of another
// command) is yielded last.
func (r *Run) Jobs() iter.Seq2[input.Job, error] {
	return func(yield func(input.Job, error) bool) {
		for j, err := range r.in.Jobs() {
			if err != nil {
				yield(j, err)
				return
			}
			if r.stopping.Load() {
				return
			}
			if done, ok := r.resume[j.Seq]; ok {
				if want, same := r.Ran(j, done.Command); !same {
					yield(j, fmt.Errorf("joblog %s does not match this command: job %d ran %q, but would now run %q", r.c.Joblog, j.Seq, done.Command, want))
					return
				}
				if !r.c.ResumeFailed || (done.Exit == 0 && done.Signal == 0) {
					r.results <- &job.Result{Seq: j.Seq, Args: j.Args, Skipped: true}
					continue
				}
			}
			if !yield(j, nil) {
				return
			}
		}
	}
}

// Ran reports whether cmdline, which job j ran before (in a joblog being
// resumed, or on a worker), is the command line j runs now, and returns
// that one. With {%}, whose slot varies from run to run, any one is.
func (r *Run) Ran(j input.Job, cmdline string) (now string, same bool) {
	now = r.tpl.Expand(j.Args, j.Seq, 0)
	return now, r.tpl.HasSlot() || now == cmdline
}

// RunJob runs one job with x, retrying it as --retries says. A job whose
// turn comes after the run was stopped (a halt, a signal) does not start,
// and is passed on as skipped.
func (r *Run) RunJob(x *job.Executor, j input.Job) *job.Result {
	if r.stopping.Load() {
		return &job.Result{Seq: j.Seq, Args: j.Args, Skipped: true}
	}
	slot := r.slots.Get()
	defer r.slots.Put(slot)
	return x.Run(r.ctx, j.Seq, j.Args, r.tpl.Expand(j.Args, j.Seq, slot))
}

// Done takes a finished (or skipped) job: it counts it and applies --halt
// before it returns (so that a worker of a local run decides before it
// takes another job), then hands it to the printer.
func (r *Run) Done(res *job.Result) {
	r.tally.count(res)
	r.checkHalt(res)
	r.results <- res
}

// DryRun prints the command line of each job instead of running it, and
// returns the exit status.
func (r *Run) DryRun() int {
	for j, err := range r.in.Jobs() {
		if err != nil {
			return r.Fail(err)
		}
		if _, ok := r.resume[j.Seq]; ok {
			continue
		}
		fmt.Fprintln(r.stdout, r.tpl.Expand(j.Args, j.Seq, 1))
	}
	return 0
}
