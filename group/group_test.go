package group_test

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

	"github.com/weft-dev/weft"
	"github.com/weft-dev/weft/group"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func mustNew(t *testing.T, ctx context.Context, opts ...group.Option) *group.Group {
	t.Helper()
	g, err := group.New(ctx, opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return g
}

func TestNewRejectsBadConfig(t *testing.T) {
	tests := []struct {
		name string
		ctx  context.Context
		opts []group.Option
		want string
	}{
		{"zero limit", context.Background(), []group.Option{group.WithLimit(0)}, "group: limit must be >= 1, got 0"},
		{"negative limit", context.Background(), []group.Option{group.WithLimit(-2)}, "group: limit must be >= 1, got -2"},
		{"nil context", nil, nil, "group: context must not be nil"},
		{"nil option", context.Background(), []group.Option{nil}, "group: option must not be nil"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := group.New(tt.ctx, tt.opts...)
			if err == nil || err.Error() != tt.want {
				t.Errorf("New: got %v; want %q", err, tt.want)
			}
		})
	}
}

func TestFailFastCancelsWithCause(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := mustNew(t, context.Background(), group.WithLimit(2))
		errFirst := errors.New("first")
		var cause error
		g.Go(func(ctx context.Context) error {
			<-ctx.Done()
			cause = context.Cause(ctx)
			return ctx.Err()
		})
		g.Go(func(ctx context.Context) error {
			time.Sleep(time.Second)
			return errFirst
		})
		var ran atomic.Int64
		for range 5 {
			g.Go(func(ctx context.Context) error { ran.Add(1); return nil })
		}
		if err := g.Wait(); err != errFirst {
			t.Errorf("Wait: got %v; want %v", err, errFirst)
		}
		if cause != errFirst {
			t.Errorf("context.Cause in a task: got %v; want %v", cause, errFirst)
		}
		s := g.Stats()
		if got := uint64(ran.Load()) + s.NotStarted; got != 5 {
			t.Errorf("queued tasks: %d ran + %d not started; want 5 in all", ran.Load(), s.NotStarted)
		}
		if s.NotStarted == 0 {
			t.Error("no queued task was skipped after the failure")
		}
	})
}

func TestCollectAllJoinsEveryError(t *testing.T) {
	g := mustNew(t, context.Background(), group.WithCollectAll(), group.WithLimit(3))
	var want []error
	for i := range 10 {
		err := fmt.Errorf("task %d", i)
		want = append(want, err)
		g.Go(func(ctx context.Context) error {
			if ctx.Err() != nil {
				return errors.New("context cancelled in collect-all mode")
			}
			return err
		})
	}
	err := g.Wait()
	for _, w := range want {
		if !errors.Is(err, w) {
			t.Errorf("Wait: %v missing from %v", w, err)
		}
	}
	if s := g.Stats(); s.Failed != 10 || s.Completed != 10 {
		t.Errorf("Stats: got %+v; want 10 failed of 10 completed", s)
	}
}

func TestLimitIsHonoured(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := mustNew(t, context.Background(), group.WithLimit(4))
		var running, peak atomic.Int64
		for i := range 40 {
			g.Go(func(ctx context.Context) error {
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
		if got := peak.Load(); got != 4 {
			t.Errorf("peak concurrency: got %d; want 4", got)
		}
	})
}

func TestGoBlocksAtTheLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := mustNew(t, context.Background(), group.WithLimit(1))
		gate := make(chan struct{})
		g.Go(func(context.Context) error { <-gate; return nil })
		g.Go(func(context.Context) error { return nil }) // queued
		var returned atomic.Bool
		go func() {
			g.Go(func(context.Context) error { return nil })
			returned.Store(true)
		}()
		synctest.Wait()
		if returned.Load() {
			t.Error("Go returned with the limit reached and the queue full")
		}
		if g.TryGo(func(context.Context) error { return nil }) {
			t.Error("TryGo: got true with no room")
		}
		close(gate)
		g.Wait()
		if !returned.Load() {
			t.Error("Go did not return after room was made")
		}
		if s := g.Stats(); s.Completed != 3 {
			t.Errorf("Stats().Completed: got %d; want 3", s.Completed)
		}
	})
}

func TestNotStartedAfterParentEnds(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	g := mustNew(t, ctx, group.WithLimit(2))
	errStop := errors.New("stop")
	cancel(errStop)
	var ran atomic.Bool
	for range 3 {
		g.Go(func(context.Context) error { ran.Store(true); return nil })
	}
	if g.TryGo(func(context.Context) error { ran.Store(true); return nil }) {
		t.Error("TryGo: got true after the context ended")
	}
	err := g.Wait()
	if !errors.Is(err, group.ErrNotStarted) || !errors.Is(err, errStop) || !strings.Contains(err.Error(), ": 3:") {
		t.Errorf("Wait: got %v; want ErrNotStarted for 3 tasks with the cause", err)
	}
	if ran.Load() {
		t.Error("a task ran after the context ended")
	}
	if got := g.Stats().NotStarted; got != 3 {
		t.Errorf("Stats().NotStarted: got %d; want 3", got)
	}
}

func TestPanicIsReturned(t *testing.T) {
	for _, opts := range [][]group.Option{nil, {group.WithLimit(1)}, {group.WithCollectAll()}} {
		g := mustNew(t, context.Background(), opts...)
		g.Go(func(context.Context) error { panic("in group") })
		err := g.Wait()
		var pe *weft.PanicError
		if !errors.As(err, &pe) || pe.Value != "in group" {
			t.Errorf("Wait: got %v; want a *weft.PanicError", err)
		}
		if g.Stats().Panicked != 1 {
			t.Errorf("Stats().Panicked: got %d; want 1", g.Stats().Panicked)
		}
	}
}

func TestRepanic(t *testing.T) {
	g := mustNew(t, context.Background(), group.WithRepanic())
	g.Go(func(context.Context) error { panic("again") })
	defer func() {
		if pe, ok := recover().(*weft.PanicError); !ok || pe.Value != "again" {
			t.Errorf("Wait panicked with %v; want the *weft.PanicError", pe)
		}
	}()
	g.Wait()
	t.Error("Wait returned; want a panic")
}

func TestNilTaskIsReported(t *testing.T) {
	g := mustNew(t, context.Background())
	g.Go(nil)
	if err := g.Wait(); err == nil || !strings.Contains(err.Error(), "group: task must not be nil") {
		t.Errorf("Wait: got %v; want the nil task error", err)
	}
}

func TestNoGoroutineOutlivesWait(t *testing.T) {
	for _, opts := range [][]group.Option{nil, {group.WithLimit(3)}} {
		g := mustNew(t, context.Background(), opts...)
		for range 100 {
			g.Go(func(ctx context.Context) error {
				// Nested tasks are waited for too. A limited group
				// must not block a task in Go: TryGo, or run inline.
				nested := func(context.Context) error { return nil }
				if !g.TryGo(nested) {
					nested(ctx)
				}
				return nil
			})
		}
		if err := g.Wait(); err != nil {
			t.Fatal(err)
		}
		if got := g.Stats().Completed; got < 100 {
			t.Errorf("Completed: got %d; want >= 100", got)
		}
		goleak.VerifyNone(t)
	}
}

func TestWaitCancelsTheContext(t *testing.T) {
	g := mustNew(t, context.Background())
	var taskCtx context.Context
	g.Go(func(ctx context.Context) error { taskCtx = ctx; return nil })
	g.Wait()
	if taskCtx.Err() == nil {
		t.Error("the group's context is still live after Wait")
	}
}

func TestResultsKeepSubmissionOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, err := group.NewResults[int](context.Background(), group.WithLimit(8))
		if err != nil {
			t.Fatal(err)
		}
		const n = 32
		for i := range n {
			r.Go(func(context.Context) (int, error) {
				time.Sleep(time.Duration(n-i) * time.Millisecond) // later tasks finish first
				return i * i, nil
			})
		}
		got, err := r.Wait()
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != n {
			t.Fatalf("len: got %d; want %d", len(got), n)
		}
		for i, v := range got {
			if v != i*i {
				t.Errorf("result %d: got %d; want %d", i, v, i*i)
			}
		}
	})
}

func TestResultsLeaveZeroForFailures(t *testing.T) {
	r, err := group.NewResults[string](context.Background(), group.WithCollectAll())
	if err != nil {
		t.Fatal(err)
	}
	errBad := errors.New("bad")
	r.Go(func(context.Context) (string, error) { return "a", nil })
	r.Go(func(context.Context) (string, error) { return "ignored", errBad })
	r.Go(func(context.Context) (string, error) { return "c", nil })
	got, err := r.Wait()
	if !errors.Is(err, errBad) {
		t.Errorf("Wait error: got %v; want %v", err, errBad)
	}
	if strings.Join(got, ",") != "a,,c" {
		t.Errorf("results: got %q; want [a  c]", got)
	}
}

func ExampleGroup_Wait() {
	// Wait for a group of goroutines and take the first error.
	g, err := group.New(context.Background(), group.WithLimit(2))
	if err != nil {
		fmt.Println(err)
		return
	}
	var sum atomic.Int64
	for i := 1; i <= 10; i++ {
		g.Go(func(ctx context.Context) error {
			sum.Add(int64(i))
			return nil
		})
	}
	err = g.Wait()
	fmt.Println(sum.Load(), err)
	// Output: 55 <nil>
}
