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
// and only they touch its state, so the state needs no lock. They run on the
// actor's goroutine, never on the sender's: Do does not wait for its function
// to run, a function that blocks holds up only the actor, and one that calls
// runtime.Goexit ends only the actor's goroutine (a new one goes on with the
// next message). The mailbox is bounded: Do and Ask block while it is full,
// until their context ends. The actor's goroutine starts with the first
// message and exits after an idle timeout, so an idle actor owns no
// goroutine; its state is kept.
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
// Each figure here is the ratio of medians against a baseline in the same
// run of go run ./bench, given as its range over separate runs on a shared
// 2-core machine (the claims table in bench/claims.go; go run ./bench -check
// re-measures them on yours). Do, incrementing a counter from 2 goroutines,
// costs 0.67-0.71x a hand-written goroutine that owns the counter and serves
// a channel buffered like the mailbox (claim actor.do), and 1.59-1.84x a
// counter behind a sync.Mutex (actor.do.mutex); Ask costs 1.21-1.33x a
// hand-written request and reply to that goroutine with a reply channel
// reused for every request (actor.ask). The mailbox is a slice behind a
// mutex: a sender takes the lock to append its message, and the actor's
// goroutine takes everything queued at once, where a channel takes its lock
// once to send and once more to receive. An Ask is a round trip of two
// goroutine switches, as in the hand-written request; the actor adds the
// lock on each side, the claim of the request that lets Stop answer it, the
// reuse of the request from a sync.Pool, and the idle timer: while a timer
// is pending, the Go scheduler reads the clock each time it switches
// goroutines on that processor. A mailbox behind a mutex with none of the
// rest (no Stop, contexts, pooling or idle timer), measured beside both in
// BenchmarkAsk as impl=floor, took 1.10x and 1.12x the hand-written request
// in two runs (go test -run '^$' -bench '^BenchmarkAsk$' -count 8 ./actor,
// medians through benchstat).
// Where only the speed of a counter matters, a mutex is the cheapest.
package actor
