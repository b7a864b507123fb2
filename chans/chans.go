// Package chans provides select helpers: channel sends and receives that
// honour a context or a timeout, an or-done loop, and a fan-in of channels.
//
//	v, ok, err := chans.Recv(ctx, results)       // waits until a value, close or ctx end
//	err = chans.Send(ctx, jobs, job)              // waits until sent or ctx end
//	for v := range chans.OrDone(ctx, results) {}  // stops when results closes or ctx ends
//
// # Guarantees
//
// None of these helpers leaves a goroutine behind once its context has ended.
// Send, Recv, RecvTimeout and OrDone start no goroutine at all. Merge starts
// one goroutine per input and one to close the output; they all exit once
// every input is closed and drained, or once ctx ends, whichever comes first.
// When ctx has already ended, Send and Recv return its error without touching
// the channel, even if the channel is ready.
//
// Channels belong to their callers: no helper closes a channel it was given.
// Merge closes the channel it returns.
package chans

import (
	"context"
	"errors"
	"iter"
	"sync"
	"time"
)

// ErrTimeout is returned by RecvTimeout when no value arrived in time.
var ErrTimeout = errors.New("chans: receive timed out")

// Send sends v on ch, waiting until it is received (or buffered) or ctx ends.
// It returns ctx.Err() if v was not sent.
func Send[T any](ctx context.Context, ch chan<- T, v T) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case ch <- v:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Recv receives from ch, waiting until a value arrives, ch is closed or ctx
// ends. ok is false when ch is closed; err is ctx.Err() when ctx ended first.
func Recv[T any](ctx context.Context, ch <-chan T) (v T, ok bool, err error) {
	if err := ctx.Err(); err != nil {
		return v, false, err
	}
	select {
	case v, ok = <-ch:
		return v, ok, nil
	case <-ctx.Done():
		return v, false, ctx.Err()
	}
}

// RecvTimeout receives from ch as Recv does, but gives up after d and then
// returns ErrTimeout. A d <= 0 receives only a value that is ready now.
func RecvTimeout[T any](ctx context.Context, ch <-chan T, d time.Duration) (v T, ok bool, err error) {
	if err := ctx.Err(); err != nil {
		return v, false, err
	}
	if d <= 0 {
		select {
		case v, ok = <-ch:
			return v, ok, nil
		default:
			return v, false, ErrTimeout
		}
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case v, ok = <-ch:
		return v, ok, nil
	case <-ctx.Done():
		return v, false, ctx.Err()
	case <-t.C:
		return v, false, ErrTimeout
	}
}

// OrDone returns a sequence of the values received from ch that ends when ch
// is closed or ctx ends, whichever comes first; ranging over it starts no
// goroutine. After the loop, ctx.Err() tells which one ended it.
func OrDone[T any](ctx context.Context, ch <-chan T) iter.Seq[T] {
	return func(yield func(T) bool) {
		for {
			v, ok, err := Recv(ctx, ch)
			if err != nil || !ok || !yield(v) {
				return
			}
		}
	}
}

// Merge returns a channel that receives every value from chs (fan-in). The
// values of one input keep their order; values of different inputs
// interleave. The returned channel is closed once every input is closed and
// its values delivered, or once ctx ends; a value received from an input
// when ctx ends is not delivered. The caller must either drain the returned
// channel or end ctx, or Merge's goroutines wait for a reader.
func Merge[T any](ctx context.Context, chs ...<-chan T) <-chan T {
	out := make(chan T)
	var wg sync.WaitGroup
	wg.Add(len(chs))
	for _, ch := range chs {
		go func() {
			defer wg.Done()
			for v := range OrDone(ctx, ch) {
				if Send(ctx, out, v) != nil {
					return
				}
			}
		}()
	}
	go func() {
		wg.Wait()
		close(out)
	}()
	return out
}
