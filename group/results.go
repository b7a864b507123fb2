package group

import (
	"context"
	"sync"
)

// Results is a Group whose tasks return values of type T, which Wait returns
// in the order the tasks were given to Go. It is safe for concurrent use by
// multiple goroutines; the order of tasks given concurrently is the order in
// which their Go calls took their place.
type Results[T any] struct {
	g    *Group
	mu   sync.Mutex
	vals []T
}

// NewResults returns a Results group bound to ctx, configured as New.
func NewResults[T any](ctx context.Context, opts ...Option) (*Results[T], error) {
	g, err := New(ctx, opts...)
	if err != nil {
		return nil, err
	}
	return &Results[T]{g: g}, nil
}

// Go runs task in the group, as Group.Go, and reserves the next place in the
// results for its value.
func (r *Results[T]) Go(task func(ctx context.Context) (T, error)) {
	r.mu.Lock()
	i := len(r.vals)
	var zero T
	r.vals = append(r.vals, zero)
	r.mu.Unlock()
	if task == nil {
		r.g.Go(nil)
		return
	}
	r.g.Go(func(ctx context.Context) error {
		v, err := task(ctx)
		if err != nil {
			return err
		}
		r.mu.Lock()
		r.vals[i] = v
		r.mu.Unlock()
		return nil
	})
}

// Wait waits as Group.Wait and returns one value per task given to Go, in
// that order, with the group's error. A task that failed, panicked or did not
// start leaves the zero value of T in its place. The results are handed over
// once: a second Wait returns only the values of tasks given since.
func (r *Results[T]) Wait() ([]T, error) {
	err := r.g.Wait()
	r.mu.Lock()
	vals := r.vals
	r.vals = nil
	r.mu.Unlock()
	return vals, err
}
