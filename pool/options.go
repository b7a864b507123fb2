package pool

import (
	"context"

	"fmt"
	"github.com/weft-dev/weft"
	"time"
)

// DefaultQueue is the queue capacity used when WithQueue is not given: how
// many tasks may wait beyond those that a free worker is about to start.
const DefaultQueue = 1024

// DefaultIdleTimeout is the idle timeout used when WithIdleTimeout is not
// given: a worker that has had no task for between one and two idle timeouts
// exits.
const DefaultIdleTimeout = time.Second

// Option configures a Pool; pass options to New.
type Option func(*config)

type config struct {
	queue   int
	ctx     context.Context
	idle    time.Duration
	repanic bool
	rate    weft.Waiter
	err     error
}

func (c *config) fail(format string, args ...any) {
	if c.err == nil {
		c.err = fmt.Errorf("pool: "+format, args...)
	}
}

// WithQueue sets how many tasks may wait for a worker (>= 0). Go and Submit
// block, and TryGo fails, while that many tasks are waiting. With 0, a task
// is accepted only when a worker is free to start it. The default is
// DefaultQueue.
func WithQueue(capacity int) Option {
	return func(c *config) {
		if capacity < 0 {
			c.fail("queue must be >= 0, got %d", capacity)
		}
		c.queue = capacity
	}
}

// WithContext sets the pool's parent context. Tasks given to Submit receive
// it. When it ends, the pool stops accepting tasks and drops those still
// queued, reporting them through Wait or their Future; running tasks are not
// interrupted beyond seeing their context end.
func WithContext(ctx context.Context) Option {
	return func(c *config) {
		if ctx == nil {
			c.fail("context must not be nil")
		}
		c.ctx = ctx
	}
}

// WithIdleTimeout sets the idle timeout (> 0): a worker that has had no task
// for between one and two idle timeouts exits, so an idle pool owns no
// goroutine. The default is DefaultIdleTimeout.
func WithIdleTimeout(d time.Duration) Option {
	return func(c *config) {
		if d <= 0 {
			c.fail("idle timeout must be > 0, got %v", d)
		}
		c.idle = d
	}
}

// WithRepanic makes Wait and Close panic with the first *weft.PanicError
// among the errors they would return, instead of returning it, so that a
// panicking task crashes the waiting goroutine as it would have crashed the
// program without a pool.
func WithRepanic() Option {
	return func(c *config) { c.repanic = true }
}

// WithRate limits how often tasks start: before running each task, a worker
// waits on lim (a *rate.Limiter, for instance) with the pool's context. If
// that wait fails, the task does not run and is reported, like a dropped
// task, with an error wrapping ErrDropped and the limiter's error.
func WithRate(lim weft.Waiter) Option {
	return func(c *config) {
		if lim == nil {
			c.fail("rate limiter must not be nil")
		}
		c.rate = lim
	}
}
