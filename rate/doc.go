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
// BenchmarkAllow (-count 10, 2 cores) measured Allow at a median of 30.7 ns
// with one goroutine, 1.6 ns more than one monotonic clock read (29.1 ns), and
// 0.47x a mutex token bucket written the usual way, on time.Now (65.6 ns);
// with two goroutines 28.1 ns, 0.37x that bucket. Against the same bucket
// reading the monotonic clock as the limiter does, the ratios are 0.81x and
// 0.64x: most of the cost of either is the clock read. BenchmarkKeyed
// measured 43 ns per Allow over 1,024 keys from two goroutines. None
// allocates.
package rate
