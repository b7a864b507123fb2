package pool

import (
	"context"
	"errors"

	"github.com/weft-dev/weft/internal/catch"
)

// Future is the result of a function run by Call. Its methods are safe for
// concurrent use by multiple goroutines.
type Future[T any] struct {
	f    func(context.Context) (T, error)
	done chan struct{}
	val  T
	err  error
}

// Call queues f on p, waiting for room until ctx ends, and returns a Future
// for its result. If f cannot be queued (ctx ended, the pool is closed, f is
// nil), the Future is already done and holds that error. If f panics, the
// Future holds the *weft.PanicError. The error or panic of f is reported by
// the Future only, not by the pool's Wait.
func Call[T any](ctx context.Context, p *Pool, f func(context.Context) (T, error)) *Future[T] {
	fu := &Future[T]{f: f, done: make(chan struct{})}
	if f == nil {
		p.refused.Add(1)
		fu.drop(errors.New("pool: function must not be nil"))
		return fu
	}
	if err := p.push(ctx, fu); err != nil {
		fu.drop(err)
	}
	return fu
}

// Wait waits until the function has returned, or ctx ends, and returns its
// result. When ctx ends first, Wait returns ctx.Err() and the function keeps
// its place in the pool; a later Wait can still collect the result.
func (fu *Future[T]) Wait(ctx context.Context) (T, error) {
	select {
	case <-fu.done:
		return fu.val, fu.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

// Done returns a channel that is closed when the result is ready.
func (fu *Future[T]) Done() <-chan struct{} { return fu.done }

func (fu *Future[T]) run(ctx context.Context) error {
	var v T
	err := catch.Err(func() (err error) {
		v, err = fu.f(ctx)
		return err
	})
	fu.val, fu.err = v, err
	close(fu.done)
	return err
}

func (fu *Future[T]) drop(err error) {
	fu.err = err
	close(fu.done)
}
