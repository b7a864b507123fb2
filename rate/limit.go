package rate

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"
)

// Limit is a rate of events per second.
type Limit float64

// Inf is the rate that allows every event.
const Inf = Limit(math.MaxFloat64)

// Every returns the rate of one event per interval d. A d <= 0 gives Inf.
func Every(d time.Duration) Limit {
	if d <= 0 {
		return Inf
	}
	return Limit(float64(time.Second) / float64(d))
}

// PerSecond returns the rate of n events per second.
func PerSecond(n float64) Limit { return Limit(n) }

// interval returns the time between two events at rate r, in nanoseconds:
// 0 for Inf, and ok == false for a rate that allows nothing or is invalid.
func (r Limit) interval() (ns int64, ok bool) {
	switch {
	case r == Inf || float64(r) > 1e9:
		return 0, true
	case r > 0:
		return int64(math.Ceil(1e9 / float64(r))), true
	}
	return 0, false
}

func checkLimit(r Limit) error {
	if math.IsNaN(float64(r)) || r < 0 {
		return fmt.Errorf("rate: limit must be >= 0 events per second, got %v", float64(r))
	}
	return nil
}

// ErrNever is returned, wrapped, by a wait that can never succeed: the limit
// is 0, or more events are asked for at once than the burst holds.
var ErrNever = errors.New("rate: request can never be allowed")

// Clock is the time source of a limiter or pacer: a monotonic reading and a
// sleep. The default reads Go's monotonic clock (so wall-clock steps change
// nothing) and follows the fake clock inside a testing/synctest bubble.
type Clock interface {
	// Now returns the time elapsed since a fixed origin of the clock's
	// choosing. It must never go backwards by much; a limiter treats a
	// reading older than one already seen as that older time, which can
	// only make it stricter.
	Now() time.Duration
	// Sleep waits for d, or until ctx ends; it then returns ctx.Err().
	Sleep(ctx context.Context, d time.Duration) error
}

// systemClock reads the monotonic clock through time.Since on an origin that
// carries a monotonic reading: one runtime nanotime call, no wall-clock read.
type systemClock struct{ origin time.Time }

func newSystemClock() *systemClock { return &systemClock{origin: time.Now()} }

func (c *systemClock) Now() time.Duration { return time.Since(c.origin) }

func (c *systemClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Option configures a Limiter, Keyed limiter or Pacer.
type Option func(*config)

type config struct {
	clock Clock
	err   error
}

// WithClock makes the limiter read time from c and sleep with c, instead of
// the system's monotonic clock and timers.
func WithClock(c Clock) Option {
	return func(o *config) {
		if c == nil && o.err == nil {
			o.err = errors.New("rate: clock must not be nil")
		}
		o.clock = c
	}
}

func configure(opts []Option) (config, error) {
	var c config
	for _, o := range opts {
		if o == nil {
			return c, errors.New("rate: option must not be nil")
		}
		o(&c)
	}
	if c.err != nil {
		return c, c.err
	}
	if c.clock == nil {
		c.clock = newSystemClock()
	}
	return c, nil
}
