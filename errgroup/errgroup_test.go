package errgroup_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"
	xerrgroup "golang.org/x/sync/errgroup"

	"github.com/weft-dev/weft/errgroup"
)

// The tests in this file run every case against both weft's errgroup and
// golang.org/x/sync/errgroup, and expect the same behaviour of both: they
// are the proof that one replaces the other. In the workspace (go.work)
// the x/sync version is the one pinned by the bench module, v0.25.0;
// errgroup.go is the same file in v0.22.0, the root module's own pin.

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// group is the API both implementations share.
type group interface {
	Go(f func() error)
	TryGo(f func() error) bool
	SetLimit(n int)
	Wait() error
}

type impl struct {
	name        string
	zero        func() group
	withContext func(context.Context) (group, context.Context)
}

var impls = []impl{
	{
		name: "x/sync",
		zero: func() group { return new(xerrgroup.Group) },
		withContext: func(ctx context.Context) (group, context.Context) {
			g, ctx := xerrgroup.WithContext(ctx)
			return g, ctx
		},
	},
	{
		name: "weft",
		zero: func() group { return new(errgroup.Group) },
		withContext: func(ctx context.Context) (group, context.Context) {
			g, ctx := errgroup.WithContext(ctx)
			return g, ctx
		},
	},
}

// both runs f as a subtest for each implementation.
func both(t *testing.T, f func(t *testing.T, im impl)) {
	t.Helper()
	for _, im := range impls {
		t.Run(im.name, func(t *testing.T) { f(t, im) })
	}
}

// limits are the limits the cases that allow any run with: none, one, a few.
var limits = []int{-1, 1, 3}

// failure is an error whose identity, not only its text, is checked.
type failure struct{ name string }

func (f *failure) Error() string { return f.name }

func TestWaitWithNothingStarted(t *testing.T) {
	both(t, func(t *testing.T, im impl) {
		if err := im.zero().Wait(); err != nil {
			t.Errorf("zero Group: Wait: got %v; want nil", err)
		}
		g, ctx := im.withContext(context.Background())
		if err := ctx.Err(); err != nil {
			t.Errorf("WithContext: context ended before Wait: %v", err)
		}
		if err := g.Wait(); err != nil {
			t.Errorf("WithContext: Wait: got %v; want nil", err)
		}
		if cause := context.Cause(ctx); cause != context.Canceled {
			t.Errorf("context.Cause after Wait: got %v; want context.Canceled", cause)
		}
	})
}

func TestWaitReturnsTheFirstError(t *testing.T) {
	errA, errB := &failure{"a"}, &failure{"b"}
	tests := []struct {
		name string
		errs []error // returned one at a time, each followed by a Wait
	}{
		{"none", nil},
		{"nil", []error{nil}},
		{"one", []error{errA}},
		{"then nil", []error{errA, nil}},
		{"nil then one", []error{nil, errA}},
		{"two", []error{errA, nil, errB}},
	}
	both(t, func(t *testing.T, im impl) {
		for _, limit := range limits {
			for _, tt := range tests {
				g := im.zero()
				g.SetLimit(limit)
				var want error
				for i, err := range tt.errs {
					g.Go(func() error { return err })
					if want == nil {
						want = err
					}
					if got := g.Wait(); got != want {
						t.Errorf("limit %d, %s: Wait after %d functions: got %v; want %v (the same value)",
							limit, tt.name, i+1, got, want)
					}
				}
			}
		}
	})
}

func TestFirstErrorCancelsTheContext(t *testing.T) {
	both(t, func(t *testing.T, im impl) {
		for _, limit := range []int{-1, 2} {
			synctest.Test(t, func(t *testing.T) {
				g, ctx := im.withContext(context.Background())
				g.SetLimit(limit)
				errFirst, errLater := &failure{"first"}, &failure{"later"}
				var seen error
				g.Go(func() error {
					<-ctx.Done()
					seen = context.Cause(ctx)
					return errLater // not the first: ignored
				})
				g.Go(func() error {
					time.Sleep(time.Second)
					return errFirst
				})
				if err := g.Wait(); err != errFirst {
					t.Errorf("limit %d: Wait: got %v; want %v", limit, err, errFirst)
				}
				if seen != errFirst {
					t.Errorf("limit %d: context.Cause seen by the other function: got %v; want %v", limit, seen, errFirst)
				}
				if cause := context.Cause(ctx); cause != errFirst {
					t.Errorf("limit %d: context.Cause after Wait: got %v; want %v", limit, cause, errFirst)
				}
			})
		}
	})
}

func TestContextLiveUntilWait(t *testing.T) {
	both(t, func(t *testing.T, im impl) {
		for _, limit := range limits {
			g, ctx := im.withContext(context.Background())
			g.SetLimit(limit)
			var live atomic.Int64
			for range 20 {
				g.Go(func() error {
					if ctx.Err() == nil {
						live.Add(1)
					}
					return nil
				})
			}
			if err := g.Wait(); err != nil {
				t.Fatal(err)
			}
			if live.Load() != 20 {
				t.Errorf("limit %d: %d of 20 functions saw a live context; want all", limit, live.Load())
			}
			if cause := context.Cause(ctx); cause != context.Canceled {
				t.Errorf("limit %d: context.Cause after Wait: got %v; want context.Canceled", limit, cause)
			}
		}
	})
}

func TestGoBlocksAtTheLimit(t *testing.T) {
	both(t, func(t *testing.T, im impl) {
		for _, limit := range []int{1, 3} {
			synctest.Test(t, func(t *testing.T) {
				g := im.zero()
				g.SetLimit(limit)
				release := make(chan struct{})
				var active atomic.Int64
				for range limit {
					g.Go(func() error { active.Add(1); <-release; active.Add(-1); return nil })
				}
				var returned atomic.Bool
				var ran atomic.Bool
				go func() {
					g.Go(func() error { ran.Store(true); return nil })
					returned.Store(true)
				}()
				synctest.Wait()
				if got := active.Load(); got != int64(limit) {
					t.Errorf("limit %d: %d functions active; want %d", limit, got, limit)
				}
				if returned.Load() || ran.Load() {
					t.Errorf("limit %d: Go returned (or its function ran) with %d functions active", limit, limit)
				}
				if g.TryGo(func() error { ran.Store(true); return nil }) {
					t.Errorf("limit %d: TryGo: got true with %d functions active", limit, limit)
				}
				release <- struct{}{} // one function returns
				synctest.Wait()
				if !returned.Load() {
					t.Errorf("limit %d: Go still blocked after a function returned", limit)
				}
				close(release)
				if err := g.Wait(); err != nil {
					t.Fatal(err)
				}
				if !ran.Load() {
					t.Errorf("limit %d: the blocked Go's function did not run", limit)
				}
			})
		}
	})
}

func TestLimitIsReachedAndNeverPassed(t *testing.T) {
	both(t, func(t *testing.T, im impl) {
		for _, limit := range []int{1, 4} {
			synctest.Test(t, func(t *testing.T) {
				g := im.zero()
				g.SetLimit(limit)
				var running, peak atomic.Int64
				for i := range 40 {
					g.Go(func() error {
						n := running.Add(1)
						for m := peak.Load(); n > m && !peak.CompareAndSwap(m, n); m = peak.Load() {
						}
						time.Sleep(time.Duration(i%7+1) * time.Millisecond)
						running.Add(-1)
						return nil
					})
				}
				if err := g.Wait(); err != nil {
					t.Fatal(err)
				}
				if got := peak.Load(); got != int64(limit) {
					t.Errorf("peak of active functions: got %d; want %d", got, limit)
				}
			})
		}
	})
}

func TestTryGo(t *testing.T) {
	both(t, func(t *testing.T, im impl) {
		synctest.Test(t, func(t *testing.T) {
			g := im.zero()
			var ran atomic.Int64
			count := func() error { ran.Add(1); return nil }
			for i := range 100 {
				if !g.TryGo(count) {
					t.Fatalf("no limit: TryGo %d: got false; want true", i)
				}
			}
			g.Wait()

			const limit = 5
			g.SetLimit(limit)
			release := make(chan struct{})
			for i := range limit {
				if !g.TryGo(func() error { <-release; return nil }) {
					t.Fatalf("limit %d: TryGo %d: got false; want true", limit, i)
				}
			}
			for range 3 {
				if g.TryGo(count) {
					t.Errorf("limit %d: TryGo with %d active: got true; want false", limit, limit)
				}
			}
			close(release)
			g.Wait()
			if !g.TryGo(count) {
				t.Error("TryGo after Wait: got false; want true")
			}
			g.Wait()

			g.SetLimit(0)
			for range 100 {
				if g.TryGo(count) {
					t.Fatal("limit 0: TryGo: got true; want false")
				}
			}
			if err := g.Wait(); err != nil {
				t.Errorf("limit 0: Wait: got %v; want nil", err)
			}
			if got := ran.Load(); got != 101 {
				t.Errorf("functions run: got %d; want 101 (none refused by TryGo)", got)
			}
		})
	})
}

func TestSetLimitWhileActive(t *testing.T) {
	tests := []struct {
		name      string
		n         int
		wantPanic bool
	}{
		{"raise", 5, true},
		{"lower", 1, true},
		{"zero", 0, true},
		{"remove", -1, false},
	}
	both(t, func(t *testing.T, im impl) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				g := im.zero()
				g.SetLimit(2)
				release := make(chan struct{})
				g.Go(func() error { <-release; return nil })
				g.Go(func() error { <-release; return nil })
				v := recovered(func() { g.SetLimit(tt.n) })
				close(release)
				if err := g.Wait(); err != nil {
					t.Fatal(err)
				}
				if !tt.wantPanic {
					if v != nil {
						t.Errorf("SetLimit(%d) with 2 active: panicked with %v; want no panic", tt.n, v)
					}
					return
				}
				err, ok := v.(error)
				if !ok {
					t.Fatalf("SetLimit(%d) with 2 active: panicked with %#v; want an error", tt.n, v)
				}
				if msg := err.Error(); !strings.HasPrefix(msg, "errgroup: ") || !strings.Contains(msg, " 2 goroutines ") {
					t.Errorf("panic message %q: want the package and the 2 active goroutines", msg)
				}
				// Once nothing is active, the limit may change.
				if v := recovered(func() { g.SetLimit(tt.n) }); v != nil {
					t.Errorf("SetLimit(%d) after Wait: panicked with %v", tt.n, v)
				}
			})
		}
	})
}

// recovered runs f and returns what it panicked with, or nil.
func recovered(f func()) (v any) {
	defer func() { v = recover() }()
	f()
	return nil
}

func TestReuseAfterWait(t *testing.T) {
	both(t, func(t *testing.T, im impl) {
		for _, limit := range limits {
			g, ctx := im.withContext(context.Background())
			g.SetLimit(limit)
			var ran atomic.Int64
			g.Go(func() error { ran.Add(1); return nil })
			if err := g.Wait(); err != nil {
				t.Fatalf("limit %d: round 1: Wait: %v", limit, err)
			}
			errLate := &failure{"late"}
			g.Go(func() error { ran.Add(1); return errLate })
			g.Go(func() error { ran.Add(1); return nil })
			if err := g.Wait(); err != errLate {
				t.Errorf("limit %d: round 2: Wait: got %v; want %v", limit, err, errLate)
			}
			g.Go(func() error { ran.Add(1); return &failure{"later still"} })
			if err := g.Wait(); err != errLate {
				t.Errorf("limit %d: round 3: Wait: got %v; want the first error, %v", limit, err, errLate)
			}
			if got := ran.Load(); got != 4 {
				t.Errorf("limit %d: functions run: got %d; want 4", limit, got)
			}
			// The context ended with the first Wait; its cause stays.
			if cause := context.Cause(ctx); cause != context.Canceled {
				t.Errorf("limit %d: context.Cause: got %v; want context.Canceled", limit, cause)
			}
		}
	})
}

func TestWaitWaitsForNestedFunctions(t *testing.T) {
	both(t, func(t *testing.T, im impl) {
		for _, limit := range limits {
			g := im.zero()
			g.SetLimit(limit)
			var ran atomic.Int64
			leaf := func() error { ran.Add(1); return nil }
			for range 50 {
				g.Go(func() error {
					// A limited group must not block its own functions
					// in Go: TryGo, or run inline.
					for range 3 {
						if limit < 0 {
							g.Go(leaf)
						} else if !g.TryGo(leaf) {
							leaf()
						}
					}
					return leaf()
				})
			}
			if err := g.Wait(); err != nil {
				t.Fatal(err)
			}
			if got := ran.Load(); got != 200 {
				t.Errorf("limit %d: functions run before Wait returned: got %d; want 200", limit, got)
			}
		}
	})
}

// TestReturnHappensBeforeWait writes plain memory in the functions and
// reads it after Wait: the race detector reports it if the return of a
// function is not synchronized before the return of Wait.
func TestReturnHappensBeforeWait(t *testing.T) {
	both(t, func(t *testing.T, im impl) {
		for _, limit := range limits {
			g := im.zero()
			g.SetLimit(limit)
			out := make([]int, 64)
			var last string
			for i := range out {
				g.Go(func() error {
					out[i] = i * i
					if i == 7 {
						last = fmt.Sprint("wrote ", i)
						return &failure{"seven"}
					}
					return nil
				})
			}
			err := g.Wait()
			if err == nil || err.Error() != "seven" || last != "wrote 7" {
				t.Errorf("limit %d: Wait: got %v, %q; want seven, wrote 7", limit, err, last)
			}
			for i, v := range out {
				if v != i*i {
					t.Errorf("limit %d: out[%d] = %d; want %d", limit, i, v, i*i)
				}
			}
		}
	})
}

func TestWaitFromManyGoroutines(t *testing.T) {
	both(t, func(t *testing.T, im impl) {
		synctest.Test(t, func(t *testing.T) {
			g := im.zero()
			g.SetLimit(2)
			errBoom := &failure{"boom"}
			g.Go(func() error { time.Sleep(time.Second); return errBoom })
			errs := make(chan error, 3)
			for range 3 {
				go func() { errs <- g.Wait() }()
			}
			for range 3 {
				if err := <-errs; err != errBoom {
					t.Errorf("Wait: got %v; want %v", err, errBoom)
				}
			}
			if err := g.Wait(); !errors.Is(err, errBoom) {
				t.Errorf("last Wait: got %v; want %v", err, errBoom)
			}
		})
	})
}
