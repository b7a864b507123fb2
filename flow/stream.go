package flow

import (
	"context"
	"errors"
	"fmt"
	"iter"

	"github.com/weft-dev/weft/chans"
	"github.com/weft-dev/weft/internal/catch"
)

// Stream is a sequence of values with their errors, as every stage takes and
// returns it. An element with a non-nil error carries no value: it reports a
// failure in-band, and the consumer decides whether to go on.
type Stream[T any] = iter.Seq2[T, error]

// ErrEmpty is returned by First when the stream has no value.
var ErrEmpty = errors.New("flow: empty stream")

// Option configures a stage or a sink.
type Option func(*options)

type options struct {
	window     int
	collectAll bool
}

// WithWindow sets the most items a concurrent stage keeps in flight: handed
// to its workers and not yet delivered (>= its worker count). The default is
// 16 per worker, and for Map and OrderedMap at least 512 (see
// defaultMapWindow). For OrderedMap it is the reorder window: while the head
// item is slow, workers go on with up to that many items behind it.
func WithWindow(n int) Option { return func(o *options) { o.window = n } }

// WithCollectAll makes a sink go on after an error and return every error
// joined with errors.Join, instead of stopping at the first.
func WithCollectAll() Option { return func(o *options) { o.collectAll = true } }

// defaultMapWindow is the least default window of Map and OrderedMap. With
// few workers on few cores, the feeder and the consumer often wait for a
// processor behind a busy worker; a window of 16 per worker then runs dry
// first, and the workers idle. On ~1 us items with 2 workers on 2 cores, a
// window of 32 cost 1.2x a hand-written channel fan-out/fan-in buffered to
// 64, 128 about as much, and 512 the same as the channels (BenchmarkMap).
const defaultMapWindow = 512

// configure applies opts for a stage with the given number of workers; the
// window defaults to 16 per worker, and at least minWindow.
func configure(workers, minWindow int, opts []Option) (options, error) {
	o := options{}
	for _, opt := range opts {
		if opt == nil {
			return o, errors.New("flow: option must not be nil")
		}
		opt(&o)
	}
	if workers < 1 {
		return o, fmt.Errorf("flow: workers must be >= 1, got %d", workers)
	}
	if o.window == 0 {
		o.window = max(16*workers, minWindow)
	}
	if o.window < workers {
		return o, fmt.Errorf("flow: window must be >= workers (%d), got %d", workers, o.window)
	}
	return o, nil
}

// fail returns a stream that yields err once.
func fail[T any](err error) Stream[T] {
	return func(yield func(T, error) bool) {
		var zero T
		yield(zero, err)
	}
}

// From starts a pipeline from a sequence of values. Ranging over the stream
// ranges over seq; a panic in seq is yielded as a *weft.PanicError.
func From[T any](seq iter.Seq[T]) Stream[T] {
	if seq == nil {
		return fail[T](errors.New("flow: sequence must not be nil"))
	}
	return func(yield func(T, error) bool) {
		inYield := false
		defer func() {
			if inYield {
				return // the consumer panicked: not ours to recover
			}
			if v := recover(); v != nil {
				var zero T
				yield(zero, catch.Panic(v))
			}
		}()
		for v := range seq {
			inYield = true
			more := yield(v, nil)
			inYield = false
			if !more {
				return
			}
		}
	}
}

// FromSlice starts a pipeline from the elements of s, in order.
func FromSlice[T any](s []T) Stream[T] {
	return func(yield func(T, error) bool) {
		for _, v := range s {
			if !yield(v, nil) {
				return
			}
		}
	}
}

// FromChan starts a pipeline from the values received from ch, until ch is
// closed or ctx ends; in the latter case the stream ends with the context's
// error. A stage downstream that stops early returns once FromChan returns
// control to it: when the next value arrives, ch is closed, or ctx ends. So
// give FromChan a context that ends when the pipeline is abandoned.
func FromChan[T any](ctx context.Context, ch <-chan T) Stream[T] {
	return func(yield func(T, error) bool) {
		for {
			v, ok, err := chans.Recv(ctx, ch)
			if err != nil {
				var zero T
				yield(zero, context.Cause(ctx))
				return
			}
			if !ok || !yield(v, nil) {
				return
			}
		}
	}
}

// ToChan ends a pipeline in a channel: it starts one goroutine that ranges
// over in and sends each value on the returned channel, which it closes at
// the end. The first error ends the stream and is sent on the error channel,
// which has room for it and is closed after. The goroutine exits once in
// ends, or once ctx ends (the caller must then stop reading).
func ToChan[T any](ctx context.Context, in Stream[T]) (<-chan T, <-chan error) {
	out := make(chan T)
	errc := make(chan error, 1)
	go func() {
		defer close(errc)
		defer close(out)
		for v, err := range in {
			if err != nil {
				errc <- err
				return
			}
			if chans.Send(ctx, out, v) != nil {
				errc <- context.Cause(ctx)
				return
			}
		}
	}()
	return out, errc
}
