package rate_test

import (
	"context"
	"errors"
	"math"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"github.com/weft-dev/weft/rate"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// manualClock is a Clock whose time moves only when told to; its Sleep
// moves it forward instead of waiting.
type manualClock struct{ now atomic.Int64 }

func (c *manualClock) Now() time.Duration { return time.Duration(c.now.Load()) }

func (c *manualClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.advance(d)
	return nil
}

func (c *manualClock) advance(d time.Duration) { c.now.Add(int64(d)) }

func newLimiter(t testing.TB, r rate.Limit, burst int, opts ...rate.Option) *rate.Limiter {
	t.Helper()
	l, err := rate.NewLimiter(r, burst, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestNewLimiterRejectsBadInput(t *testing.T) {
	tests := []struct {
		r     rate.Limit
		burst int
		opts  []rate.Option
		want  string
	}{
		{-1, 1, nil, "rate: limit must be >= 0 events per second, got -1"},
		{rate.Limit(math.NaN()), 1, nil, "rate: limit must be >= 0 events per second, got NaN"},
		{1, -2, nil, "rate: burst must be >= 0, got -2"},
		{1, 1, []rate.Option{rate.WithClock(nil)}, "rate: clock must not be nil"},
		{1, 1, []rate.Option{nil}, "rate: option must not be nil"},
	}
	for _, tt := range tests {
		if _, err := rate.NewLimiter(tt.r, tt.burst, tt.opts...); err == nil || err.Error() != tt.want {
			t.Errorf("NewLimiter(%v, %d): got %v; want %q", float64(tt.r), tt.burst, err, tt.want)
		}
	}
}

func TestAllowBurstThenRate(t *testing.T) {
	var c manualClock
	l := newLimiter(t, rate.PerSecond(10), 3, rate.WithClock(&c))
	for i := range 3 {
		if !l.Allow() {
			t.Fatalf("Allow %d of the burst: got false", i)
		}
	}
	if l.Allow() {
		t.Fatal("Allow past the burst: got true")
	}
	c.advance(99 * time.Millisecond)
	if l.Allow() {
		t.Fatal("Allow 99ms later: got true; want false until 100ms")
	}
	c.advance(time.Millisecond)
	if !l.Allow() {
		t.Fatal("Allow 100ms later: got false")
	}
	c.advance(time.Hour)
	if got := l.Tokens(); got != 3 {
		t.Errorf("Tokens after an hour: got %v; want the burst, 3", got)
	}
}

func TestEdgeCases(t *testing.T) {
	var c manualClock
	inf := newLimiter(t, rate.Inf, 0, rate.WithClock(&c))
	zero := newLimiter(t, 0, 5, rate.WithClock(&c))
	noBurst := newLimiter(t, 10, 0, rate.WithClock(&c))
	l := newLimiter(t, 10, 5, rate.WithClock(&c))
	tests := []struct {
		name string
		got  bool
		want bool
	}{
		{"Inf allows everything", inf.AllowN(math.MaxInt), true},
		{"limit 0 allows nothing", zero.Allow(), false},
		{"burst 0 allows nothing", noBurst.Allow(), false},
		{"n == 0 is allowed", zero.AllowN(0), true},
		{"n < 0 is never allowed", l.AllowN(-1), false},
		{"n > burst is never allowed", l.AllowN(6), false},
		{"huge n is never allowed", l.AllowN(math.MaxInt), false},
		{"n == burst is allowed", l.AllowN(5), true},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %v", tt.name, tt.got)
		}
	}
	ctx := context.Background()
	for name, err := range map[string]error{
		"Wait at limit 0":     zero.Wait(ctx),
		"Wait with burst 0":   noBurst.Wait(ctx),
		"WaitN above burst":   l.WaitN(ctx, 6),
		"WaitN with huge n":   l.WaitN(ctx, math.MaxInt),
		"WaitN with negative": l.WaitN(ctx, -1),
	} {
		if !errors.Is(err, rate.ErrNever) {
			t.Errorf("%s: got %v; want ErrNever at once", name, err)
		}
	}
	if err := inf.WaitN(ctx, math.MaxInt); err != nil {
		t.Errorf("Wait at Inf: %v", err)
	}
	if !l.ReserveN(0).OK() || l.ReserveN(6).OK() || zero.Reserve().OK() {
		t.Error("ReserveN: want OK for 0 events and not OK for impossible requests")
	}
	if got := inf.Tokens(); !math.IsInf(got, 1) {
		t.Errorf("Tokens at Inf: got %v; want +Inf", got)
	}
	if got := zero.Tokens(); got != 0 {
		t.Errorf("Tokens at limit 0: got %v; want 0", got)
	}
}

func TestWaitSleepsUntilThePermit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := newLimiter(t, rate.PerSecond(10), 1)
		start := time.Now()
		for range 4 {
			if err := l.Wait(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		if got := time.Since(start); got != 300*time.Millisecond {
			t.Errorf("4 Waits at 10/s with burst 1 took %v; want 300ms", got)
		}
	})
}

func TestWaitFailsAtOnceBeforeADeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := newLimiter(t, rate.PerSecond(1), 1)
		l.Allow()
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		start := time.Now()
		err := l.Wait(ctx)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Wait: got %v; want DeadlineExceeded", err)
		}
		if waited := time.Since(start); waited != 0 {
			t.Errorf("Wait slept %v; want it to fail at once", waited)
		}
		time.Sleep(time.Second)
		if !l.Allow() {
			t.Error("the failed Wait kept a reservation")
		}
	})
}

func TestWaitCancelledGivesThePermitBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := newLimiter(t, rate.PerSecond(1), 1)
		l.Allow()
		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error)
		go func() { errc <- l.Wait(ctx) }()
		time.Sleep(100 * time.Millisecond)
		cancel()
		if err := <-errc; !errors.Is(err, context.Canceled) {
			t.Errorf("Wait: got %v; want Canceled", err)
		}
		time.Sleep(900 * time.Millisecond)
		if !l.Allow() {
			t.Error("Allow at 1s: got false; the cancelled Wait kept its permit")
		}
	})
}

func TestReserveAndExactCancel(t *testing.T) {
	var c manualClock
	l := newLimiter(t, rate.PerSecond(10), 1, rate.WithClock(&c))
	l.Allow()
	r1 := l.Reserve()
	if d := r1.Delay(); d != 100*time.Millisecond {
		t.Fatalf("r1.Delay: got %v; want 100ms", d)
	}
	r2 := l.Reserve()
	if d := r2.Delay(); d != 200*time.Millisecond {
		t.Fatalf("r2.Delay: got %v; want 200ms", d)
	}
	r1.Cancel() // r2 counts on r1: nothing comes back
	if r3 := l.Reserve(); r3.Delay() != 300*time.Millisecond {
		t.Fatalf("after cancelling r1 under r2: r3.Delay %v; want 300ms", r3.Delay())
	} else {
		r3.Cancel() // the last one: it comes back
	}
	if r4 := l.Reserve(); r4.Delay() != 300*time.Millisecond {
		t.Errorf("after cancelling the last reservation: r4.Delay %v; want 300ms", r4.Delay())
	}
	c.advance(time.Second)
	r2.Cancel() // its time has passed: nothing comes back
	r2.Cancel() // and twice is harmless
}

func TestSetLimitAndBurst(t *testing.T) {
	var c manualClock
	l := newLimiter(t, rate.PerSecond(10), 2, rate.WithClock(&c))
	l.AllowN(2)
	l.Reserve() // owes one event: due in 100ms at 10/s
	if err := l.SetLimit(rate.PerSecond(1)); err != nil {
		t.Fatal(err)
	}
	// The owed event is carried over at the new rate: due in 1s, and the
	// bucket refills one per second after that.
	c.advance(999 * time.Millisecond)
	if l.Allow() {
		t.Error("Allow before the owed event at the new rate: got true")
	}
	c.advance(time.Second + time.Millisecond)
	if !l.Allow() {
		t.Error("Allow after the owed event and one interval at the new rate: got false")
	}
	if l.SetLimit(-1) == nil || l.SetBurst(-1) == nil {
		t.Error("SetLimit(-1) or SetBurst(-1): got nil error")
	}
	l.SetLimit(rate.Inf)
	if !l.AllowN(1000) {
		t.Error("SetLimit(Inf): AllowN(1000) got false")
	}
	l.SetLimit(0)
	if l.Allow() {
		t.Error("SetLimit(0): Allow got true")
	}
	l.SetLimit(10)
	l.SetBurst(5)
	c.advance(time.Hour)
	if !l.AllowN(5) || l.Allow() || l.Burst() != 5 || l.Limit() != 10 {
		t.Error("SetBurst(5): want 5 at once and no more")
	}
}

// TestStaleTimestampsNeverOverAdmit reproduces the interleaving of
// golang/go#71360, where callers observe the clock out of order: with x/time/rate
// 19 events were admitted in a window that allows 10. Here every caller reads
// a time up to 900ms older than the newest one seen, and the count still
// holds.
func TestStaleTimestampsNeverOverAdmit(t *testing.T) {
	var c staleClock
	l := newLimiter(t, rate.PerSecond(10), 10, rate.WithClock(&c))
	admitted := 0
	for i := range 2000 {
		c.set(time.Duration(i)*time.Millisecond, time.Duration(i%10)*90*time.Millisecond)
		if l.Allow() {
			admitted++
		}
	}
	// 2 seconds at 10/s plus a burst of 10.
	if limit := 2*10 + 10; admitted > limit {
		t.Errorf("admitted %d in 2s; want <= %d", admitted, limit)
	}
}

// staleClock returns the newest time less a staleness of the test's choice.
type staleClock struct{ now, stale time.Duration }

func (c *staleClock) set(now, stale time.Duration)               { c.now, c.stale = now, stale }
func (c *staleClock) Now() time.Duration                         { return c.now - c.stale }
func (c *staleClock) Sleep(context.Context, time.Duration) error { return nil }

// TestConcurrentCallersNeverOverAdmit hammers one limiter from 8 goroutines
// with Allow, AllowN, Reserve and Cancel, on a clock that ticks forward by
// one microsecond per reading, and checks the count against the rate over
// the whole run.
func TestConcurrentCallersNeverOverAdmit(t *testing.T) {
	c := &tickingClock{}
	const burst = 20
	l := newLimiter(t, rate.PerSecond(1000), burst, rate.WithClock(c))
	var admitted atomic.Int64
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 5000 {
				switch (g + i) % 4 {
				case 0, 1:
					if l.Allow() {
						admitted.Add(1)
					}
				case 2:
					if l.AllowN(3) {
						admitted.Add(3)
					}
				case 3:
					r := l.Reserve()
					if r.OK() && r.Delay() == 0 {
						admitted.Add(1)
					} else {
						r.Cancel()
					}
				}
			}
		})
	}
	wg.Wait()
	elapsed := c.Now()
	if limit := int64(elapsed.Seconds()*1000) + burst + 1; admitted.Load() > limit {
		t.Errorf("admitted %d over %v at 1000/s, burst %d; want <= %d", admitted.Load(), elapsed, burst, limit)
	}
	if admitted.Load() == 0 {
		t.Error("admitted nothing")
	}
}

type tickingClock struct{ t atomic.Int64 }

func (c *tickingClock) Now() time.Duration {
	return time.Duration(c.t.Add(int64(time.Microsecond)))
}
func (c *tickingClock) Sleep(context.Context, time.Duration) error { return nil }

func TestWithClockCoversSleeps(t *testing.T) {
	var c manualClock
	l := newLimiter(t, rate.PerSecond(2), 1, rate.WithClock(&c))
	for range 3 {
		if err := l.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if got := c.Now(); got != time.Second {
		t.Errorf("3 Waits at 2/s on the manual clock advanced it by %v; want 1s", got)
	}
}
