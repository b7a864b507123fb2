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
// range over separate runs on a shared 2-core machine (the claims table in
// bench/claims.go; go run ./bench -check re-measures them on yours). Allow
// costs 0.43-0.45x a token bucket behind a sync.Mutex that reads time.Now,
// from one goroutine (claim rate.allow.1), and 0.57-0.65x from two
// (rate.allow.2). Keyed's Allow on 1,024 known keys from two goroutines
// costs 0.89-1.02x x/time/rate limiters kept in a sync.Map (rate.keyed).
// None allocates.
package rate
