package rate_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/weft-dev/weft/flow"
	"github.com/weft-dev/weft/group"
	"github.com/weft-dev/weft/pool"
	"github.com/weft-dev/weft/rate"
)

// startTimes records when tasks start, in fake time since the first call.
type startTimes struct {
	mu    sync.Mutex
	start time.Time
	at    []time.Duration
}

func (s *startTimes) mark() {
	s.mu.Lock()
	s.at = append(s.at, time.Since(s.start))
	s.mu.Unlock()
}

func (s *startTimes) want(t *testing.T, what string) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	slices.Sort(s.at)
	want := []time.Duration{0, 100 * time.Millisecond, 200 * time.Millisecond, 300 * time.Millisecond}
	if !slices.Equal(s.at, want) {
		t.Errorf("%s: starts at %v; want %v", what, s.at, want)
	}
}

func TestPoolWithRate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		lim, _ := rate.NewLimiter(rate.PerSecond(10), 1)
		p, err := pool.New(4, pool.WithRate(lim))
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		s := startTimes{start: time.Now()}
		for range 4 {
			p.Go(s.mark)
		}
		p.Wait()
		s.want(t, "pool")
	})
}

func TestPoolWithRateReportsTasksItCouldNotStart(t *testing.T) {
	zero, _ := rate.NewLimiter(0, 1)
	p, _ := pool.New(1, pool.WithRate(zero))
	defer p.Close()
	ran := false
	p.Go(func() { ran = true })
	if err := p.Wait(); !errors.Is(err, pool.ErrDropped) || !errors.Is(err, rate.ErrNever) || ran {
		t.Errorf("Wait: got %v (ran %v); want ErrDropped wrapping ErrNever and no run", err, ran)
	}
}

func TestGroupWithRate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		lim, _ := rate.NewLimiter(rate.PerSecond(10), 1)
		g, err := group.New(context.Background(), group.WithLimit(4), group.WithRate(lim))
		if err != nil {
			t.Fatal(err)
		}
		s := startTimes{start: time.Now()}
		for range 4 {
			g.Go(func(context.Context) error { s.mark(); return nil })
		}
		if err := g.Wait(); err != nil {
			t.Fatal(err)
		}
		s.want(t, "group")
	})
}

func TestFlowThrottle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		lim, _ := rate.NewLimiter(rate.PerSecond(10), 1)
		s := startTimes{start: time.Now()}
		for _, err := range flow.Throttle(context.Background(), flow.FromSlice([]int{1, 2, 3, 4}), lim) {
			if err != nil {
				t.Fatal(err)
			}
			s.mark()
		}
		s.want(t, "flow.Throttle")
	})
}
