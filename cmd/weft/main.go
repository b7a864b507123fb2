// Command weft runs shell commands in parallel over inputs, in the manner of
// GNU parallel and xargs -P: the worker pool, rate limiting and
// select-with-timeout of the weft library doing real work.
//
//	weft -j 4 'gzip -9 {}' ::: *.log
//	find . -name '*.jpg' | weft --bar 'convert {} {.}.png'
//
// With --nats it runs the same jobs on workers on other machines, through
// NATS JetStream (weft serve embeds a server; weft worker runs the jobs):
//
//	weft worker --nats nats://queue.example:4222 -j 8      # on each worker
//	weft --nats nats://queue.example:4222 -k 'make {}' ::: a b c
//
// See weft --help for every option, weft help SUBCOMMAND for the options of
// each subcommand, and weft.1 for the manual page.
package main

//go:generate sh -c "go run . help --man > weft.1"

import (
	"context"
	"fmt"
	"io"
	"iter"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/weft-dev/weft"
	"github.com/weft-dev/weft/cmd/weft/internal/cli"
	"github.com/weft-dev/weft/cmd/weft/internal/cmdline"
	"github.com/weft-dev/weft/cmd/weft/internal/input"
	"github.com/weft-dev/weft/cmd/weft/internal/job"
	"github.com/weft-dev/weft/cmd/weft/internal/joblog"
	"github.com/weft-dev/weft/cmd/weft/internal/output"
	"github.com/weft-dev/weft/cmd/weft/internal/reaper"
	"github.com/weft-dev/weft/pool"
	"github.com/weft-dev/weft/rate"
)

// newReaper returns a reaper when weft runs as the process's main function
// (a test binary running weft's code in process must not start itself as
// a reaper), else nil.
func newReaper(main bool) *reaper.Reaper {
	if !main {
		return nil
	}
	return &reaper.Reaper{}
}

func main() {
	if len(os.Args) == 2 && os.Args[1] == reaper.Arg {
		os.Exit(reaper.Main(os.Stdin))
	}
	os.Exit(cli.Main(root(), os.Args[1:], cli.Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Main: true}))
}

// root is the weft command and its subcommands.
func root() *cli.Command {
	bind := func() cli.Bound {
		o := defaultOptions()
		return cli.Bound{
			Sections: runSections(o),
			Run:      func(operands []string, env cli.Env) int { return runCommand(o, operands, env) },
		}
	}
	notes := []cli.Note{
		{Title: "Signals", Text: "on SIGINT or SIGTERM weft starts nothing new, sends SIGTERM to each running job's process group, SIGKILL after the grace period, and exits with 130 (SIGINT) or 143 (SIGTERM); a second SIGINT kills the jobs at once. A job is its process group: what it leaves running when its shell exits is killed, and if weft itself is killed (SIGKILL), a helper process it started kills the running jobs' groups."},
		{Title: "Exit status", Text: "0 when every job succeeded; 1-100 the number of failed jobs; 101 for more; with --halt on failures, the failing job's status; 255 for bad usage or other errors (reported before any job starts)."},
		{Title: "Example", Text: "weft -j 4 'echo hello {}' ::: a b c"},
	}
	weft := &cli.Command{
		Name:    "weft",
		Summary: "run a shell command for each input, many at once",
		Usage: []string{
			"weft [options] command [args...] [::: values...] [:::: files...]",
			"producer | weft [options] command",
		},
		Doc:         "weft runs a shell command for each input, many at once.",
		Notes:       notes,
		RunsCommand: true,
		Version:     func() string { return cli.VersionLine("weft") },
		Bind:        bind,
	}
	weft.Subcommands = []*cli.Command{
		{
			Name:        "run",
			Summary:     "the same as weft without it, for a command named like a subcommand",
			Usage:       []string{"weft run [options] command [args...] [::: values...] [:::: files...]"},
			Doc:         "weft run is weft itself: it runs a shell command for each input, many at once. Use it when the command is named like a subcommand of weft (weft run help ::: a).",
			Example:     "weft run --nats $URL 'make {}' ::: a b",
			Notes:       notes,
			RunsCommand: true,
			Bind:        bind,
		},
		workerCommand(),
		serveCommand(),
		cli.HelpCommand(weft),
		cli.CompletionCommand(weft),
		cli.VersionCommand(weft),
	}
	return weft
}

// runCommand runs the command for each input, with the options o and the
// operands (the command, then the ::: and :::: groups); it returns the exit
// status. As the process's main, it handles SIGINT and SIGTERM as its help
// says.
func runCommand(o *options, operands []string, env cli.Env) int {
	if err := o.setOperands(operands); err != nil {
		return cli.Fail(env, err)
	}
	r, err := newRun(o, env.Stdin, env.Stdout, env.Stderr, env.Main)
	if err != nil {
		return cli.Fail(env, err)
	}
	defer r.in.Close()
	if env.Main {
		stop := r.handleSignals()
		defer stop()
	}
	return r.execute()
}

// runState is one run of the command.
type runState struct {
	o              *options
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

	remote atomic.Pointer[remoteRun] // with --nats, once it has started
}

// tally counts the finished jobs. The worker that finished a job counts it,
// before --halt is decided and before that worker takes another job; the
// printer and the exit status read the same counts.
type tally struct{ done, succeeded, failed atomic.Int64 }

// Counts returns the numbers of jobs done and failed so far.
func (t *tally) Counts() (done, failed int64) { return t.done.Load(), t.failed.Load() }

func (t *tally) count(r *job.Result) {
	if r.Skipped {
		return
	}
	t.done.Add(1)
	if r.OK() {
		t.succeeded.Add(1)
	} else {
		t.failed.Add(1)
	}
}

func newRun(o *options, stdin io.Reader, stdout, stderr io.Writer, main bool) (*runState, error) {
	in, err := input.Open(input.Config{Sources: o.groups, Sep: o.sep, Colsep: o.colsep}, stdin)
	if err != nil {
		return nil, err
	}
	r := &runState{o: o, in: in, tpl: cmdline.Parse(o.command), stdout: stdout, stderr: stderr}
	if o.command == "" {
		r.tpl = cmdline.Raw() // the inputs are the commands, as in GNU parallel
	}
	r.procs = job.NewProcs(newReaper(main))
	if o.joblog != "" {
		if o.resume || o.resumeFailed {
			if r.resume, err = joblog.Read(o.joblog); err != nil {
				in.Close()
				return nil, err
			}
		}
		if !o.dryRun {
			if r.joblog, err = joblog.Create(o.joblog, o.resume || o.resumeFailed); err != nil {
				in.Close()
				return nil, err
			}
		}
	}
	r.ctx, r.cancel = context.WithCancel(context.Background())
	return r, nil
}

// handleSignals: the first SIGINT or SIGTERM stops starting jobs and
// terminates the running ones (SIGTERM to each job's process group, SIGKILL
// after the grace period); a second SIGINT kills them all at once.
func (r *runState) handleSignals() (stop func()) {
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		interrupts := 0
		for {
			select {
			case s := <-ch:
				status := int32(130)
				if s == syscall.SIGTERM {
					status = 143
				}
				first := r.sigStatus.CompareAndSwap(0, status)
				r.stopping.Store(true)
				r.cancel()
				if rr := r.remote.Load(); first && rr != nil {
					rr.stop(true)
					// Wait for the workers to report their stopped jobs, but
					// not for ever: a worker may be gone.
					time.AfterFunc(r.o.grace+5*time.Second, rr.giveUp)
				}
				if s == syscall.SIGINT {
					if interrupts++; interrupts > 1 {
						r.procs.KillAll()
						if rr := r.remote.Load(); rr != nil {
							rr.giveUp()
						}
					}
				}
			case <-done:
				return
			}
		}
	})
	return func() {
		signal.Stop(ch)
		close(done)
		wg.Wait()
	}
}

// limiter is the start-rate limit of --rate and --delay, if any.
func (r *runState) limiter() (weft.Waiter, error) {
	var ws multiWaiter
	if r.o.rate > 0 {
		l, err := rate.NewLimiter(rate.PerSecond(r.o.rate), 1)
		if err != nil {
			return nil, err
		}
		ws = append(ws, l)
	}
	if r.o.delay > 0 {
		l, err := rate.NewLimiter(rate.Every(r.o.delay), 1)
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

func (r *runState) execute() int {
	if r.o.dryRun {
		return r.dryRun()
	}
	if r.o.nats != "" {
		return r.executeRemote()
	}
	if r.joblog != nil {
		defer r.joblog.Close()
	}
	opts := []pool.Option{pool.WithQueue(r.o.jobs)}
	lim, err := r.limiter()
	if err != nil {
		fmt.Fprintf(r.stderr, "weft: %v\n", err)
		return 255
	}
	if lim != nil {
		opts = append(opts, pool.WithRate(lim))
	}
	p, err := pool.New(r.o.jobs, opts...)
	if err != nil {
		fmt.Fprintf(r.stderr, "weft: %v\n", err)
		return 255
	}
	results, printed := r.startPrinter(r.o.jobs)
	x := job.NewExecutor(job.Config{
		Timeout: r.o.timeout, Grace: r.o.grace, Tries: r.o.tries, RetryDelay: r.o.retryDelay,
		LineBuffer: r.o.lineBuffer, Ungroup: r.o.ungroup, Tag: r.o.tag,
	}, r.procs, r.stdout, r.stderr)

	inputErr := r.feed(p, x, results)
	p.Close()
	close(results)
	outErr := printed()
	r.cancel()

	switch {
	case inputErr != nil:
		fmt.Fprintf(r.stderr, "weft: %v\n", inputErr)
		return 255
	case outErr != nil:
		fmt.Fprintf(r.stderr, "weft: writing output: %v\n", outErr)
		return 255
	}
	return r.exitStatus()
}

// startPrinter starts the goroutine that prints finished jobs. Once results
// is closed, printed waits for the last one to be printed, draws the final
// progress line, and returns the first error in writing the output.
func (r *runState) startPrinter(buffer int) (results chan<- *job.Result, printed func() error) {
	pr := output.New(output.Config{
		Keep: r.o.keep, Tag: r.o.tag, Streamed: r.o.lineBuffer || r.o.ungroup,
		Progress: r.o.bar || r.o.eta, Total: input.Config{Sources: r.o.groups}.Total(),
	}, r.stdout, r.stderr, r.joblog, &r.tally)
	ch := make(chan *job.Result, buffer)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for res := range ch {
			pr.Add(res)
		}
	}()
	return ch, func() error {
		<-done
		return pr.Finish()
	}
}

// exitStatus is the status of a run that ended without error: the signal's,
// the halting job's, or the number of failed jobs.
func (r *runState) exitStatus() int {
	if s := r.sigStatus.Load(); s != 0 {
		return int(s)
	}
	if h := r.haltExit.Load(); h != 0 {
		return int(h - 1)
	}
	return int(min(r.tally.failed.Load(), 101))
}

// feed reads the jobs and hands them to the pool, until the input ends or
// the run is stopped.
func (r *runState) feed(p *pool.Pool, x *job.Executor, results chan<- *job.Result) error {
	for j, err := range r.toRun(results) {
		if err != nil {
			return err
		}
		err := p.Go(func() {
			res := r.runJob(x, j)
			r.tally.count(res)
			r.checkHalt(res) // before this worker takes another job
			results <- res
		})
		if err != nil {
			return nil // stopped
		}
	}
	return nil
}

// toRun yields the jobs to run, until the input ends or the run is stopped;
// jobs recorded in the joblog being resumed are passed to results as
// skipped instead.
func (r *runState) toRun(results chan<- *job.Result) iter.Seq2[input.Job, error] {
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
				if err := r.checkLogged(j, done); err != nil {
					yield(j, err)
					return
				}
				if !r.o.resumeFailed || (done.Exit == 0 && done.Signal == 0) {
					results <- &job.Result{Seq: j.Seq, Args: j.Args, Skipped: true}
					continue
				}
			}
			if !yield(j, nil) {
				return
			}
		}
	}
}

// checkLogged makes sure that a joblog being resumed belongs to this command.
func (r *runState) checkLogged(j input.Job, done joblog.Entry) error {
	if r.tpl.HasSlot() {
		return nil // the slot number varies from run to run
	}
	if want := r.tpl.Expand(j.Args, j.Seq, 0); want != done.Command {
		return fmt.Errorf("joblog %s does not match this command: job %d ran %q, but would now run %q", r.o.joblog, j.Seq, done.Command, want)
	}
	return nil
}

// runJob runs one job, retrying it as --retries says. A job whose turn
// comes after the run was stopped (a halt, a signal) does not start, and is
// passed on as skipped.
func (r *runState) runJob(x *job.Executor, j input.Job) *job.Result {
	if r.stopping.Load() {
		return &job.Result{Seq: j.Seq, Args: j.Args, Skipped: true}
	}
	slot := r.slots.Get()
	defer r.slots.Put(slot)
	return x.Run(r.ctx, j.Seq, j.Args, r.tpl.Expand(j.Args, j.Seq, slot))
}

// checkHalt applies --halt after each finished job.
func (r *runState) checkHalt(res *job.Result) {
	h := r.o.halt
	// Only a job of the kind counted can trigger the halt, so that the exit
	// status is that job's.
	if h == nil || res.Skipped || res.OK() != h.success {
		return
	}
	n := r.tally.failed.Load()
	if h.success {
		n = r.tally.succeeded.Load()
	}
	hit := (h.count > 0 && n >= int64(h.count)) ||
		(h.percent > 0 && float64(n)*100/float64(r.tally.done.Load()) >= h.percent)
	if !hit || !r.stopping.CompareAndSwap(false, true) {
		return
	}
	status := 0
	if !h.success {
		status = res.Exit
		if res.Signal != 0 || status < 0 {
			status = 128 + res.Signal
		}
	}
	r.haltExit.Store(int32(status) + 1)
	fmt.Fprintf(r.stderr, "weft: halting after job %d (%s)\n", res.Seq, res.Cmdline)
	if h.now {
		r.cancel()
	}
	if rr := r.remote.Load(); rr != nil {
		rr.stop(h.now)
	}
}

func (r *runState) dryRun() int {
	for j, err := range r.in.Jobs() {
		if err != nil {
			fmt.Fprintf(r.stderr, "weft: %v\n", err)
			return 255
		}
		if _, ok := r.resume[j.Seq]; ok {
			continue
		}
		fmt.Fprintln(r.stdout, r.tpl.Expand(j.Args, j.Seq, 1))
	}
	return 0
}
