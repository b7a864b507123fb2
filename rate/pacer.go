package rate

import (
	"context"
	"fmt"
	"iter"
	"time"
)

// Pacer releases permits evenly spaced at a rate: the ticker loop of
// "rate limiting with a ticker", without its drift and without a goroutine.
//
//	p, _ := rate.NewPacer(rate.PerSecond(10))
//	for range p.Ticks(ctx) {
//		send() // at most 10 per second, evenly spaced
//	}
//
// Permit k is due at start + k*interval, counted from when the loop starts,
// so time spent in the loop body does not push later permits back. When the
// body overruns, the permits whose time has passed are dropped except the
// latest, which is released at once, as time.Ticker does: no late burst. A Pacer holds no state and may
// be used by many loops at once, each with its own schedule.
type Pacer struct {
	interval time.Duration
	clock    Clock
}

// NewPacer returns a pacer for rate r, which must be positive and finite.
func NewPacer(r Limit, opts ...Option) (*Pacer, error) {
	if err := checkLimit(r); err != nil {
		return nil, err
	}
	iv, ok := r.interval()
	if !ok || iv == 0 {
		return nil, fmt.Errorf("rate: a pacer needs a positive, finite rate of at most 1e9 per second, got %v", float64(r))
	}
	c, err := configure(opts)
	if err != nil {
		return nil, err
	}
	return &Pacer{interval: time.Duration(iv), clock: c.clock}, nil
}

// Ticks returns a sequence of permits: the first at once, then one per
// interval. Each value is the permit's number on the schedule, so a skipped
// permit shows as a gap. The sequence ends when ctx ends or the loop stops;
// it starts no goroutine.
func (p *Pacer) Ticks(ctx context.Context) iter.Seq[int] {
	return func(yield func(int) bool) {
		start := p.clock.Now()
		for k := 0; ; {
			due := start + time.Duration(k)*p.interval
			if err := p.clock.Sleep(ctx, due-p.clock.Now()); err != nil {
				return
			}
			if !yield(k) {
				return
			}
			k++
			if late := p.clock.Now() - start - time.Duration(k)*p.interval; late > 0 {
				k += int(late / p.interval) // skip the permits whose time has passed
			}
		}
	}
}
