// Package group runs a scope of goroutines that ends together: structured
// concurrency, as a superset of golang.org/x/sync/errgroup.
//
//	g, err := group.New(ctx, group.WithLimit(8))
//	if err != nil { ... }
//	for _, url := range urls {
//		g.Go(func(ctx context.Context) error { return fetch(ctx, url) })
//	}
//	err = g.Wait() // the first error; every task has returned
//
// # Guarantees
//
// Every task receives the group's context, which is derived from the one
// given to New. Wait returns only after every task has returned and every
// goroutine the group started has exited: no goroutine outlives the scope. The
// return of each task is synchronized before the return of Wait.
//
// With [WithLimit], at most that many tasks run at once, on worker goroutines
// that are reused from task to task rather than started per task; Go blocks
// while the limit is reached and the group's small queue (as many tasks as
// the limit) is full. Without a limit, Go never blocks. As with errgroup, a
// task that calls Go on its own limited group can block forever once every
// worker runs such a task; nested tasks should use TryGo (and run inline when
// it returns false) or an unlimited group.
//
// # Errors
//
// By default the group fails fast: the first task error (or panic) cancels
// the group's context with that error as its cause, so context.Cause(ctx)
// reports it, and Wait returns it. With [WithCollectAll], errors do not
// cancel anything and Wait returns all of them joined with errors.Join.
//
// A task given to Go after the group's context has ended (because a task
// failed, the parent context ended, or Wait returned) does not start. Such
// tasks are counted in [Group.Stats], and reported by Wait with an error
// wrapping [ErrNotStarted] and the context's cause, unless a task error is
// already being returned in fail-fast mode.
//
// # Panics
//
// A panicking task is reported as a *weft.PanicError through Wait, following
// the library-wide policy described in [github.com/weft-dev/weft];
// [WithRepanic] makes Wait panic with it instead.
//
// # Cost
//
// Each figure here is the ratio of medians against a baseline in the same
// run of go run ./bench (100,000 no-op tasks, limit 100), given as its range
// over separate runs on a shared 2-core machine (the claims table in
// bench/claims.go; go run ./bench -check re-measures them on yours). Go
// costs 0.47-0.62x a hand-written group of 100 goroutines reading the tasks
// from a channel of 1,024 (claim group.channel), and 0.16-0.19x
// golang.org/x/sync/errgroup with SetLimit(100) (group.errgroup).
package group
