// Package rate limits how often events happen: a lock-free limiter that
// never admits more than its rate allows, a keyed limiter in bounded memory,
// and a pacer that releases evenly spaced permits.
//
//	lim, err := rate.NewLimiter(rate.PerSecond(100), 10) // 100/s, bursts of 10
//	if lim.Allow() { handle() }                           // or drop
//	if err := lim.Wait(ctx); err != nil { return err }    // or wait
//
// # Guarantees
//
// A Limiter implements the generic cell rate algorithm on one atomic
// "theoretical arrival time" read from the monotonic clock: over any interval
// of length T it admits at most r*T + burst events, under any interleaving of
// Allow, Wait, Reserve and Cancel from any number of goroutines. A caller
// whose clock reading is older than another's sees a stricter limit, never a
// looser one; wall-clock steps change nothing, since the wall clock is never
// read. Allow, AllowN and Reserve take no lock.
//
// Wait fails at once, without sleeping, when the context's deadline comes
// before the permit would (the error wraps context.DeadlineExceeded), and
// when the request can never be allowed (the error wraps ErrNever: limit 0,
// or more events than the burst). When the context ends while waiting, the
// reservation is cancelled.
//
// When several goroutines call at once, each processor (P) leases a short
// stretch of the limiter's time ahead and admits from it without writing
// memory that other cores read, which is what makes the limiter cheap under
// contention (see Limiter). The bound above holds with leases. Leases hold
// at most a quarter of the burst between them, and are taken only while at
// least half the burst is free, so near the limit every event is claimed
// alone. What they change: events leased to another processor and not yet
// taken count as taken, so while other goroutines are admitting, an AllowN
// for most of the burst can be refused where it would otherwise pass,
// Tokens counts them as taken, and a reservation made before a lease cannot
// be cancelled. A goroutine calling alone sees the limiter without leases,
// except that when the runtime moves it to another processor, the unused
// part of its old processor's lease counts as taken until its time passes.
//
// Edge cases: Inf allows everything; a limit of 0, or a burst of 0, allows
// nothing; n == 0 is always allowed; n < 0 and n above the burst are never
// allowed; SetLimit and SetBurst take effect for calls that start after they
// return, and carry owed events over to the new rate.
//
// # Time
//
// The default clock is Go's monotonic clock, read with time.Since on a
// monotonic origin; inside a testing/synctest bubble it follows the bubble's
// fake clock, timers included. WithClock substitutes any other Clock, for
// reads and sleeps alike.
//
// # Cost
//
// Each figure here is the ratio of medians against a baseline in the same
// run of go run ./bench (2,000,000 calls, every one admitted), given as its
// range over two separate runs on a shared 2-core machine (the claims table
// in bench/claims.go; go run ./bench -check re-measures them on yours).
// Allow costs 0.44-0.45x a token bucket behind a sync.Mutex that reads
// time.Now, from one goroutine (claim rate.allow.1), and 0.20-0.47x from two
// (rate.allow.2). Keyed's Allow on 1,024 known keys from two goroutines costs
// 0.50-0.52x x/time/rate limiters kept in a sync.Map (rate.keyed). None
// allocates.
//
// The package's own benchmarks (BenchmarkAllow, BenchmarkAllowDenied,
// BenchmarkKeyed; medians of -count 6, one run on a quiet machine, each
// figure against baselines in the same run) add stronger baselines: one
// monotonic clock read (the floor), and the best of three mutex buckets on
// the same monotonic clock as the limiter (the clock read under the lock,
// before it, and the limiter's own integer arithmetic behind the lock).
// Allow from one goroutine cost 6.7 ns more than one clock read; from 2, 4
// and 8 goroutines 0.31x, 0.22x and 0.19x the best mutex bucket on the
// monotonic clock. With the rate far below the call rate (1,000/s, burst
// 10), so that nearly every call is denied, Allow cost 4.5 ns more than one
// clock read from one goroutine, and 1.8 to 2.2 ns more from 2, 4 or 8.
// Keyed's Allow on a known key takes no lock and allocates nothing: 0.52x
// and 0.54x x/time/rate limiters in a sync.Map over 1,024 keys and 0.55x
// and 0.54x over 100,000, from 2 and 8 goroutines.
package rate
