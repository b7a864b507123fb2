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
	"errors"
	"fmt"
	"io"
	"iter"
	"math/rand/v2"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/weft-dev/weft"
	"github.com/weft-dev/weft/cmd/weft/internal/cli"
	"github.com/weft-dev/weft/cmd/weft/internal/cmdline"
	"github.com/weft-dev/weft/cmd/weft/internal/input"
	"github.com/weft-dev/weft/cmd/weft/internal/job"
	"github.com/weft-dev/weft/cmd/weft/internal/joblog"
	"github.com/weft-dev/weft/cmd/weft/internal/output"
	"github.com/weft-dev/weft/cmd/weft/internal/perlexpr"
	"github.com/weft-dev/weft/cmd/weft/internal/pipe"
	"github.com/weft-dev/weft/cmd/weft/internal/reaper"
	"github.com/weft-dev/weft/rate"
)

// Run is one run of the command.
type Run struct {
	c              *Config
	in             *input.Inputs
	tpl            cmdline.Template
	shell          string              // the jobs run in it
	perl           *perlexpr.Evaluator // the template's perl expressions, if any
	stdout, stderr io.Writer
	resume         map[int64]joblog.Entry
	joblog         *joblog.Writer

	ctx    context.Context // ends when running jobs must be stopped
	cancel context.CancelFunc

	stopping  atomic.Bool  // start nothing new
	killed    atomic.Bool  // a halt with now stopped the running jobs
	sigStatus atomic.Int32 // 130 or 143 once interrupted
	haltExit  atomic.Int32 // the exit status a halt decided, +1 (0: none)
	// haltedOutside: another client halted the run (HaltFromOutside).
	haltedOutside atomic.Bool
	procs         *job.Procs
	slots         job.Slots

	tally   tally
	total   int64       // the number of jobs, when --halt needs it; else -1
	read    []input.Job // the jobs, read before the run when it needs their number
	preread bool
	group   *input.Grouping // how records make jobs (multi.go); nil with --pipe

	toPrint chan<- *job.Result // to the printer, once started
	results *output.Results    // --results, or nil
	stall   output.Stall       // why the jobs may be held up, for --bar and --eta
	printed func() error       // waits for the printer

	stopper atomic.Pointer[Stopper] // set by a run over many machines

	gate    *Gate   // -j FILE, --load, --memfree, --noswap; nil without
	machine Machine // what the gate reads: /proc, or a test's

	blocks   *pipe.Splitter // --pipe, --pipe-part (pipe.go)
	pipeFile *os.File       // --pipe-part's file
	pipeData io.Reader      // --tee's input
}

// New opens the inputs of the run c and the joblog (reading it first to
// resume), before any job starts: an error here is bad usage. With
// env.Main, the jobs' process groups are also given to a reaper.
func New(c *Config, env cli.Env) (*Run, error) {
	shell, err := JobShell(os.Getenv, parentExe())
	if err != nil {
		return nil, err
	}
	if c.Command == "" && (len(c.Rpl) > 0 || c.Parens != "" || len(c.Rename) > 0) {
		return nil, errors.New("--rpl, --parens, -I and the other replacement string options need a command to replace strings in")
	}
	in, err := input.Open(c.inputConfig(), env.Stdin)
	if err != nil {
		return nil, err
	}
	if err := c.nameColumns(in); err != nil {
		in.Close()
		return nil, err
	}
	// No command: the inputs are the commands, as in GNU parallel.
	tpl, err := c.template()
	if err != nil {
		in.Close()
		return nil, err
	}
	if c.context() {
		tpl = tpl.Context() // -X, -N, -L: the word around {} once per input
	}
	stderr := env.Stderr
	if _, ok := stderr.(*os.File); !ok {
		stderr = &syncWriter{w: stderr} // -t writes from every job's goroutine, the printer from its own
	}
	r := &Run{c: c, in: in, tpl: tpl, shell: shell, stdout: env.Stdout, stderr: stderr, machine: Proc{}}
	if !c.Pipe.Active() {
		g := c.grouping(tpl, stderr)
		r.group = &g
	}
	if c.Results != "" {
		r.results = &output.Results{Name: c.Results, Format: output.ResultsFormatOf(c.Results), Echo: c.Echo > 0, NameOf: c.resultsNameOf(), Names: c.columnNames}
		if err := r.results.Open(env.Stdout); err != nil {
			r.Close()
			return nil, err
		}
	}
	r.ctx, r.cancel = context.WithCancel(context.Background())
	if tpl.HasPerl() {
		// One perl for the whole run, every expression compiled before
		// any job starts.
		if r.perl, err = perlexpr.Start(context.Background(), tpl.Exprs(), perlexpr.WithStderr(env.Stderr), perlexpr.WithTrim(c.trim())); err != nil {
			r.Close()
			return nil, err
		}
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
			r.Close()
			return nil, err
		}
	}
	if c.Joblog != "" {
		if c.Resume || c.ResumeFailed {
			if r.resume, err = joblog.Read(c.Joblog); err != nil {
				r.Close()
				return nil, err
			}
		}
		if !c.DryRun {
			open := func() (*joblog.Writer, error) { return joblog.Create(c.Joblog, c.Resume || c.ResumeFailed) }
			if c.JoblogAppend {
				open = func() (*joblog.Writer, error) { return joblog.Append(c.Joblog) }
			}
			if r.joblog, err = open(); err != nil {
				r.Close()
				return nil, err
			}
		}
	}
	r.total = -1
	if (c.Halt != nil && c.Halt.Percent > 0) || tpl.NeedsTotal() || c.Shuf {
		// A percentage of all the jobs, and total_jobs(), need their
		// number: the input is read whole first when it does not say, as
		// GNU parallel does.
		if r.total = c.total(); r.total < 0 {
			for j, err := range r.inputJobs() {
				if err != nil {
					r.Close()
					return nil, err
				}
				r.read = append(r.read, j)
			}
			r.total = int64(len(r.read))
			r.preread = true
		}
	}
	if c.Shuf {
		if !r.preread {
			for j, err := range in.Jobs() {
				if err != nil {
					r.Close()
					return nil, err
				}
				r.read = append(r.read, j)
			}
			r.preread = true
		}
		shuffle(r.read)
	}
	return r, nil
}

// inputJobs yields the jobs of the input, read now or before.
func (r *Run) inputJobs() iter.Seq2[input.Job, error] {
	if !r.preread {
		if r.group != nil {
			return r.in.Grouped(*r.group)
		}
		return r.in.Jobs()
	}
	return func(yield func(input.Job, error) bool) {
		for _, j := range r.read {
			if !yield(j, nil) {
				return
			}
		}
	}
}

// Close closes the inputs, the joblog, the table of --results and the
// perl of the expressions.
func (r *Run) Close() {
	r.in.Close()
	if r.results != nil {
		r.results.Close()
	}
	if r.perl != nil {
		r.perl.Close()
	}
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
		Timeout: c.Timeout, TimeoutPercent: c.TimeoutPercent, Grace: c.Grace, Tries: c.Tries, RetryDelay: c.RetryDelay,
		LineBuffer: c.LineBuffer, Ungroup: c.Ungroup, Tag: c.Tag, Shell: r.shell, Nice: c.Nice, Termseq: c.Termseq,
		TmpDir: c.TmpDir, TagOf: c.tagOf(), Echo: c.Echo > 0,
	}, r.procs, r.stdout, r.stderr)
}

// SetStall makes the progress line (--bar, --eta) show what s says holds
// the jobs up (a server that has gone) while it lasts. Call it before
// Start.
func (r *Run) SetStall(s output.Stall) { r.stall = s }

// Start starts the goroutine that prints finished jobs; buffer is how many
// may wait for it.
func (r *Run) Start(buffer int) {
	pr := output.New(output.Config{
		Keep: r.c.Keep, Tag: r.c.Tag, Streamed: r.c.LineBuffer || r.c.Ungroup,
		Progress: r.c.Bar || r.c.Eta, Total: r.progressTotal(), Stall: r.stall,
		TagOf: r.c.tagOf(), Color: r.c.Color, Echo: r.c.Echo > 0, Results: r.results,
		Files: r.c.Files, TmpDir: r.c.TmpDir,
		GNUProgress: r.c.Progress, Jobs: r.c.Jobs, CPUs: runtime.NumCPU(),
	}, r.stdout, r.stderr, r.joblog, &r.tally)
	ch := make(chan *job.Result, buffer)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for res := range ch {
			pr.Add(res)
		}
	}()
	r.toPrint = ch
	r.printed = func() error {
		<-done
		return pr.Finish()
	}
}

// total is the number of jobs when it is known without reading any input,
// or -1.
func (c *Config) total() int64 {
	if c.EOF != "" || c.SkipEmpty || !c.oneEach() || (c.Pipe.Lines > 0 && !c.Pipe.Active()) {
		return -1 // the values must be read to know
	}
	ic := c.inputConfig()
	return input.Config{Sources: ic.Sources, Link: ic.Link, Header: ic.Header, NamesOnly: ic.NamesOnly}.Total()
}

// progressTotal is the number of jobs for the progress line, -1 if
// unknown.
func (r *Run) progressTotal() int64 {
	if r.total >= 0 {
		return r.total
	}
	return r.c.total()
}

// Finish waits until every job passed to Done is printed, draws the final
// progress line, and ends the run's context; it returns the error in
// writing the output, if any.
func (r *Run) Finish() error {
	close(r.toPrint)
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
	if h := r.c.Halt; h != nil && h.Percent > 0 {
		// A --halt with a percentage that was never reached: the
		// percentage of jobs that failed, as GNU parallel exits.
		return percentOf(r.tally.failed.Load(), r.tally.done.Load())
	}
	failed := int(min(r.tally.failed.Load(), 101))
	if r.haltedOutside.Load() {
		return max(failed, 1) // not every job ran
	}
	return failed
}

// HaltFromOutside stops a run that another client halted (the dashboard,
// weft ui): no new job starts, and the exit status is at least 1, since
// not every job ran.
func (r *Run) HaltFromOutside() {
	r.haltedOutside.Store(true)
	r.stopping.Store(true)
}

// Jobs yields the jobs to run, until the input ends or the run is stopped;
// the jobs recorded in the joblog being resumed go to the printer as
// skipped instead. An error (reading the input, a joblog of another
// command) is yielded last.
func (r *Run) Jobs() iter.Seq2[input.Job, error] {
	return func(yield func(input.Job, error) bool) {
		for j, err := range r.inputJobs() {
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
					r.toPrint <- &job.Result{Seq: j.Seq, Args: j.Args, Skipped: true}
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
// that one. With {%}, whose slot varies from run to run, any one is; and
// with perl expressions, which may vary too (slot(), a counter), they are
// not evaluated again for this.
func (r *Run) Ran(j input.Job, cmdline string) (now string, same bool) {
	if r.perl != nil {
		return cmdline, true
	}
	now = r.tpl.Expand(j.Args, j.Seq, 0)
	return now, r.tpl.HasSlot() || now == cmdline
}

// expand renders the command line of job j in slot: with the values of
// the template's perl expressions, if it has any; skip is set when one of
// them called skip().
func (r *Run) expand(j input.Job, slot int) (cmd string, skip bool, err error) {
	if r.perl == nil {
		return r.tpl.Expand(j.Args, j.Seq, slot), false, nil
	}
	res, err := r.perl.Eval(r.ctx, perlexpr.Job{Args: j.Args, Seq: j.Seq, Slot: slot, Total: max(r.total, 0)}, r.tpl.Calls(len(j.Args)))
	if err != nil {
		return "", false, err
	}
	return r.tpl.ExpandPerl(j.Args, j.Seq, slot, res), res.Skip, nil
}

// RunJob runs one job with x, retrying it as --retries says. A job whose
// turn comes after the run was stopped (a halt, a signal) does not start,
// and is passed on as skipped. With limits (-j FILE, --load, --memfree,
// --noswap), it starts once the run's Gate allows, and a job the gate
// kills for memory runs again.
func (r *Run) RunJob(x *job.Executor, j input.Job) *job.Result {
	for {
		if r.stopping.Load() {
			return &job.Result{Seq: j.Seq, Args: j.Args, Skipped: true}
		}
		g := r.gate
		if g != nil {
			if err := g.Wait(r.ctx); err != nil {
				return &job.Result{Seq: j.Seq, Args: j.Args, Skipped: true}
			}
		}
		res, again := r.runOnce(x, j, g)
		if g != nil {
			g.Done()
		}
		if !again {
			return res
		}
		res.Release()
		fmt.Fprintf(r.stderr, "weft: job %d killed: less than half of --memfree is free; it runs again later\n", j.Seq)
	}
}

// runOnce runs job j once (with its --retries); again is set when the
// gate g killed it for memory.
func (r *Run) runOnce(x *job.Executor, j input.Job, g *Gate) (res *job.Result, again bool) {
	slot := r.slots.Get()
	defer r.slots.Put(slot)
	cmd, skip, err := r.expand(j, slot)
	switch {
	case err != nil && r.ctx.Err() != nil: // stopped while its values were evaluated
		return &job.Result{Seq: j.Seq, Args: j.Args, Skipped: true}, false
	case err != nil:
		// A perl expression died: the job fails, and says why.
		fmt.Fprintf(r.stderr, "weft: job %d: %v\n", j.Seq, err)
		return &job.Result{Seq: j.Seq, Args: j.Args, Exit: 255, Start: time.Now(), Stdout: &job.Output{}, Stderr: &job.Output{}}, false
	case skip:
		// skip() in an expression: the job does not run, and counts as
		// failed with exit value -2, as in GNU parallel's joblog.
		return &job.Result{Seq: j.Seq, Args: j.Args, Cmdline: cmd, Exit: -2, Start: time.Now(), Stdout: &job.Output{}, Stderr: &job.Output{}}, false
	}
	if r.c.Trace {
		fmt.Fprintln(r.stderr, cmd)
	}
	r.tally.started.Add(1)
	args := r.tpl.TrimArgs(j.Args) // --tag shows them trimmed, as GNU parallel
	if g == nil {
		return x.RunSlot(r.ctx, j.Seq, slot, args, cmd, nil), false
	}
	ctx, cancel := context.WithCancelCause(r.ctx)
	defer cancel(nil)
	g.track(j.Seq, cancel)
	res = x.RunSlot(ctx, j.Seq, slot, args, cmd, nil)
	g.untrack(j.Seq)
	return res, r.ctx.Err() == nil && errors.Is(context.Cause(ctx), errLowMemory)
}

// Gate returns the gate of the run's limits (-j FILE, --load, --memfree,
// --noswap), nil without any; resize is told each new number of jobs.
// Jobs run with RunJob wait for it.
func (r *Run) Gate(resize func(int)) (*Gate, error) {
	if !r.c.Limits.Active() {
		return nil, nil
	}
	n, err := r.c.CPUs()
	if err != nil {
		return nil, err
	}
	r.gate = NewGate(r.c.Limits, r.c.Jobs, n, r.machine, r.stderr, resize)
	r.gate.stopped = r.stopping.Load
	return r.gate, nil
}

// Done takes a finished (or skipped) job: it counts it and applies --halt
// before it returns (so that a worker of a local run decides before it
// takes another job), then hands it to the printer.
//
// A job that ends after a halt with now (it was stopped, or ended as the
// halt came) is logged, but its output is not printed, as in GNU parallel.
func (r *Run) Done(res *job.Result) {
	r.tally.count(res)
	if !r.checkHalt(res) && r.killed.Load() && !res.Skipped {
		res.Release()
		res.Stdout, res.Stderr = &job.Output{}, &job.Output{}
	}
	r.toPrint <- res
}

// DryRun prints the command line of each job instead of running it, and
// returns the exit status.
func (r *Run) DryRun() int {
	for j, err := range r.inputJobs() {
		if err != nil {
			return r.Fail(err)
		}
		if _, ok := r.resume[j.Seq]; ok {
			continue
		}
		cmd, skip, err := r.expand(j, 1)
		if err != nil {
			return r.Fail(err)
		}
		if !skip {
			if r.c.Trace {
				fmt.Fprintln(r.stderr, cmd) // as GNU parallel: -t prints it on stderr too
			}
			fmt.Fprintln(r.stdout, cmd)
		}
	}
	return 0
}

// shuffle puts the jobs in a random order (--shuf) and numbers them in
// that order, as GNU parallel does.
func shuffle(jobs []input.Job) {
	rand.Shuffle(len(jobs), func(i, k int) { jobs[i], jobs[k] = jobs[k], jobs[i] })
	for i := range jobs {
		jobs[i].Seq = int64(i + 1)
	}
}

// syncWriter serializes the writes to w.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
