// Package errgroup is golang.org/x/sync/errgroup (as of v0.25.0) with
// worker reuse: the same API and the same documented behaviour, so that a
// program moves to it by changing one import path:
//
//	import "github.com/weft-dev/weft/errgroup" // was "golang.org/x/sync/errgroup"
//
//	g, ctx := errgroup.WithContext(ctx)
//	g.SetLimit(16)
//	for _, url := range urls {
//		g.Go(func() error { return fetch(ctx, url) })
//	}
//	err := g.Wait() // the first error; ctx was cancelled with it as cause
//
// # What stays the same
//
// The zero Group is ready to use, with no limit and no Context. WithContext
// returns a group whose Context is cancelled by the first error (with that
// error as its cause) or by the first return of Wait (cause
// context.Canceled). Wait returns the first non-nil error, the same value
// the function returned, and keeps returning it if the group is reused. Go
// after Wait starts the group again; a Wait with nothing started returns
// nil. Go blocks while limit functions are active: it never queues beyond
// the limit. TryGo never blocks. SetLimit with a negative value removes the
// limit, with 0 lets nothing start, and panics if it would change the limit
// while functions are active. The return of each function is synchronized
// before the return of Wait.
//
// # What changes
//
// With a limit, functions run on worker goroutines that the group reuses
// from function to function (the weft engine, as in package group), instead
// of a new goroutine each: at most limit workers, started as needed. Every
// worker has exited when Wait returns, and a worker left idle by a group
// whose Wait is never called exits within two seconds.
//
// Without a limit, Go never blocks and each function gets, at once, a
// goroutine that runs nothing else until the function returns, as with
// errgroup: that is what lets functions wait for each other. But the
// goroutine may be one whose earlier function of the group has returned: a
// goroutine that finishes a function runs the next one Go queued, if any,
// and only a function that no such goroutine is free for makes a new one.
// A function never waits for another function to return before it starts:
// one goroutine of the group, running no function, always stands ready to
// start a goroutine for each function still queued. Idle goroutines exit
// within microseconds, and none is left when Wait returns.
//
// Reuse is visible to a function that changes its goroutine: one that calls
// runtime.LockOSThread must call runtime.UnlockOSThread before it returns
// (a new goroutine per function would have ended the locked thread instead),
// and goroutine profiler labels set with pprof.SetGoroutineLabels stay on
// the goroutine (pprof.Do restores them). A function runs with the profiler
// labels of the goroutine that started the goroutine it runs on, which is
// not always the goroutine that called Go.
//
// Where errgroup's behaviour is undefined or hangs, this package does the
// defined thing:
//
//   - SetLimit(n), n >= 0, panics whenever functions are active; errgroup
//     checks this only when a limit was already set, and without one its
//     running functions would then release slots they never took.
//   - A Go blocked by a limit of 0 starts its function once a later
//     SetLimit allows it; errgroup's stays blocked forever.
//   - Wait also waits for the function of a Go that the limit was holding
//     when Wait was called; errgroup's Wait may return before it starts.
//   - Go and TryGo with a nil function panic in the caller, with a message
//     that says so; errgroup's new goroutine panics calling it.
//
// # Panics and runtime.Goexit
//
// As with errgroup v0.25.0, a function that panics crashes the program at
// once, from the goroutine that ran it, with its panic value and a stack
// that shows where it panicked (Go prints it marked "[recovered,
// repanicked]": the group looks at the panic only to tell it from Goexit;
// the trace's "created by" line names where the group started the
// goroutine, which is not always the call to Go). The panic is not
// delayed until Wait and cannot be recovered by Wait's caller:
// x/sync/errgroup propagated panics to Wait in v0.15.0 and went back to
// crashing at once in the next release, because a delayed panic hides the
// failure from crash reporting and is never seen when Wait is never
// reached. This is the one place where the package departs from
// weft's panic policy (see [github.com/weft-dev/weft]): a program that wants
// a panic returned as a *weft.PanicError, or raised again in the caller of
// Wait, uses package group, with group.WithRepanic for the latter.
//
// A function that calls runtime.Goexit (as testing.T.FailNow does) ends
// without returning. errgroup counts it as returned without error; this
// package follows weft's policy instead and records [weft.ErrGoexit] as
// that function's error, so it cancels the Context if it is the first, and
// Wait reports it. The goroutine that ended is replaced as needed: the
// functions after it run.
//
// # Cost
//
// Each figure here is the ratio of medians against
// golang.org/x/sync/errgroup (the version pinned in bench/go.mod) in the same
// run of go run ./bench (200,000 no-op functions), given as its range over
// separate runs on a shared 2-core machine (the claims table in
// bench/claims.go; go run ./bench -check re-measures them on yours). With
// SetLimit(100), Go costs 0.13-0.16x errgroup's per function (claim
// errgroup.limit), with no allocation; without a limit, where a function's goroutine
// runs the next queued one, 0.27-0.57x (errgroup.nolimit).
package errgroup
