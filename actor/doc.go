// Package actor provides a goroutine that owns its state: the "share memory
// by communicating" counter goroutine, as a generic primitive.
//
//	counter, err := actor.New(0)
//	if err != nil { ... }
//	counter.Do(ctx, func(n *int) { *n++ })                // fire and forget
//	n, err := actor.Ask(ctx, counter, func(n *int) int { return *n })
//	err = counter.Stop(ctx, actor.Drain)
//
// # Guarantees
//
// An Actor runs the functions sent to it one at a time, in mailbox order,
// and only they touch its state, so the state needs no lock. The mailbox is
// bounded: Do and Ask block while it is full, until their context ends. The
// actor's goroutine starts with the first message and exits after an idle
// timeout, so an idle actor owns no goroutine; its state is kept.
//
// Stop either drains the mailbox or rejects what is in it. Nothing is lost
// silently: an Ask caller always learns whether its function ran, and Stop
// reports the Do messages it rejected.
//
// # Panics
//
// A panic in a function sent with Ask is returned to that caller as a
// *weft.PanicError; a panic in a function sent with Do is returned by Stop.
// The actor goes on with the next message, so a function that panics
// half-way through an update leaves the state as it was at the panic. This
// follows the library-wide policy described in [github.com/weft-dev/weft].
//
// # Cost
//
// The actor's goroutine takes what its mailbox holds in batches, one lock
// per batch. BenchmarkCounter increments a counter from 2 goroutines: Do
// measured medians of 82-91 ns per message, 1.49x-1.61x the 55-56 ns of a
// hand-written goroutine that owns the counter and serves a buffered request
// channel, in the same run (-count 6, two separate runs, 2 cores).
// BenchmarkAsk measured 876-947 ns per Ask, 1.32x a hand-written channel
// request and reply (666-718 ns). The actor pays for its bounded mailbox
// accounting, context checks and panic capture on every message; where only
// the speed of a counter matters, a mutex is the cheapest (19-22 ns).
package actor
