package rate

import (
	"runtime"
	_ "unsafe" // for go:linkname
)

// A Limiter hit by several cores at once would otherwise write its one TAT
// on every admission, and on a machine with few cores that cache line moving
// between them costs more than a mutex. So each P (the runtime's processor)
// keeps a lease: a short range of the limiter's timeline, claimed from the
// shared TAT with one compare-and-swap, inside which that P admits events by
// the same algorithm without touching shared memory. A lease is an
// ordinary claim on the TAT, so the admission bound is the same: every event
// admitted at clock reading t takes a slot (s-interval, s] of the timeline
// with t <= s-interval and s <= t+tau, no two events the same slot.

// procPin pins the calling goroutine to its P (no preemption) and returns
// the P's id; procUnpin undoes it. sync.Pool keeps its per-P caches the same
// way; the runtime keeps these two names for outside packages (go.dev/issue/67401).
//
//go:linkname procPin runtime.procPin
func procPin() int

//go:linkname procUnpin runtime.procUnpin
func procUnpin()

const (
	// leaseEvents and leaseTime size a lease: room for this many events, or
	// this much time (enough for a few dozen admissions by one core when
	// the rate is far above the call rate), whichever is longer...
	leaseEvents = 64
	leaseTime   = 4000 // nanoseconds
	// ...but all the leases together never span more than a quarter of the
	// burst, and a lease is only taken while the bucket stays at least half
	// full after it: near the limit, every event is claimed one at a time.
	leaseShare = 4
)

// leaseSpan returns the length of one lease in nanoseconds for a limiter
// with the given interval and tau shared by cells Ps, or 0 for no leases.
func leaseSpan(interval, tau int64, cells int) int64 {
	if cells < 2 {
		return 0 // one P: the TAT never leaves its core
	}
	s := tau / int64(leaseShare*cells)
	if s < 2*interval {
		return 0 // a lease of less than two events saves nothing
	}
	return min(s, max(leaseEvents*interval, leaseTime))
}

// newCells returns one lease cell per P, or nil on a single P.
func newCells() []cell {
	if n := runtime.GOMAXPROCS(0); n > 1 {
		return make([]cell, n)
	}
	return nil
}
