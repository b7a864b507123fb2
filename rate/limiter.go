package rate

import (
	"context"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// params is one immutable setting of a limiter, swapped whole by SetLimit
// and SetBurst.
type params struct {
	limit    Limit
	burst    int
	most     int    // the most events one call may take: burst, less if tau was capped
	interval int64  // nanoseconds between events
	tau      int64  // how far past now the TAT may run: burst * interval
	span     int64  // the length of one P's lease; 0: no leases
	gen      uint64 // counts settings: a lease taken under another is void
	all      bool   // Inf: every event is allowed
	none     bool   // limit 0 or burst 0: no event is allowed
}

func newParams(limit Limit, burst, cells int, gen uint64) *params {
	p := &params{limit: limit, burst: burst, gen: gen}
	iv, ok := limit.interval()
	switch {
	case ok && iv == 0:
		p.all = true
	case !ok || burst == 0:
		p.none = true
	default:
		p.interval = iv
		p.tau = iv * int64(burst)
		if p.tau/int64(burst) != iv || p.tau > math.MaxInt64/4 {
			p.tau = math.MaxInt64 / 4 // a burst longer than ~73 years
		}
		p.most = int(p.tau / iv) // so that n*interval never overflows
		p.span = leaseSpan(iv, p.tau, cells)
	}
	return p
}

// Limiter admits events at a rate with bursts, by the generic cell rate
// algorithm: a single theoretical arrival time (TAT), the time at which the
// limiter would be idle again, read from the monotonic clock and advanced
// with compare-and-swap. Allow takes no lock. An event (or n of them) is
// allowed when advancing the TAT by its cost keeps it within burst intervals
// of now. So over any interval of length T, at most r*T + burst events are
// admitted, whatever the interleaving of callers; a caller holding an older
// clock reading than the TAT reflects sees a stricter limit, never a looser
// one.
//
// When several cores call at once, each processor leases a short stretch of
// the TAT ahead (at most a quarter of the burst between them, and only while
// the bucket stays at least half full) and admits from it without writing
// shared memory; see the package documentation for what that changes.
//
// A Limiter is safe for concurrent use by multiple goroutines.
type Limiter struct {
	p     atomic.Pointer[params]
	sys   *systemClock // the clock when it is the system's: a direct call
	clock Clock
	cells []cell     // one lease per P; nil on a single P
	mu    sync.Mutex // serializes SetLimit and SetBurst
	// The TAT, written by every claim, on cache lines of its own: the fields
	// above are read on every call and must not move with it.
	_   [128]byte
	tat atomic.Int64 // nanoseconds on the clock
	_   [128]byte
}

// NewLimiter returns a limiter that allows r events per second with bursts
// of up to burst events, starting full. A burst of 0 allows no event unless
// r is Inf; r == 0 allows none.
func NewLimiter(r Limit, burst int, opts ...Option) (*Limiter, error) {
	if err := checkLimit(r); err != nil {
		return nil, err
	}
	if burst < 0 {
		return nil, fmt.Errorf("rate: burst must be >= 0, got %d", burst)
	}
	c, err := configure(opts)
	if err != nil {
		return nil, err
	}
	l := &Limiter{clock: c.clock, cells: newCells()}
	l.sys, _ = c.clock.(*systemClock)
	l.p.Store(newParams(r, burst, len(l.cells), 0))
	l.tat.Store(int64(l.clock.Now()))
	return l, nil
}

func (l *Limiter) now() int64 {
	if l.sys != nil {
		return int64(time.Since(l.sys.origin))
	}
	return int64(l.clock.Now())
}

// Allow reports whether one event may happen now, and takes it if so.
func (l *Limiter) Allow() bool { return l.AllowN(1) }

// AllowN reports whether n events may happen now, and takes them if so.
// AllowN(0) is true; n < 0 and n greater than the burst are always false.
func (l *Limiter) AllowN(n int) bool {
	p := l.p.Load()
	if uint(n-1) >= uint(p.most) { // n outside 1..burst, or Inf, or none
		return allowOdd(p, n)
	}
	var now int64
	if l.sys != nil {
		now = int64(time.Since(l.sys.origin)) // l.now(), by hand: a call less
	} else {
		now = int64(l.clock.Now())
	}
	cost := int64(n) * p.interval
	if p.span == 0 {
		_, _, ok := l.claim(p, nil, now, cost, 0, false)
		return ok
	}
	id := procPin()
	if id >= len(l.cells) { // GOMAXPROCS grew after NewLimiter
		procUnpin()
		_, _, ok := l.claim(p, nil, now, cost, 0, false)
		return ok
	}
	ok := l.allowFrom(&l.cells[id], p, now, cost)
	procUnpin()
	return ok
}

// allowOdd answers AllowN for n outside 1..burst, and for the limits Inf
// and none (whose most is 0).
func allowOdd(p *params, n int) bool {
	switch {
	case n == 0:
		return true
	case n < 0:
		return false
	case p.all:
		return true
	}
	return false // none, or more than the burst
}

// allowFrom takes cost nanoseconds from lease c if they fit in it, and
// otherwise claims them from the TAT. The caller has pinned c's P.
func (l *Limiter) allowFrom(c *cell, p *params, now, cost int64) bool {
	if tat, hi, gen := c.load(); gen == p.gen {
		if next := max(tat, now) + cost; next <= hi && next-now <= p.tau {
			c.setTat(next)
			return true
		}
	}
	_, _, ok := l.claim(p, c, now, cost, 0, true)
	return ok
}

// claim takes cost nanoseconds of the TAT if the events may happen within
// maxWait of now, and returns the TAT it set and the wait. c is the caller's
// pinned lease cell, or nil: a claim goes on from where c's lease stopped
// when that lease ends at the TAT (nobody has claimed after it), and with
// lease set it takes a new lease while the bucket stays at least half full
// afterwards. It loads the TAT once per attempt and keeps the caller's clock
// reading for every attempt: a reading only grows staler, which can only
// make a claim stricter.
func (l *Limiter) claim(p *params, c *cell, now, cost, maxWait int64, lease bool) (next, wait int64, ok bool) {
	for {
		tat := l.tat.Load()
		base, own := tat, false
		if c != nil {
			if ctat, hi, gen := c.load(); gen == p.gen && hi == tat {
				base, own = ctat, true
			}
		}
		start := max(base, now)
		next = start + cost
		wait = max(next-p.tau-now, 0)
		if wait > maxWait {
			return next, wait, false
		}
		hi := next
		if lease {
			if end := start + p.span; end > next && end-now <= p.tau/2 {
				hi = end
			}
		}
		if l.tat.CompareAndSwap(tat, hi) {
			if own || hi > next {
				c.store(next, hi, p.gen)
			}
			return next, wait, true
		}
	}
}

// Reservation is a claim on future events made by Reserve or ReserveN. Its
// methods are not safe for concurrent use with each other.
type Reservation struct {
	l        *Limiter
	ok       bool
	tat      int64 // the limiter's TAT right after this reservation
	cost     int64
	act      int64 // when the events may happen, on the limiter's clock
	canceled bool
}

// Reserve is ReserveN(1).
func (l *Limiter) Reserve() *Reservation { return l.ReserveN(1) }

// ReserveN claims n events, however far in the future they may happen, and
// returns the reservation; Delay says how long to wait before acting. If n
// events can never be allowed (n > burst, limit 0, n < 0), the reservation
// is not OK and claims nothing.
func (l *Limiter) ReserveN(n int) *Reservation {
	r, _, _ := l.reserve(n, math.MaxInt64)
	return r
}

// reserve claims n events if they may happen within maxWait nanoseconds and
// returns the wait; otherwise it claims nothing, and late reports whether
// that is because of maxWait (rather than because they never can be).
func (l *Limiter) reserve(n int, maxWait int64) (r *Reservation, wait int64, late bool) {
	p := l.p.Load()
	r = &Reservation{l: l}
	switch {
	case n == 0 || (n > 0 && p.all):
		r.ok = true
		return r, 0, false
	case n < 0 || p.none || n > p.most:
		return r, 0, false
	}
	now := l.now()
	cost := int64(n) * p.interval
	var c *cell
	if p.span != 0 {
		// Pinned only to carry on from this P's own lease, so that one
		// goroutine alone sees exactly the algorithm without leases.
		if id := procPin(); id < len(l.cells) {
			c = &l.cells[id]
		}
		defer procUnpin()
	}
	wait, late = l.reserveFrom(r, c, p, now, cost, maxWait)
	return r, wait, late
}

// reserveFrom fills in r if cost nanoseconds can be claimed within maxWait,
// carrying on from c's lease if c is not nil (its P pinned by the caller).
func (l *Limiter) reserveFrom(r *Reservation, c *cell, p *params, now, cost, maxWait int64) (wait int64, late bool) {
	next, wait, ok := l.claim(p, c, now, cost, maxWait, false)
	if !ok {
		return wait, true
	}
	r.ok, r.tat, r.cost, r.act = true, next, cost, next-p.tau
	return wait, false
}

// OK reports whether the reservation holds events: false when they could
// never be allowed.
func (r *Reservation) OK() bool { return r.ok }

// Delay returns how long to wait from now before the reserved events may
// happen: 0 if they may happen now.
func (r *Reservation) Delay() time.Duration {
	if !r.ok || r.cost == 0 {
		return 0
	}
	return time.Duration(max(r.act-r.l.now(), 0))
}

// Cancel gives the reserved events back, as far as that is exact: only if
// their time has not come yet and no event was taken, reserved or leased
// (see Limiter) after them (those were admitted counting on this
// reservation, and keep it).
// Otherwise Cancel gives nothing back. Calling Cancel again does nothing.
func (r *Reservation) Cancel() {
	if !r.ok || r.canceled || r.cost == 0 {
		return
	}
	r.canceled = true
	if r.l.now() >= r.act {
		return
	}
	r.l.tat.CompareAndSwap(r.tat, r.tat-r.cost)
}

// maxWait is how long a wait may last before ctx's deadline, in nanoseconds.
func maxWait(ctx context.Context) int64 {
	if dl, ok := ctx.Deadline(); ok {
		return int64(time.Until(dl))
	}
	return math.MaxInt64
}

// Wait is WaitN(ctx, 1).
func (l *Limiter) Wait(ctx context.Context) error { return l.WaitN(ctx, 1) }

// WaitN waits until n events may happen and takes them, or returns an error:
// at once, without waiting, if n events can never be allowed (wrapping
// ErrNever) or if ctx's deadline comes before they could be (wrapping
// context.DeadlineExceeded); or when ctx ends while waiting, in which case
// the reservation is cancelled. WaitN(ctx, 0) returns nil unless ctx has
// ended.
func (l *Limiter) WaitN(ctx context.Context, n int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r, wait, late := l.reserve(n, maxWait(ctx))
	if !r.ok {
		if late {
			return fmt.Errorf("rate: %d events would wait %v, past the context's deadline: %w", n, time.Duration(wait), context.DeadlineExceeded)
		}
		p := l.p.Load()
		return fmt.Errorf("%w: %d events at limit %v with burst %d", ErrNever, n, float64(p.limit), p.burst)
	}
	if wait <= 0 {
		return nil
	}
	if err := l.clock.Sleep(ctx, time.Duration(wait)); err != nil {
		r.Cancel()
		return err
	}
	return nil
}

// SetLimit changes the rate. Events owed under the old rate are carried over
// at the new one. Calls that start after SetLimit returns see the new rate.
func (l *Limiter) SetLimit(r Limit) error {
	if err := checkLimit(r); err != nil {
		return err
	}
	l.set(func(p *params) *params { return newParams(r, p.burst, len(l.cells), 0) })
	return nil
}

// SetBurst changes the burst (>= 0).
func (l *Limiter) SetBurst(burst int) error {
	if burst < 0 {
		return fmt.Errorf("rate: burst must be >= 0, got %d", burst)
	}
	l.set(func(p *params) *params { return newParams(p.limit, burst, len(l.cells), 0) })
	return nil
}

func (l *Limiter) set(change func(*params) *params) {
	l.mu.Lock()
	defer l.mu.Unlock()
	old := l.p.Load()
	l.giveBack(old)
	p := change(old)
	p.gen = old.gen + 1 // void every lease taken under old
	l.p.Store(p)
	if old.interval == 0 || p.interval == 0 || old.interval == p.interval {
		return
	}
	now := l.now()
	for {
		tat := l.tat.Load()
		if tat <= now {
			return
		}
		owed := float64(tat-now) / float64(old.interval) // events owed
		next := now + int64(math.Ceil(owed*float64(p.interval)))
		if l.tat.CompareAndSwap(tat, next) {
			return
		}
	}
}

// giveBack returns the unused end of the calling P's lease under p, if
// nobody has claimed after it. Events leased by other Ps stay taken.
func (l *Limiter) giveBack(p *params) {
	if p.span == 0 {
		return
	}
	defer procUnpin()
	id := procPin()
	if id >= len(l.cells) {
		return
	}
	c := &l.cells[id]
	if tat, hi, gen := c.load(); gen == p.gen && tat < hi && l.tat.CompareAndSwap(hi, tat) {
		c.store(tat, tat, gen)
	}
}

// Limit returns the current rate.
func (l *Limiter) Limit() Limit { return l.p.Load().limit }

// Burst returns the current burst.
func (l *Limiter) Burst() int { return l.p.Load().burst }

// Tokens returns how many events may happen now: up to the burst, and
// negative while reservations are pending. Events leased by the other
// processors and not yet taken (see Limiter) count as taken. It is +Inf for
// Inf and 0 for a limiter that allows nothing.
func (l *Limiter) Tokens() float64 {
	p := l.p.Load()
	switch {
	case p.all:
		return math.Inf(1)
	case p.none:
		return 0
	}
	now := l.now()
	tat := l.tat.Load()
	if p.span != 0 {
		if id := procPin(); id < len(l.cells) {
			if ctat, hi, gen := l.cells[id].load(); gen == p.gen && hi == tat {
				tat = ctat // this P's own lease, unused: not taken
			}
		}
		procUnpin()
	}
	return float64(p.tau-max(tat-now, 0)) / float64(p.interval)
}
