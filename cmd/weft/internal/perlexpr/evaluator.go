package perlexpr

import (
	"bufio"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"sync"
	"syscall"
	"time"
)

//go:embed helper.pl
var helperScript string

// closeGrace is how long Close waits for an idle perl to exit after its
// input ends before it kills it.
const closeGrace = 5 * time.Second

// Job is what an expression sees of one job.
type Job struct {
	// Args are the job's arguments: $_ is one of them, and @arg holds them
	// all from $arg[1]. A job without arguments is evaluated with one empty
	// argument, as in GNU parallel.
	Args []string
	// Seq is the job's sequence number: seq() and $job->seq().
	Seq int64
	// Slot is the job's slot number: slot() and $job->slot().
	Slot int
	// Total is the number of jobs in the run: total_jobs(). 0 means not
	// known, and total_jobs() then dies; see Parser.NeedsTotal.
	Total int64
}

// Call asks for one expression evaluated on one argument.
type Call struct {
	// Expr indexes the expressions given to Start.
	Expr int
	// Arg indexes Job.Args.
	Arg int
}

// Value is what an expression yielded.
type Value struct {
	// Text is the value of $_ after the expression ran, as bytes (a string
	// holding characters above 255 is encoded as UTF-8).
	Text string
	// Unquoted is set when the expression called uq(): the value goes into
	// the command as it is. Otherwise it is shell-quoted like any input.
	Unquoted bool
}

// Result is what Eval returns for one job.
type Result struct {
	// Values holds one value per call, in the order of the calls.
	Values []Value
	// Skip is set when an expression called skip(): the job must not run.
	Skip  bool
	calls []Call
}

// Value returns the value of expression expr on argument arg, and false
// when the calls did not ask for it.
func (r Result) Value(expr, arg int) (Value, bool) {
	i := slices.Index(r.calls, Call{Expr: expr, Arg: arg})
	if i < 0 {
		return Value{}, false
	}
	return r.Values[i], true
}

// Option configures an Evaluator; pass options to Start.
type Option func(*config)

type config struct {
	perl   string
	stderr io.Writer
}

// WithPerl sets the perl program to run: a path, or a name looked up in
// PATH. The default is "perl".
func WithPerl(perl string) Option { return func(c *config) { c.perl = perl } }

// WithStderr sets where perl's standard error goes: what an expression
// prints or warns (its standard output goes there too, since perl's own
// carries the protocol). The default is os.Stderr.
func WithStderr(w io.Writer) Option { return func(c *config) { c.stderr = w } }

// Evaluator evaluates a run's perl expressions in one long-lived perl
// process. It is safe for concurrent use by multiple goroutines: their
// requests are written one after another and pipelined, and perl answers
// them in order.
//
// Most of a job's evaluation is waking perl and then the caller; requests
// from several goroutines overlap. BenchmarkEval measures it, in the same
// run, against a bare 4-byte round trip to a perl process (the floor) and
// against starting perl -e for each job.
//
// The perl process dies with the Evaluator (Close), and with weft itself:
// it is killed if weft's thread that started it ends (Pdeathsig), and exits
// when its input closes.
type Evaluator struct {
	exprs []Expr
	cmd   *exec.Cmd
	w     *os.File // perl's stdin
	r     *os.File // perl's stdout
	br    *bufio.Reader

	wsem chan struct{} // held while a request is written

	dl      sync.Mutex // orders a cancelled write's deadline with its end
	writing bool

	mu    sync.Mutex
	queue []*waiter // written, waiting for their replies, in order
	err   error     // set once no request can succeed any more

	done      chan struct{} // closed when the reader has exited
	closeOnce sync.Once
	closeErr  error
}

type waiter struct {
	ch    chan reply
	calls []Call
}

type reply struct {
	res Result
	err error
}

var waiters = sync.Pool{New: func() any { return &waiter{ch: make(chan reply, 1)} }}

var frames = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// Start starts perl, compiles every expression and returns the Evaluator.
// With no expressions it starts nothing and returns an Evaluator that
// evaluates nothing. It fails with a *CompileError naming the first
// expression that does not compile, and with an error naming the first
// expression (wrapping exec.ErrNotFound) when perl is not installed. ctx
// bounds the start only.
func Start(ctx context.Context, exprs []Expr, opts ...Option) (*Evaluator, error) {
	cfg := config{perl: "perl", stderr: os.Stderr}
	for _, o := range opts {
		o(&cfg)
	}
	e := &Evaluator{exprs: slices.Clone(exprs)}
	if len(exprs) == 0 {
		return e, nil
	}
	path, err := exec.LookPath(cfg.perl)
	if err != nil {
		return nil, fmt.Errorf("%s needs perl, which is not installed (%w): install perl, or use only replacement strings without perl", exprs[0].Text, err)
	}
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("perlexpr: %w", err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, fmt.Errorf("perlexpr: %w", err)
	}
	cmd := exec.Command(path, "-e", helperScript)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, cfg.stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	err = cmd.Start()
	inR.Close()
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		return nil, fmt.Errorf("perlexpr: starting %s: %w", path, err)
	}
	e.cmd, e.w, e.r = cmd, inW, outR
	e.br = bufio.NewReaderSize(outR, 64<<10)
	e.wsem = make(chan struct{}, 1)
	e.done = make(chan struct{})

	stop := context.AfterFunc(ctx, func() { cmd.Process.Kill() })
	err = e.compile()
	if !stop() {
		err = ctx.Err()
	}
	if err != nil {
		e.w.Close()
		cmd.Process.Kill()
		cmd.Wait()
		e.r.Close()
		return nil, err
	}
	go e.read()
	return e, nil
}

func (e *Evaluator) compile() error {
	frame, err := appendCompile(nil, e.exprs)
	if err != nil {
		return err
	}
	if _, err := e.w.Write(frame); err != nil {
		return fmt.Errorf("perlexpr: perl did not start: %w", err)
	}
	p, err := readFrame(e.br, nil)
	if err != nil {
		return fmt.Errorf("perlexpr: perl did not start: %w", err)
	}
	c := cursor{p: p}
	switch c.byte() {
	case 0:
		if !c.bad && len(c.p) == 0 {
			return nil
		}
	case 1:
		i, msg := c.uint32(), c.string()
		if !c.bad && int(i) < len(e.exprs) {
			return &CompileError{Expr: e.exprs[i], Msg: msg}
		}
	}
	return fmt.Errorf("perlexpr: %w", errFrame)
}

// Eval evaluates the calls for one job and returns their values. It blocks
// until perl has answered, or ctx ends (then it returns ctx.Err(), and
// perl's answer is dropped when it comes). When an expression dies, Eval
// returns an *EvalError and the Evaluator stays usable; when perl itself
// has died, every Eval returns an error saying so.
//
// A job's calls travel in one request: pass them all at once (see
// Template.AppendCalls).
func (e *Evaluator) Eval(ctx context.Context, job Job, calls []Call) (Result, error) {
	if len(calls) == 0 {
		return Result{}, nil
	}
	args := job.Args
	if len(args) == 0 {
		args = []string{""}
	}
	for _, c := range calls {
		if c.Expr < 0 || c.Expr >= len(e.exprs) || c.Arg < 0 || c.Arg >= len(args) {
			return Result{}, fmt.Errorf("perlexpr: call %+v out of range: %d expressions, %d arguments", c, len(e.exprs), len(args))
		}
	}
	bp := frames.Get().(*[]byte)
	frame, err := appendJob((*bp)[:0], job, args, calls)
	if err != nil {
		return Result{}, err
	}
	w := waiters.Get().(*waiter)
	w.calls = calls
	err = e.send(ctx, frame, w)
	if cap(frame) <= 64<<10 {
		*bp = frame
		frames.Put(bp)
	}
	if err != nil {
		return Result{}, err
	}
	select {
	case r := <-w.ch:
		w.calls = nil
		waiters.Put(w)
		return r.res, r.err
	case <-ctx.Done():
		return Result{}, ctx.Err() // w is dropped: its reply will land in its buffer
	}
}

// send writes a request and queues its waiter, in the same order.
func (e *Evaluator) send(ctx context.Context, frame []byte, w *waiter) error {
	select {
	case e.wsem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-e.wsem }()
	e.mu.Lock()
	if e.err != nil {
		err := e.err
		e.mu.Unlock()
		return err
	}
	e.queue = append(e.queue, w)
	e.mu.Unlock()

	n, err := e.write(ctx, frame)
	if err == nil {
		return nil
	}
	if n == 0 && errors.Is(err, os.ErrDeadlineExceeded) {
		// Nothing went out: take the request back (it is the last one
		// queued, since this goroutine holds wsem).
		e.mu.Lock()
		if k := len(e.queue) - 1; k >= 0 && e.queue[k] == w {
			e.queue[k] = nil
			e.queue = e.queue[:k]
		}
		e.mu.Unlock()
		return ctx.Err()
	}
	// Part of a frame, or none because perl is gone or Close was called:
	// the stream is lost.
	err = e.fail(fmt.Errorf("perlexpr: writing to perl: %w", err))
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// write writes a frame; when ctx ends first, the write is cut short.
func (e *Evaluator) write(ctx context.Context, frame []byte) (int, error) {
	if ctx.Done() == nil {
		return e.w.Write(frame)
	}
	e.dl.Lock()
	e.writing = true
	e.dl.Unlock()
	stop := context.AfterFunc(ctx, func() {
		e.dl.Lock()
		if e.writing {
			e.w.SetWriteDeadline(time.Unix(1, 0))
		}
		e.dl.Unlock()
	})
	n, err := e.w.Write(frame)
	e.dl.Lock()
	e.writing = false
	e.dl.Unlock()
	if !stop() {
		e.w.SetWriteDeadline(time.Time{})
	}
	return n, err
}

// fail records why no request can succeed any more, unless a reason was
// recorded before, kills perl and returns the reason; the reader then hands
// it to every request still waiting.
func (e *Evaluator) fail(err error) error {
	e.mu.Lock()
	if e.err == nil {
		e.err = err
	}
	err = e.err
	e.mu.Unlock()
	e.cmd.Process.Kill()
	return err
}

// read hands each reply to the request it answers, in order, until perl's
// output ends.
func (e *Evaluator) read() {
	defer close(e.done)
	var buf []byte
	var err error
	for {
		if buf, err = readFrame(e.br, buf); err != nil {
			break
		}
		e.mu.Lock()
		if len(e.queue) == 0 {
			e.mu.Unlock()
			err = errFrame
			break
		}
		w := e.queue[0]
		e.queue[0] = nil
		e.queue = e.queue[1:]
		e.mu.Unlock()
		r, derr := e.decode(buf, w.calls)
		w.ch <- r
		if derr != nil {
			err = derr
			break
		}
	}
	if err != io.EOF {
		e.cmd.Process.Kill() // it talks nonsense, or cannot be read
	}
	werr := e.cmd.Wait()
	e.mu.Lock()
	if e.err == nil {
		why := werr
		if why == nil || err == errFrame {
			why = err
		}
		e.err = fmt.Errorf("perlexpr: perl exited: %v", why)
	}
	pending, ferr := e.queue, e.err
	e.queue = nil
	e.mu.Unlock()
	for _, w := range pending {
		w.ch <- reply{err: ferr}
	}
}

func (e *Evaluator) decode(p []byte, calls []Call) (reply, error) {
	c := cursor{p: p}
	status, skip := c.byte(), c.byte()
	switch status {
	case 0:
		vals := make([]Value, len(calls))
		for i := range vals {
			flags := c.byte()
			vals[i] = Value{Text: c.string(), Unquoted: flags&1 != 0}
		}
		if !c.bad && len(c.p) == 0 {
			return reply{res: Result{Values: vals, Skip: skip != 0, calls: calls}}, nil
		}
	case 1:
		k, msg := c.uint32(), c.string()
		if !c.bad && int(k) < len(calls) {
			call := calls[k]
			return reply{err: &EvalError{Expr: e.exprs[call.Expr], Arg: call.Arg, Msg: msg}}, nil
		}
	}
	err := fmt.Errorf("perlexpr: %w", errFrame)
	return reply{err: err}, err
}

// Close stops perl and waits for it and for the goroutine that reads its
// replies. Calls still waiting get ErrClosed (perl is then killed rather
// than left to finish them); later calls too. Close returns why perl had
// died before, if it had. It is safe to call more than once.
func (e *Evaluator) Close() error {
	if e.cmd == nil {
		return nil
	}
	e.closeOnce.Do(func() {
		e.mu.Lock()
		busy := len(e.queue) > 0
		if e.err == nil {
			e.err = ErrClosed
		} else {
			e.closeErr = e.err
		}
		e.mu.Unlock()
		e.w.Close()
		if busy {
			e.cmd.Process.Kill()
		}
		t := time.AfterFunc(closeGrace, func() { e.cmd.Process.Kill() })
		<-e.done
		t.Stop()
		e.r.Close()
	})
	return e.closeErr
}
