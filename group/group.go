package group

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/weft-dev/weft"
	"github.com/weft-dev/weft/internal/catch"
	"github.com/weft-dev/weft/internal/engine"
)

// ErrNotStarted is wrapped by the error Wait returns when tasks were not
// started because the group's context had ended.
var ErrNotStarted = errors.New("group: tasks not started")

var errNilTask = errors.New("group: task must not be nil")

// unlimited is the worker limit of a group without WithLimit.
const unlimited = 1 << 30

// idleTimeout is how long a worker of a long-lived group waits for a task
// before it exits; Wait ends every worker anyway.
const idleTimeout = time.Second

// Option configures a Group; pass options to New or NewResults.
type Option func(*config)

type config struct {
	limit   int
	collect bool
	repanic bool
	rate    weft.Waiter
	err     error
}

// WithLimit sets the most tasks that run at once (>= 1).
func WithLimit(n int) Option {
	return func(c *config) {
		if n < 1 && c.err == nil {
			c.err = fmt.Errorf("group: limit must be >= 1, got %d", n)
		}
		c.limit = n
	}
}

// WithCollectAll makes the group run every task whatever the others return,
// and makes Wait return every error joined with errors.Join, instead of
// failing fast on the first.
func WithCollectAll() Option {
	return func(c *config) { c.collect = true }
}

// WithRepanic makes Wait panic with the first *weft.PanicError it would
// return, instead of returning it.
func WithRepanic() Option {
	return func(c *config) { c.repanic = true }
}

// WithRate limits how often tasks start: before running each task, a worker
// waits on lim (a *rate.Limiter, for instance) with the group's context. A
// task whose wait fails does not start and counts as not started.
func WithRate(lim weft.Waiter) Option {
	return func(c *config) {
		if lim == nil && c.err == nil {
			c.err = errors.New("group: rate limiter must not be nil")
		}
		c.rate = lim
	}
}

// Group is a scope of tasks that Wait ends together. Create one with New. A
// Group is safe for concurrent use by multiple goroutines and must not be
// copied.
type Group struct {
	e       *engine.Engine[func(context.Context) error]
	ctx     context.Context
	done    <-chan struct{}
	cancel  context.CancelCauseFunc
	collect bool
	repanic bool
	rate    weft.Waiter

	notStarted atomic.Uint64
	failed     atomic.Uint64
	panicked   atomic.Uint64

	mu    sync.Mutex
	first error   // fail-fast: the error that cancelled the group
	errs  []error // collect-all: every error, in the order they happened
}

// Stats counts what happened to a group's tasks.
type Stats struct {
	Submitted  uint64 // tasks accepted by Go or TryGo
	Completed  uint64 // tasks that returned (or panicked)
	Failed     uint64 // tasks that returned an error
	Panicked   uint64 // tasks that panicked
	NotStarted uint64 // tasks not started because the context had ended
}

// New returns a group whose tasks receive a context derived from ctx. It
// starts no goroutine: workers start as tasks arrive.
func New(ctx context.Context, opts ...Option) (*Group, error) {
	if ctx == nil {
		return nil, errors.New("group: context must not be nil")
	}
	c := config{limit: unlimited}
	for _, o := range opts {
		if o == nil {
			if c.err == nil {
				c.err = errors.New("group: option must not be nil")
			}
			continue
		}
		o(&c)
	}
	if c.err != nil {
		return nil, c.err
	}
	g := &Group{collect: c.collect, repanic: c.repanic, rate: c.rate}
	g.ctx, g.cancel = context.WithCancelCause(ctx)
	g.done = g.ctx.Done()
	queue := c.limit
	if c.limit == unlimited {
		queue = 0
	}
	g.e = engine.New(engine.Config[func(context.Context) error]{
		Workers:     c.limit,
		Queue:       queue,
		IdleTimeout: idleTimeout,
		Run:         g.run,
		Goexit:      func(func(context.Context) error) { g.fail(weft.ErrGoexit) },
	})
	return g, nil
}

// Go runs task in the group, blocking while the limit is reached and the
// queue is full. If the group's context has ended, or ends while Go waits,
// task does not run and is counted as not started. A nil task is reported by
// Wait as an error.
func (g *Group) Go(task func(ctx context.Context) error) {
	if task == nil {
		g.fail(errNilTask)
		return
	}
	select {
	case <-g.done:
		g.notStarted.Add(1)
		return
	default:
	}
	if err := g.e.Push(g.ctx, task, true); err != nil {
		g.notStarted.Add(1)
	}
}

// TryGo runs task in the group if that needs no waiting, and reports
// whether it did. It returns false, and task does not run, if the limit is
// reached and the queue is full, or if the group's context has ended.
func (g *Group) TryGo(task func(ctx context.Context) error) bool {
	if task == nil {
		g.fail(errNilTask)
		return false
	}
	select {
	case <-g.done:
		return false
	default:
	}
	return g.e.Push(g.ctx, task, false) == nil
}

// Wait waits until every task has returned and every goroutine of the group
// has exited, cancels the group's context, and returns the group's error: in
// fail-fast mode the first error, in collect-all mode every error joined; in
// both, an error wrapping ErrNotStarted if tasks did not start and no task
// error is returned in fail-fast mode. Wait must not be called from a task of
// the same group.
func (g *Group) Wait() error {
	_ = g.e.WaitQuiet(context.Background())
	_ = g.e.Retire(context.Background(), true)
	g.mu.Lock()
	first, errs := g.first, g.errs
	g.errs = nil
	g.mu.Unlock()
	g.cancel(first)
	if g.repanic {
		for _, err := range append([]error{first}, errs...) {
			if pe, ok := err.(*weft.PanicError); ok {
				panic(pe)
			}
		}
	}
	if first != nil {
		return first
	}
	if n := g.notStarted.Load(); n > 0 {
		errs = append(errs, fmt.Errorf("%w: %d: %w", ErrNotStarted, n, context.Cause(g.ctx)))
	}
	return errors.Join(errs...)
}

// Stats returns what happened to the group's tasks so far.
func (g *Group) Stats() Stats {
	s := g.e.Stats()
	return Stats{
		Submitted:  s.Submitted,
		Completed:  s.Completed,
		Failed:     g.failed.Load(),
		Panicked:   g.panicked.Load(),
		NotStarted: g.notStarted.Load(),
	}
}

func (g *Group) run(task func(context.Context) error) {
	select {
	case <-g.done:
		g.notStarted.Add(1)
		return
	default:
	}
	if g.rate != nil && g.rate.Wait(g.ctx) != nil {
		g.notStarted.Add(1)
		return
	}
	if err := catch.Ctx(g.ctx, task); err != nil {
		g.fail(err)
	}
}

func (g *Group) fail(err error) {
	if _, ok := err.(*weft.PanicError); ok {
		g.panicked.Add(1)
	} else {
		g.failed.Add(1)
	}
	g.mu.Lock()
	if g.collect {
		g.errs = append(g.errs, err)
		g.mu.Unlock()
		return
	}
	first := g.first == nil
	if first {
		g.first = err
	}
	g.mu.Unlock()
	if first {
		g.cancel(err)
	}
}
