package flow

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"sync"

	"github.com/weft-dev/weft/internal/catch"
)

type item[T any] struct {
	v   T
	err error
}

// Merge ranges over every input concurrently, each on a goroutine of its
// own, and yields their elements as they come (fan-in). Elements of one input
// keep their order. When the consumer stops, every input is stopped and every
// goroutine has exited before the loop returns; if ctx ends first, the
// stream ends with the context's error.
func Merge[T any](ctx context.Context, ins ...Stream[T]) Stream[T] {
	for _, in := range ins {
		if in == nil {
			return fail[T](errors.New("flow: input stream must not be nil"))
		}
	}
	return func(yield func(T, error) bool) {
		ctx, cancel := context.WithCancelCause(ctx)
		items := make(chan item[T])
		var wg sync.WaitGroup
		for _, in := range ins {
			wg.Go(func() {
				send := func(it item[T]) bool {
					select {
					case items <- it:
						return true
					case <-ctx.Done():
						return false
					}
				}
				err := catch.Func(func() {
					for v, err := range in {
						if !send(item[T]{v, err}) {
							return
						}
					}
				})
				if err != nil {
					send(item[T]{err: err})
				}
			})
		}
		go func() {
			wg.Wait()
			close(items)
		}()
		defer func() {
			cancel(errStopped)
			for range items { // wait for every input's goroutine, and the closer
			}
		}()
		for {
			select {
			case it, ok := <-items:
				if !ok || !yield(it.v, it.err) {
					return
				}
			case <-ctx.Done():
				var zero T
				yield(zero, context.Cause(ctx))
				return
			}
		}
	}
}

// Tee broadcasts in to n branches: every branch yields every element of in,
// in order. Range every branch, each on its own goroutine: Tee starts ranging
// over in once all n branches have started, and a branch that falls more than
// buffer elements behind holds the others back, so a branch that is never
// ranged stalls the rest until ctx ends (they then end with the context's
// error). A branch that stops early is dropped and the others go on; when the
// last branch stops, in is stopped and Tee's goroutine has exited before that
// branch's loop returns.
func Tee[T any](ctx context.Context, in Stream[T], n, buffer int) []Stream[T] {
	if in == nil || n < 1 || buffer < 0 {
		err := fmt.Errorf("flow: Tee needs an input, n >= 1 and buffer >= 0, got n=%d buffer=%d", n, buffer)
		out := make([]Stream[T], max(n, 1))
		for i := range out {
			out[i] = fail[T](err)
		}
		return out
	}
	t := &tee[T]{in: in, n: n, all: make(chan struct{}), fed: make(chan struct{})}
	t.ctx, t.cancel = context.WithCancelCause(ctx)
	out := make([]Stream[T], n)
	for i := range out {
		b := &branch[T]{ch: make(chan item[T], buffer), gone: make(chan struct{})}
		t.branches = append(t.branches, b)
		out[i] = t.stream(b)
	}
	return out
}

type tee[T any] struct {
	in       Stream[T]
	n        int
	ctx      context.Context
	cancel   context.CancelCauseFunc
	branches []*branch[T]
	all      chan struct{} // closed when every branch has started
	fed      chan struct{} // closed when the feeder has exited

	mu      sync.Mutex
	started int
	left    int
}

type branch[T any] struct {
	ch      chan item[T]
	gone    chan struct{} // closed when the branch stops
	started bool
}

func (t *tee[T]) stream(b *branch[T]) Stream[T] {
	return func(yield func(T, error) bool) {
		t.mu.Lock()
		if b.started {
			t.mu.Unlock()
			var zero T
			yield(zero, errors.New("flow: a Tee branch can be ranged over only once"))
			return
		}
		b.started = true
		t.started++
		if t.started == t.n {
			close(t.all)
			go t.feed()
		}
		t.mu.Unlock()
		defer t.leave(b)
		for {
			select {
			case it, ok := <-b.ch:
				if !ok || !yield(it.v, it.err) {
					return
				}
			case <-t.ctx.Done():
				var zero T
				yield(zero, context.Cause(t.ctx))
				return
			}
		}
	}
}

func (t *tee[T]) leave(b *branch[T]) {
	close(b.gone)
	t.mu.Lock()
	t.left++
	last := t.left == t.n
	t.mu.Unlock()
	if last {
		t.cancel(errStopped)
		<-t.fed
	}
}

func (t *tee[T]) feed() {
	defer close(t.fed)
	defer func() {
		for _, b := range t.branches {
			close(b.ch)
		}
	}()
	send := func(it item[T]) bool {
		live := 0
		for _, b := range t.branches {
			select {
			case b.ch <- it:
				live++
			case <-b.gone:
			case <-t.ctx.Done():
				return false
			}
		}
		return live > 0
	}
	err := catch.Func(func() {
		for v, err := range t.in {
			if !send(item[T]{v, err}) {
				return
			}
		}
	})
	if err != nil {
		send(item[T]{err: err})
	}
}

// Partition applies f to the values of in on lanes goroutines, routing each
// value by its key: values with equal keys go to the same lane, in input
// order, so the results for one key are yielded in input order while
// different keys proceed in parallel. Results of different keys interleave.
// Errors and panics follow Map.
func Partition[T any, K comparable, U any](ctx context.Context, in Stream[T], lanes int, key func(T) K, f func(context.Context, T) (U, error), opts ...Option) Stream[U] {
	o, err := configure(lanes, 0, opts)
	if err == nil {
		err = checkStage(ctx, in, key == nil || f == nil)
	}
	if err != nil {
		return fail[U](err)
	}
	return func(yield func(U, error) bool) {
		ctx, cancel := context.WithCancelCause(ctx)
		s := newStage(ctx, f, false, o.window, lanes, 1)
		seed := maphash.MakeSeed()
		drive(cancel, in, s, func(v T) (lane int, err error) {
			var k K
			if err := catch.Func(func() { k = key(v) }); err != nil {
				return 0, err
			}
			return int(maphash.Comparable(seed, k) % uint64(lanes)), nil
		}, yield)
	}
}
