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
	interval int64 // nanoseconds between events
	tau      int64 // how far past now the TAT may run: burst * interval
	all      bool  // Inf: every event is allowed
	none     bool  // limit 0 or burst 0: no event is allowed
}

func newParams(limit Limit, burst int) *params {
	p := &params{limit: limit, burst: burst}
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
// A Limiter is safe for concurrent use by multiple goroutines.
type Limiter struct {
	tat   atomic.Int64 // nanoseconds on the clock
	p     atomic.Pointer[params]
	sys   *systemClock // the clock when it is the system's: a direct call
	clock Clock
	mu    sync.Mutex // serializes SetLimit and SetBurst
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
	l := &Limiter{clock: c.clock}
	l.sys, _ = c.clock.(*systemClock)
	l.p.Store(newParams(r, burst))
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
	switch {
	case n == 0:
		return true
	case n < 0:
		return false
	case p.all:
		return true
	case p.none || n > p.burst:
		return false
	}
	now := l.now()
	cost := int64(n) * p.interval
	for {
		tat := l.tat.Load()
		next := max(tat, now) + cost
		if next-now > p.tau {
			return false
		}
		if l.tat.CompareAndSwap(tat, next) {
			return true
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
	case n < 0 || p.none || n > p.burst:
		return r, 0, false
	}
	now := l.now()
	cost := int64(n) * p.interval
	for {
		tat := l.tat.Load()
		next := max(tat, now) + cost
		wait = max(next-p.tau-now, 0)
		if wait > maxWait {
			return r, wait, true
		}
		if l.tat.CompareAndSwap(tat, next) {
			r.ok, r.tat, r.cost, r.act = true, next, cost, next-p.tau
			return r, wait, false
		}
	}
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
// their time has not come yet and no event was taken or reserved after
// them (those were admitted counting on this reservation, and keep it).
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
	l.set(func(p *params) *params { return newParams(r, p.burst) })
	return nil
}

// SetBurst changes the burst (>= 0).
func (l *Limiter) SetBurst(burst int) error {
	if burst < 0 {
		return fmt.Errorf("rate: burst must be >= 0, got %d", burst)
	}
	l.set(func(p *params) *params { return newParams(p.limit, burst) })
	return nil
}

func (l *Limiter) set(change func(*params) *params) {
	l.mu.Lock()
	defer l.mu.Unlock()
	old := l.p.Load()
	p := change(old)
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

// Limit returns the current rate.
func (l *Limiter) Limit() Limit { return l.p.Load().limit }

// Burst returns the current burst.
func (l *Limiter) Burst() int { return l.p.Load().burst }

// Tokens returns how many events may happen now: up to the burst, and
// negative while reservations are pending. It is +Inf for Inf and 0 for a
// limiter that allows nothing.
func (l *Limiter) Tokens() float64 {
	p := l.p.Load()
	switch {
	case p.all:
		return math.Inf(1)
	case p.none:
		return 0
	}
	now := l.now()
	return float64(p.tau-max(l.tat.Load()-now, 0)) / float64(p.interval)
}
