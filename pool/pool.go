package pool

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/weft-dev/weft"
	"github.com/weft-dev/weft/internal/catch"
	"github.com/weft-dev/weft/internal/engine"
)

var (
	// ErrClosed is returned for a task given to a pool after Close, or
	// after its parent context ended (the error then also wraps the
	// context's cause).
	ErrClosed = errors.New("pool: closed")

	// ErrQueueFull is returned by TryGo when the queue has no room.
	ErrQueueFull = errors.New("pool: queue full")

	// ErrDropped is wrapped by the error that reports queued tasks dropped
	// because the pool's parent context ended.
	ErrDropped = errors.New("pool: queued task dropped")

	errNilTask = errors.New("pool: task must not be nil")
)

// Pool runs tasks on a bounded set of reusable worker goroutines. Create one
// with New. A Pool is safe for concurrent use by multiple goroutines and must
// not be copied.
type Pool struct {
	e       *engine.Engine[any]
	ctx     context.Context
	stopCtx func() bool
	repanic bool
	rate    weft.Waiter

	failed   atomic.Uint64
	panicked atomic.Uint64
	refused  atomic.Uint64 // tasks rejected before reaching the queue

	mu   sync.Mutex
	errs []error // reported by the next Wait or Close
}

// job is a task that reports its own outcome (a Future).
type job interface {
	run(ctx context.Context) error
	drop(err error)
}

// taskBatch is the most queued tasks a worker takes at once: one lock per
// batch instead of one per task, while a free worker still takes the
// tasks of a batch that have not started (see engine.Config.Batch). With
// 100 submitters, BenchmarkGo measured 16 at 1.11-1.14x the channel pool,
// 64 at about 0.75x, 128 at 0.68-0.76x and 256 at about 0.74x.
const taskBatch = 128

// New returns a pool that runs at most workers tasks at once. It starts no
// goroutine: workers start as tasks arrive.
func New(workers int, opts ...Option) (*Pool, error) {
	if workers < 1 {
		return nil, fmt.Errorf("pool: workers must be >= 1, got %d", workers)
	}
	c := config{queue: DefaultQueue, ctx: context.Background(), idle: DefaultIdleTimeout}
	for _, o := range opts {
		if o == nil {
			c.fail("option must not be nil")
			continue
		}
		o(&c)
	}
	if c.err != nil {
		return nil, c.err
	}
	p := &Pool{ctx: c.ctx, repanic: c.repanic, rate: c.rate}
	p.e = engine.New(engine.Config[any]{
		Workers:     workers,
		Queue:       c.queue,
		IdleTimeout: c.idle,
		Run:         p.run,
		Goexit:      p.goexit,
		Batch:       taskBatch,
	})
	p.stopCtx = context.AfterFunc(c.ctx, p.cancelled)
	return p, nil
}

// Go queues task, blocking while the queue is full. It returns ErrClosed,
// without running task, if the pool is closed. A panic in task is reported
// by Wait.
func (p *Pool) Go(task func()) error {
	if task == nil {
		p.refused.Add(1)
		return errNilTask
	}
	return p.e.Push(context.Background(), task, true)
}

// TryGo queues task if there is room now, and returns ErrQueueFull at once
// if there is not. It returns ErrClosed if the pool is closed.
func (p *Pool) TryGo(task func()) error {
	if task == nil {
		p.refused.Add(1)
		return errNilTask
	}
	err := p.e.Push(context.Background(), task, false)
	if err == engine.ErrFull {
		return ErrQueueFull
	}
	return err
}

// Submit queues task, waiting for room until ctx ends; it then returns an
// error wrapping ctx.Err() and the task never runs. The task receives the
// pool's context (see WithContext). Its error, or its panic, is reported by
// Wait.
func (p *Pool) Submit(ctx context.Context, task func(context.Context) error) error {
	if task == nil {
		p.refused.Add(1)
		return errNilTask
	}
	return p.push(ctx, task)
}

// push queues t, blocking until there is room or ctx ends.
func (p *Pool) push(ctx context.Context, t any) error {
	if ctx == nil {
		p.refused.Add(1)
		return errors.New("pool: context must not be nil")
	}
	if err := ctx.Err(); err != nil {
		p.refused.Add(1)
		return fmt.Errorf("pool: not queued: %w", err)
	}
	err := p.e.Push(ctx, t, true)
	if err != nil && (err == ctx.Err()) {
		return fmt.Errorf("pool: not queued: %w", err)
	}
	return err
}

// Wait waits until no task is queued or running and no Go, Submit or Call
// is blocked waiting for room, and returns the errors and panics of the tasks
// that finished since the previous Wait or Close and reported none elsewhere,
// joined with errors.Join, or nil. Tasks submitted while Wait waits may or
// may not be waited for. Wait must not be called from a task of the same
// pool.
func (p *Pool) Wait() error {
	_ = p.e.WaitQuiet(context.Background())
	return p.take()
}

// Close stops accepting tasks, runs those already queued, waits until every
// worker goroutine has exited, and returns what Wait would. Close is
// idempotent: later calls return nil. It is safe to call concurrently with Go
// and Submit, which then return ErrClosed, but not from a task of the same
// pool.
func (p *Pool) Close() error {
	p.e.Stop(ErrClosed)
	_ = p.e.Retire(context.Background(), false)
	p.stopCtx()
	return p.take()
}

// Resize sets the number of workers (>= 1) while the pool runs. Surplus
// workers exit after their current task.
func (p *Pool) Resize(workers int) error {
	if workers < 1 {
		return fmt.Errorf("pool: workers must be >= 1, got %d", workers)
	}
	p.e.Resize(workers)
	return nil
}

func (p *Pool) run(t any) {
	if p.rate != nil {
		if err := p.rate.Wait(p.ctx); err != nil {
			p.skip(t, fmt.Errorf("%w: waiting for the rate limiter: %w", ErrDropped, err))
			return
		}
	}
	var err error
	switch f := t.(type) {
	case func():
		err = catch.Func(f)
	case func(context.Context) error:
		err = catch.Ctx(p.ctx, f)
	case job:
		p.count(f.run(p.ctx))
		return
	}
	if err != nil {
		p.count(err)
		p.record(err)
	}
}

func (p *Pool) goexit(t any) { p.skip(t, weft.ErrGoexit) }

// skip reports a task that did not run to its end, to its Future or to Wait.
func (p *Pool) skip(t any, err error) {
	if j, ok := t.(job); ok {
		j.drop(err)
	} else {
		p.record(err)
	}
	p.count(err)
}

func (p *Pool) count(err error) {
	if err == nil {
		return
	}
	if _, ok := err.(*weft.PanicError); ok {
		p.panicked.Add(1)
	} else {
		p.failed.Add(1)
	}
}

func (p *Pool) record(err error) {
	p.mu.Lock()
	p.errs = append(p.errs, err)
	p.mu.Unlock()
}

func (p *Pool) take() error {
	p.mu.Lock()
	errs := p.errs
	p.errs = nil
	p.mu.Unlock()
	if p.repanic {
		for _, err := range errs {
			if pe, ok := err.(*weft.PanicError); ok {
				panic(pe)
			}
		}
	}
	return errors.Join(errs...)
}

// cancelled runs when the parent context ends: stop accepting, drop the
// queue and tell each dropped task's submitter.
func (p *Pool) cancelled() {
	cause := context.Cause(p.ctx)
	p.e.Stop(fmt.Errorf("%w: %w", ErrClosed, cause))
	p.e.Drop(func(ts []any) {
		plain := 0
		for _, t := range ts {
			if j, ok := t.(job); ok {
				j.drop(fmt.Errorf("%w: %w", ErrDropped, cause))
			} else {
				plain++
			}
		}
		if plain > 0 {
			p.record(fmt.Errorf("%w: %d tasks: %w", ErrDropped, plain, cause))
		}
	})
}
