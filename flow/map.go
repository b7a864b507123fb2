package flow

import (
	"context"
	"errors"
)

// errStopped is the cause given to a stage's context when its consumer stops.
var errStopped = errors.New("flow: consumer stopped")

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

func parallel[T, U any](ctx context.Context, in Stream[T], workers int, f func(context.Context, T) (U, error), ordered bool, opts []Option) Stream[U] {
	o, err := configure(workers, defaultMapWindow, opts)
	if err == nil {
		err = checkStage(ctx, in, f == nil)
	}
	if err != nil {
		return fail[U](err)
	}
	return func(yield func(U, error) bool) {
		ctx, cancel := context.WithCancelCause(ctx)
		s := newStage(ctx, f, ordered, o.window, 1, workers)
		drive(cancel, in, s, nil, yield)
	}
}

// drive runs a concurrent stage for one range loop: it starts the feeder,
// yields the results and, when the loop ends for any reason, stops the
// stage and waits until every goroutine it started has exited.
func drive[T, U any](cancel context.CancelCauseFunc, in Stream[T], s *stage[T, U], route func(T) (int, error), yield func(U, error) bool) {
	go s.feed(in, route)
	defer func() {
		cancel(errStopped)
		s.halt()
	}()
	for {
		var (
			v    U
			err  error
			more bool
		)
		if s.ordered {
			v, err, more = s.nextOrdered()
		} else {
			v, err, more = s.next()
		}
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
