package rate

import (
	"context"
	"math"
	"testing"
	"time"
)

// settableClock returns the time it was last set to.
type settableClock struct{ now int64 }

func (c *settableClock) Now() time.Duration                         { return time.Duration(c.now) }
func (c *settableClock) Sleep(context.Context, time.Duration) error { return nil }

// newTestLimiter returns a limiter with cells simulated processors, whatever
// GOMAXPROCS is: the tests choose the cell of each call themselves.
func newTestLimiter(t testing.TB, r Limit, burst, cells int, c Clock) *Limiter {
	t.Helper()
	l, err := NewLimiter(r, burst, WithClock(c))
	if err != nil {
		t.Fatal(err)
	}
	l.cells = make([]cell, cells)
	l.p.Store(newParams(r, burst, cells, 0))
	return l
}

// FuzzLeases drives a limiter's leases directly: each operation runs as if
// on one of four processors, chosen by the fuzzer, at a clock reading that
// moves forward by up to 199ms or by whole seconds, less a staleness of up
// to 2.55s, so readings go back and forth. Operations: Allow, AllowN and
// Allow until denied from a processor's lease, reservations carried on from
// it (later kept, at the time they are due, or cancelled), and AllowN
// through the public path on the real processor. It checks the bound over every window of readings:
// at most r*T + burst events admitted at readings within T of each other.
func FuzzLeases(f *testing.F) {
	f.Add([]byte{9, 120, 0, 10, 0, 0, 10, 50, 1, 0, 120, 2, 5, 9, 3, 200, 100, 0, 0, 0, 77, 1, 3})
	f.Add([]byte{49, 30, 1, 0, 0, 5, 0, 0, 2, 1, 199, 6, 255, 0, 3, 0, 0, 0, 1, 1, 33, 0, 0, 65, 0, 0})
	f.Add([]byte{0, 199, 0, 0, 0, 32, 0, 0, 64, 0, 0, 96, 0, 0, 0, 250, 0, 32, 0, 0, 64, 0, 0, 96, 0, 0})
	// 10/s, burst 64: a lease on processor 0, ten seconds, processor 1
	// drains the bucket, processor 0 comes back.
	f.Add([]byte{9, 63, 0, 0, 0, 0, 209, 0, 34, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		next := func() int {
			if len(data) == 0 {
				return 0
			}
			v := data[0]
			data = data[1:]
			return int(v)
		}
		perSecond := next()%50 + 1
		burst := next()%200 + 1
		var c settableClock
		l := newTestLimiter(t, PerSecond(float64(perSecond)), burst, 4, &c)
		type held struct {
			r  *Reservation
			at int64 // when the events are due
			n  int
		}
		var (
			log     []admission
			pending []held
			truth   int64
		)
		for len(data) > 0 {
			op := next()
			if d := int64(next()); d < 200 {
				truth += d * int64(time.Millisecond)
			} else {
				truth += (d - 199) * int64(time.Second) // the bucket refills
			}
			c.now = truth - int64(next())*int64(10*time.Millisecond)
			at := c.now
			n := op/8%4 + 1
			cl := &l.cells[op/32%4]
			p := l.p.Load()
			switch op % 8 {
			case 0, 1:
				if l.allowFrom(cl, p, at, p.interval) {
					log = append(log, admission{lo: at, hi: at, n: 1})
				}
			case 2:
				for range p.burst + 1 {
					if !l.allowFrom(cl, p, at, p.interval) {
						break
					}
					log = append(log, admission{lo: at, hi: at, n: 1})
				}
			case 3:
				if n <= p.burst && l.allowFrom(cl, p, at, int64(n)*p.interval) {
					log = append(log, admission{lo: at, hi: at, n: n})
				}
			case 4:
				r := &Reservation{l: l}
				if n > p.burst {
					break
				}
				if wait, _ := l.reserveFrom(r, cl, p, at, int64(n)*p.interval, math.MaxInt64); r.ok {
					pending = append(pending, held{r, at + wait, n})
				}
			case 5: // keep the oldest reservation: its events happen when due
				if len(pending) > 0 {
					h := pending[0]
					pending = pending[1:]
					log = append(log, admission{lo: h.at, hi: h.at, n: h.n})
				}
			case 6: // give the newest reservation up
				if len(pending) > 0 {
					pending[len(pending)-1].r.Cancel()
					pending = pending[:len(pending)-1]
				}
			case 7:
				if l.AllowN(n) {
					log = append(log, admission{lo: at, hi: at, n: n})
				}
			}
		}
		if err := overAdmitted(log, float64(perSecond), burst); err != nil {
			t.Fatal(err)
		}
	})
}

// TestSetLimitVoidsLeases pins that a lease taken under one setting is not
// used under the next: at a faster rate, a lease's stretch of the old
// timeline would hold many more events than it was taken for.
func TestSetLimitVoidsLeases(t *testing.T) {
	var c settableClock
	l := newTestLimiter(t, PerSecond(10), 100, 4, &c)
	p := l.p.Load()
	if !l.allowFrom(&l.cells[1], p, 0, p.interval) {
		t.Fatal("first Allow denied")
	}
	if tat, hi, _ := l.cells[1].load(); hi-tat < 2*p.interval {
		t.Fatalf("the first Allow took no lease (cell from %d to %d)", tat, hi)
	}
	if err := l.SetLimit(PerSecond(100)); err != nil {
		t.Fatal(err)
	}
	p = l.p.Load()
	admitted := 1
	for i := range l.cells {
		for l.allowFrom(&l.cells[i], p, 0, p.interval) {
			admitted++
		}
	}
	if admitted > 100 {
		t.Errorf("%d events admitted at one instant with burst 100", admitted)
	}
}

// TestHugeCostsNeverOverflow pins that a request whose cost in time does
// not fit in an int64 is refused, not admitted: at one event per 30 years
// with a burst of 100, ten events would be 300 years of nanoseconds.
func TestHugeCostsNeverOverflow(t *testing.T) {
	var c settableClock
	l := newTestLimiter(t, Every(30*365*24*time.Hour), 100, 4, &c)
	if l.AllowN(10) {
		t.Error("AllowN(10) at one event per 30 years: got true")
	}
	if r := l.ReserveN(10); r.OK() {
		t.Error("ReserveN(10) at one event per 30 years: got OK")
	}
	if !l.AllowN(2) || l.Allow() {
		t.Error("want the two events that fit in the capped burst, and no more")
	}
}
