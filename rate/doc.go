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
// run of go run ./bench (2,000,000 calls; 9 interleaved repetitions), given
// as its range over separate runs on a shared 2-core machine (the
// claims table in bench/claims.go; go run ./bench -check -only rate
// re-measures them on yours). None allocates.
//
// Every call admitted: from one goroutine, Allow costs 0.43-0.47x a token
// bucket behind a sync.Mutex that reads time.Now (claim rate.allow.1), and
// 1.20-1.32x one monotonic clock read and nothing else, the floor: 6.1 to
// 9.4 ns more (rate.allow.1.clock). From 2, 4 and 8 goroutines it costs
// 0.19-0.43x, 0.09-0.37x and 0.07-0.36x the bucket on time.Now
// (rate.allow.2, rate.allow.4, rate.allow.8), and 0.26-0.84x, 0.18-0.66x and
// 0.16-0.67x the fastest of three mutex buckets on the same monotonic clock
// as the limiter (the clock read under the lock, before it, or the limiter's
// own integer arithmetic behind the lock; rate.allow.2.mono and so on). The
// contended figures move with how the goroutines land on the two cores: in
// some runs, with the machine busy, two goroutines reading the clock took
// as long per call as one, so they rarely ran at once; the low ends come
// from quieter runs, where they took half as long. (These ranges are over
// six runs: three more of go run ./bench -check on the same Limiter code
// widened four of them.)
//
// Nearly every call denied (1,000 events per second, burst 10): Allow costs
// 1.10-1.16x one clock read from one goroutine (4.0 to 4.5 ns more), and
// 1.14-1.17x, 1.13-1.18x and 1.08-1.81x from 2, 4 and 8 (rate.denied.1 to
// rate.denied.8).
//
// Keyed's Allow on a known key takes no lock and allocates nothing: it reads
// one slot of its shard's table, then the key and its TAT at once. Against
// x/time/rate limiters kept in a sync.Map it costs 0.49-0.59x and 0.54-0.59x
// over 1,024 keys from 2 and 8 goroutines (rate.keyed, rate.keyed.1024.8),
// and 0.54-0.58x and 0.54-0.58x over 100,000 keys (rate.keyed.100000.2,
// rate.keyed.100000.8), over five runs (four of them with -check).
//
// The package's own benchmarks (BenchmarkAllow, BenchmarkAllowDenied,
// BenchmarkKeyed) run the same hand-written baselines, for profiling and
// benchstat.
package rate
