package rate_test

import (
	"context"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/weft-dev/weft/rate"
)

func TestPacerReleasesEvenlyWithoutDrift(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, err := rate.NewPacer(rate.PerSecond(10))
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		var at []time.Duration
		var ks []int
		for k := range p.Ticks(context.Background()) {
			at = append(at, time.Since(start))
			ks = append(ks, k)
			time.Sleep(30 * time.Millisecond) // the body's work does not push permits back
			if len(at) == 5 {
				break
			}
		}
		want := []time.Duration{0, 100 * time.Millisecond, 200 * time.Millisecond, 300 * time.Millisecond, 400 * time.Millisecond}
		if !slices.Equal(at, want) || !slices.Equal(ks, []int{0, 1, 2, 3, 4}) {
			t.Errorf("permits %v at %v; want 0..4 at %v", ks, at, want)
		}
	})
}

func TestPacerSkipsMissedPermits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, _ := rate.NewPacer(rate.Every(100 * time.Millisecond))
		start := time.Now()
		var ks []int
		var at []time.Duration
		for k := range p.Ticks(context.Background()) {
			ks = append(ks, k)
			at = append(at, time.Since(start))
			if k == 0 {
				time.Sleep(250 * time.Millisecond) // overrun: permit 1 is dropped
			}
			if len(ks) == 3 {
				break
			}
		}
		if !slices.Equal(ks, []int{0, 2, 3}) || !slices.Equal(at, []time.Duration{0, 250 * time.Millisecond, 300 * time.Millisecond}) {
			t.Errorf("permits %v at %v; want [0 2 3] at [0s 250ms 300ms]", ks, at)
		}
	})
}

func TestPacerStopsWithCtx(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, _ := rate.NewPacer(rate.PerSecond(10))
		ctx, cancel := context.WithTimeout(context.Background(), 350*time.Millisecond)
		defer cancel()
		n := 0
		for range p.Ticks(ctx) {
			n++
		}
		if n != 4 {
			t.Errorf("permits before the 350ms deadline: got %d; want 4", n)
		}
	})
}

func TestNewPacerRejectsBadRates(t *testing.T) {
	for _, r := range []rate.Limit{0, -1, rate.Inf} {
		if _, err := rate.NewPacer(r); err == nil {
			t.Errorf("NewPacer(%v): got nil error", float64(r))
		}
	}
}
