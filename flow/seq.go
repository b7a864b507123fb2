package flow

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/weft-dev/weft"
	"github.com/weft-dev/weft/internal/catch"
)

// Filter yields the values of in for which keep returns true, in order, on
// the consumer's goroutine. An error or panic of keep is yielded in place of
// the value, and the stream goes on.
func Filter[T any](ctx context.Context, in Stream[T], keep func(context.Context, T) (bool, error)) Stream[T] {
	if keep == nil || in == nil {
		return fail[T](errors.New("flow: Filter needs an input and a function"))
	}
	return func(yield func(T, error) bool) {
		for v, err := range in {
			var ok bool
			if err == nil {
				err = catch.Err(func() (err error) {
					ok, err = keep(ctx, v)
					return err
				})
			}
			if err != nil {
				var zero T
				if !yield(zero, err) {
					return
				}
				continue
			}
			if ok && !yield(v, nil) {
				return
			}
		}
	}
}

// Unbatch yields the elements of each slice of in, in order.
func Unbatch[T any](in Stream[[]T]) Stream[T] {
	return func(yield func(T, error) bool) {
		for vs, err := range in {
			if err != nil {
				var zero T
				if !yield(zero, err) {
					return
				}
				continue
			}
			for _, v := range vs {
				if !yield(v, nil) {
					return
				}
			}
		}
	}
}

// Batch groups the values of in into slices of size values. A batch is
// yielded when it is full or, if maxWait > 0, when maxWait has passed since
// its first value arrived, whichever comes first; the last batch may be
// shorter; no batch is ever empty. An error from in ends the current batch:
// the batch is yielded, then the error. With maxWait > 0, Batch ranges over in
// on a goroutine of its own, which exits before the consumer's loop returns.
func Batch[T any](in Stream[T], size int, maxWait time.Duration) Stream[[]T] {
	switch {
	case in == nil:
		return fail[[]T](errors.New("flow: input stream must not be nil"))
	case size < 1:
		return fail[[]T](fmt.Errorf("flow: batch size must be >= 1, got %d", size))
	case maxWait < 0:
		return fail[[]T](fmt.Errorf("flow: batch maxWait must be >= 0, got %v", maxWait))
	case maxWait == 0:
		return batchBySize(in, size)
	}
	return func(yield func([]T, error) bool) {
		type item struct {
			v   T
			err error
		}
		items := make(chan item)
		stop := make(chan struct{})
		fed := make(chan struct{})
		go func() {
			defer close(fed)
			defer close(items)
			send := func(it item) bool {
				select {
				case items <- it:
					return true
				case <-stop:
					return false
				}
			}
			err := catch.Func(func() {
				for v, err := range in {
					if !send(item{v, err}) {
						return
					}
				}
			})
			if err != nil {
				send(item{err: err})
			}
		}()
		defer func() {
			close(stop)
			<-fed
		}()

		timer := time.NewTimer(maxWait)
		timer.Stop()
		defer timer.Stop()
		var (
			batch   []T
			expired <-chan time.Time // the timer's channel while a batch is open
		)
		flush := func() bool {
			expired = nil
			if len(batch) == 0 {
				return true
			}
			b := batch
			batch = make([]T, 0, size)
			return yield(b, nil)
		}
		for {
			select {
			case it, ok := <-items:
				switch {
				case !ok:
					flush()
					return
				case it.err != nil:
					if !flush() || !yield(nil, it.err) {
						return
					}
				default:
					if len(batch) == 0 {
						timer.Reset(maxWait)
						expired = timer.C
					}
					batch = append(batch, it.v)
					if len(batch) == size && !flush() {
						return
					}
				}
			case <-expired:
				if !flush() {
					return
				}
			}
		}
	}
}

func batchBySize[T any](in Stream[T], size int) Stream[[]T] {
	return func(yield func([]T, error) bool) {
		batch := make([]T, 0, size)
		for v, err := range in {
			if err != nil {
				if len(batch) > 0 && !yield(batch, nil) {
					return
				}
				batch = make([]T, 0, size)
				if !yield(nil, err) {
					return
				}
				continue
			}
			batch = append(batch, v)
			if len(batch) == size {
				if !yield(batch, nil) {
					return
				}
				batch = make([]T, 0, size)
			}
		}
		if len(batch) > 0 {
			yield(batch, nil)
		}
	}
}

// Waiter is what Throttle needs of a rate limiter: a Wait that blocks until
// the next event is allowed or ctx ends. *rate.Limiter satisfies it, and so
// does golang.org/x/time/rate's Limiter.
type Waiter = weft.Waiter

// Throttle yields the values of in no faster than lim allows: it waits on lim
// before yielding each value. If the wait fails (ctx ended, or the limiter
// refuses), the error is yielded and the stream ends. Errors from in pass
// through without waiting.
func Throttle[T any](ctx context.Context, in Stream[T], lim Waiter) Stream[T] {
	if in == nil || lim == nil {
		return fail[T](errors.New("flow: Throttle needs an input and a limiter"))
	}
	return func(yield func(T, error) bool) {
		for v, err := range in {
			if err == nil {
				if werr := lim.Wait(ctx); werr != nil {
					var zero T
					yield(zero, werr)
					return
				}
			}
			if !yield(v, err) {
				return
			}
		}
	}
}
