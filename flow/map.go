package flow

import (
	"context"
	"errors"
	"time"

	"github.com/weft-dev/weft"
	"github.com/weft-dev/weft/internal/catch"
	"github.com/weft-dev/weft/internal/engine"
)

// errStopped is the cause given to a stage's context when its consumer stops.
var errStopped = errors.New("flow: consumer stopped")

// workerIdle is the idle timeout of a stage's workers; they are retired when
// the stage ends anyway.
const workerIdle = time.Minute

// Map applies f to each value of in on workers goroutines and yields the
// results as they complete, in any order. Errors from in pass through; an
// error or panic of f is yielded in place of its result, and the stream goes
// on. f receives a context that is cancelled when the consumer stops.
func Map[T, U any](ctx context.Context, in Stream[T], workers int, f func(context.Context, T) (U, error), opts ...Option) Stream[U] {
	return parallel(ctx, in, workers, f, false, opts)
}

// OrderedMap is Map with the results yielded in input order. Workers keep
// taking new items while the head item is slow, up to the window (see
// WithWindow), so one slow item delays the output but not the work behind it.
func OrderedMap[T, U any](ctx context.Context, in Stream[T], workers int, f func(context.Context, T) (U, error), opts ...Option) Stream[U] {
	return parallel(ctx, in, workers, f, true, opts)
}

// FlatMap applies f to each value of in on workers goroutines and yields
// every element of every returned slice, unordered across items and in slice
// order within one.
func FlatMap[T, U any](ctx context.Context, in Stream[T], workers int, f func(context.Context, T) ([]U, error), opts ...Option) Stream[U] {
	return Unbatch(Map(ctx, in, workers, f, opts...))
}

// checkStage checks the arguments every concurrent stage takes.
func checkStage[T any](ctx context.Context, in Stream[T], nilFunc bool) error {
	switch {
	case nilFunc:
		return errors.New("flow: function must not be nil")
	case in == nil:
		return errors.New("flow: input stream must not be nil")
	case ctx == nil:
		return errors.New("flow: context must not be nil")
	}
	return nil
}

type job[T any] struct {
	seq uint64
	v   T
}

func parallel[T, U any](ctx context.Context, in Stream[T], workers int, f func(context.Context, T) (U, error), ordered bool, opts []Option) Stream[U] {
	o, err := configure(workers, opts)
	if err == nil {
		err = checkStage(ctx, in, f == nil)
	}
	if err != nil {
		return fail[U](err)
	}
	return func(yield func(U, error) bool) {
		ctx, cancel := context.WithCancelCause(ctx)
		w := newWindow[U](o.window, ordered)
		e := newWorkers(ctx, w, workers, o.window, f)
		drive(ctx, cancel, in, w, []*engine.Engine[job[T]]{e}, func(seq uint64, v T) bool {
			return e.Push(ctx, job[T]{seq, v}, true) == nil
		}, yield)
	}
}

// newWorkers returns an engine whose workers apply f and put each result in
// w, with panics and Goexit reported in place of the result.
func newWorkers[T, U any](ctx context.Context, w *window[U], workers, queue int, f func(context.Context, T) (U, error)) *engine.Engine[job[T]] {
	return engine.New(engine.Config[job[T]]{
		Workers:     workers,
		Queue:       queue,
		IdleTimeout: workerIdle,
		Run: func(j job[T]) {
			var u U
			err := catch.Err(func() (err error) {
				u, err = f(ctx, j.v)
				return err
			})
			w.put(j.seq, u, err)
		},
		Goexit: func(j job[T]) {
			var zero U
			w.put(j.seq, zero, weft.ErrGoexit)
		},
	})
}

// drive runs a concurrent stage for one range loop: it starts the feeder,
// which hands each value of in to send, yields the results from w and, when
// the loop ends for any reason, stops the feeder and the engines and waits
// until every goroutine they started has exited.
func drive[T, U any](ctx context.Context, cancel context.CancelCauseFunc, in Stream[T], w *window[U], engines []*engine.Engine[job[T]], send func(uint64, T) bool, yield func(U, error) bool) {
	fed := make(chan struct{})
	go feed(ctx, in, w, fed, send)
	defer func() {
		cancel(errStopped)
		w.stop()
		<-fed
		for _, e := range engines {
			e.Stop(errStopped)
			e.Drop(nil)
			e.Retire(context.Background(), false)
		}
	}()
	for {
		v, err, more := w.next(ctx)
		if !more {
			if err != nil {
				var zero U
				yield(zero, err)
			}
			return
		}
		if !yield(v, err) {
			return
		}
	}
}

// feed ranges over in, reserving a place in w for each element and handing
// values to send; errors from in, and a panic of in itself, take their place
// in w directly. It closes fed when done.
func feed[T, U any](ctx context.Context, in Stream[T], w *window[U], fed chan struct{}, send func(uint64, T) bool) {
	defer close(fed)
	defer w.finish()
	var zero U
	err := catch.Func(func() {
		for v, err := range in {
			seq, ok := w.reserve(ctx)
			if !ok {
				return
			}
			if err != nil {
				w.put(seq, zero, err)
				continue
			}
			if !send(seq, v) {
				w.put(seq, zero, context.Cause(ctx))
				return
			}
		}
	})
	if err != nil {
		if seq, ok := w.reserve(ctx); ok {
			w.put(seq, zero, err)
		}
	}
}
