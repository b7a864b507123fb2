// Package weft holds what every weft package shares: the panic and error
// policy. The primitives themselves live in the sub-packages:
//
//   - [github.com/weft-dev/weft/pool]: a long-lived bounded worker pool.
//   - [github.com/weft-dev/weft/group]: scoped structured concurrency, a
//     superset of errgroup.
//   - [github.com/weft-dev/weft/errgroup]: golang.org/x/sync/errgroup,
//     drop-in, with reused workers under a limit.
//   - [github.com/weft-dev/weft/actor]: a goroutine that owns a value.
//   - [github.com/weft-dev/weft/chans]: select helpers with contexts and
//     timeouts.
//
// # Panics
//
// A task that panics never takes a worker down with it, is never swallowed
// and is never only logged. Every weft package recovers the panic, captures
// its value and the stack of the panicking goroutine in a [*PanicError], and
// returns it through the same path as that task's error: a pool's Wait, a
// Future, a group's Wait, an actor's Ask or Stop. It is counted in the
// package's statistics as a panic, and as a failure. Where a package offers a
// WithRepanic option, the waiting goroutine panics again instead, with the
// *PanicError as the panic value, so the original stack stays readable.
// Package errgroup, a drop-in for golang.org/x/sync/errgroup, is the one
// exception: as with x/sync's, a panicking task crashes the program at once.
//
// A task that calls [runtime.Goexit] ends its worker goroutine, which cannot
// be prevented; weft replaces the worker and reports [ErrGoexit] for that
// task through the same path as an error.
//
// # Errors
//
// Configuration errors name the package, the parameter and the value, as in
// "pool: workers must be >= 1, got -3". Sentinel errors are exported
// variables of each package and are wrapped with %w, so errors.Is finds them.
// Errors gathered from many tasks are joined once, with [errors.Join], when
// they are handed over.
package weft
