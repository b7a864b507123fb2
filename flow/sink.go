package flow

import (
	"context"
	"errors"
)

// collectOpts reads the options a sink understands.
func collectOpts(opts []Option) (options, error) {
	o := options{}
	for _, opt := range opts {
		if opt == nil {
			return o, errors.New("flow: option must not be nil")
		}
		opt(&o)
	}
	return o, nil
}

// consume ranges over in and hands each value to use. It stops at the first
// error and returns it; with WithCollectAll it goes on and returns every
// error joined.
func consume[T any](in Stream[T], opts []Option, use func(T) bool) error {
	o, err := collectOpts(opts)
	if err != nil {
		return err
	}
	if in == nil {
		return errors.New("flow: input stream must not be nil")
	}
	var errs []error
	for v, err := range in {
		if err != nil {
			if !o.collectAll {
				return err
			}
			errs = append(errs, err)
			continue
		}
		if !use(v) {
			break
		}
	}
	return errors.Join(errs...)
}

// ForEach calls f for each value of in on workers goroutines. It stops at the
// first error (from in or from f): the pipeline is cancelled, and ForEach
// returns that error once every goroutine has exited. With WithCollectAll it
// goes on and returns every error joined.
func ForEach[T any](ctx context.Context, in Stream[T], workers int, f func(context.Context, T) error, opts ...Option) error {
	if f == nil {
		return errors.New("flow: function must not be nil")
	}
	out := Map(ctx, in, workers, func(ctx context.Context, v T) (struct{}, error) {
		return struct{}{}, f(ctx, v)
	}, opts...)
	return consume(out, opts, func(struct{}) bool { return true })
}

// Collect returns the values of in, in the order yielded. It stops at the
// first error and returns the values before it with the error; with
// WithCollectAll it returns every value and every error joined.
func Collect[T any](in Stream[T], opts ...Option) ([]T, error) {
	var out []T
	err := consume(in, opts, func(v T) bool {
		out = append(out, v)
		return true
	})
	return out, err
}

// Reduce folds the values of in into acc with f, in the order yielded. It
// stops at the first error, as Collect does, and returns the accumulator so
// far with it.
func Reduce[T, A any](in Stream[T], acc A, f func(A, T) A, opts ...Option) (A, error) {
	if f == nil {
		return acc, errors.New("flow: function must not be nil")
	}
	err := consume(in, opts, func(v T) bool {
		acc = f(acc, v)
		return true
	})
	return acc, err
}

// First returns the first value of in and stops the pipeline. It returns the
// first error instead if one comes before any value, and ErrEmpty if in ends
// with neither.
func First[T any](in Stream[T]) (T, error) {
	var (
		first T
		found bool
	)
	err := consume(in, nil, func(v T) bool {
		first, found = v, true
		return false
	})
	if err == nil && !found {
		err = ErrEmpty
	}
	return first, err
}

// Drain ranges over in to the end, discarding values, and returns the first
// error (every error joined with WithCollectAll).
func Drain[T any](in Stream[T], opts ...Option) error {
	return consume(in, opts, func(T) bool { return true })
}
