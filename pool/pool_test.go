package pool_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"github.com/weft-dev/weft"
	"github.com/weft-dev/weft/pool"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func mustNew(t *testing.T, workers int, opts ...pool.Option) *pool.Pool {
	t.Helper()
	p, err := pool.New(workers, opts...)
	if err != nil {
		t.Fatalf("New(%d): %v", workers, err)
	}
	return p
}

func TestNewRejectsBadConfig(t *testing.T) {
	tests := []struct {
		name    string
		workers int
		opts    []pool.Option
		want    string
	}{
		{"negative workers", -3, nil, "pool: workers must be >= 1, got -3"},
		{"zero workers", 0, nil, "pool: workers must be >= 1, got 0"},
		{"negative queue", 1, []pool.Option{pool.WithQueue(-1)}, "pool: queue must be >= 0, got -1"},
		{"zero idle timeout", 1, []pool.Option{pool.WithIdleTimeout(0)}, "pool: idle timeout must be > 0, got 0s"},
		{"nil context", 1, []pool.Option{pool.WithContext(nil)}, "pool: context must not be nil"}, //nolint:staticcheck // the point of the test
		{"nil option", 1, []pool.Option{nil}, "pool: option must not be nil"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := pool.New(tt.workers, tt.opts...)
			if err == nil {
				p.Close()
				t.Fatalf("New: got nil error; want %q", tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("New: got %q; want %q", err, tt.want)
			}
		})
	}
}

func TestNilTaskIsRejected(t *testing.T) {
	p := mustNew(t, 1)
	defer p.Close()
	if err := p.Go(nil); err == nil || !strings.Contains(err.Error(), "task must not be nil") {
		t.Errorf("Go(nil): got %v; want an error naming the nil task", err)
	}
	if err := p.TryGo(nil); err == nil {
		t.Error("TryGo(nil): got nil error")
	}
	if err := p.Submit(context.Background(), nil); err == nil {
		t.Error("Submit(nil): got nil error")
	}
	if _, err := pool.Call[int](context.Background(), p, nil).Wait(context.Background()); err == nil {
		t.Error("Call(nil): got nil error")
	}
	if got := p.Stats().Rejected; got != 4 {
		t.Errorf("Stats().Rejected: got %d; want 4", got)
	}
}

func TestGoRunsEveryTask(t *testing.T) {
	p := mustNew(t, 4, pool.WithQueue(8))
	defer p.Close()
	var n atomic.Int64
	for range 10_000 {
		if err := p.Go(func() { n.Add(1) }); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Wait(); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	if got := n.Load(); got != 10_000 {
		t.Errorf("tasks run: got %d; want 10000", got)
	}
	s := p.Stats()
	if s.Submitted != 10_000 || s.Completed != 10_000 || s.Queued != 0 || s.Running != 0 {
		t.Errorf("Stats: got %+v; want 10000 submitted and completed, none queued or running", s)
	}
}

func TestWaitReportsErrorsAndPanics(t *testing.T) {
	p := mustNew(t, 2)
	defer p.Close()
	errBoom := errors.New("boom")
	p.Submit(context.Background(), func(context.Context) error { return errBoom })
	p.Go(func() { panic("kaput") })
	p.Go(func() {})
	err := p.Wait()
	if !errors.Is(err, errBoom) {
		t.Errorf("Wait: got %v; want it to wrap %v", err, errBoom)
	}
	var pe *weft.PanicError
	if !errors.As(err, &pe) || pe.Value != "kaput" {
		t.Fatalf("Wait: got %v; want a *weft.PanicError with value kaput", err)
	}
	if !strings.Contains(string(pe.Stack), "TestWaitReportsErrorsAndPanics") {
		t.Errorf("PanicError.Stack does not show the panicking function:\n%s", pe.Stack)
	}
	s := p.Stats()
	if s.Failed != 1 || s.Panicked != 1 || s.Completed != 3 {
		t.Errorf("Stats: got %+v; want 1 failed, 1 panicked, 3 completed", s)
	}
	if err := p.Wait(); err != nil {
		t.Errorf("second Wait: got %v; want nil (errors are reported once)", err)
	}
}

func TestWorkersStayAlive(t *testing.T) {
	// A panic must not cost the pool a worker: with one worker, tasks
	// after many panics still run.
	p := mustNew(t, 1)
	defer p.Close()
	for range 100 {
		p.Go(func() { panic("again") })
	}
	var ran atomic.Bool
	p.Go(func() { ran.Store(true) })
	err := p.Wait()
	if !ran.Load() {
		t.Error("task after 100 panics did not run")
	}
	if got := strings.Count(err.Error(), "panic: again"); got != 100 {
		t.Errorf("panics reported: got %d; want 100", got)
	}
}

func TestWorkerLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := mustNew(t, 3)
		defer p.Close()
		gate := make(chan struct{})
		var running, peak atomic.Int64
		for range 10 {
			p.Go(func() {
				n := running.Add(1)
				for {
					m := peak.Load()
					if n <= m || peak.CompareAndSwap(m, n) {
						break
					}
				}
				<-gate
				running.Add(-1)
			})
		}
		synctest.Wait()
		if s := p.Stats(); s.Running != 3 || s.Queued != 7 {
			t.Errorf("Stats: got running %d, queued %d; want 3, 7", s.Running, s.Queued)
		}
		close(gate)
		p.Wait()
		if got := peak.Load(); got != 3 {
			t.Errorf("peak concurrency: got %d; want 3", got)
		}
	})
}

func TestTryGoQueueFull(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := mustNew(t, 1, pool.WithQueue(1))
		defer p.Close()
		gate := make(chan struct{})
		block := func() { <-gate }
		if err := p.TryGo(block); err != nil {
			t.Fatalf("TryGo 1: %v", err)
		}
		synctest.Wait() // the worker runs the first task
		if err := p.TryGo(block); err != nil {
			t.Fatalf("TryGo 2 (queued): %v", err)
		}
		if err := p.TryGo(block); !errors.Is(err, pool.ErrQueueFull) {
			t.Fatalf("TryGo 3: got %v; want ErrQueueFull", err)
		}
		close(gate)
		p.Wait()
		if got := p.Stats().Rejected; got != 1 {
			t.Errorf("Stats().Rejected: got %d; want 1", got)
		}
	})
}

func TestQueueZeroAcceptsOnlyWhenAWorkerIsFree(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := mustNew(t, 2, pool.WithQueue(0))
		defer p.Close()
		gate := make(chan struct{})
		block := func() { <-gate }
		for i := range 2 {
			if err := p.TryGo(block); err != nil {
				t.Fatalf("TryGo %d: %v", i, err)
			}
		}
		if err := p.TryGo(block); !errors.Is(err, pool.ErrQueueFull) {
			t.Fatalf("TryGo with both workers busy: got %v; want ErrQueueFull", err)
		}
		close(gate)
	})
}

func TestGoBlocksWhileFull(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := mustNew(t, 1, pool.WithQueue(1))
		defer p.Close()
		gate := make(chan struct{})
		p.Go(func() { <-gate })
		p.Go(func() {})
		var accepted atomic.Bool
		go func() {
			p.Go(func() {})
			accepted.Store(true)
		}()
		synctest.Wait()
		if accepted.Load() {
			t.Fatal("Go returned while the queue was full")
		}
		close(gate)
		synctest.Wait()
		if !accepted.Load() {
			t.Fatal("Go still blocked after the queue drained")
		}
	})
}

func TestSubmitGivesUpWhenCtxEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := mustNew(t, 1, pool.WithQueue(0))
		defer p.Close()
		gate := make(chan struct{})
		p.Go(func() { <-gate })
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		var ran atomic.Bool
		start := time.Now()
		err := p.Submit(ctx, func(context.Context) error { ran.Store(true); return nil })
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Submit: got %v; want an error wrapping DeadlineExceeded", err)
		}
		if waited := time.Since(start); waited != time.Second {
			t.Errorf("Submit waited %v; want 1s", waited)
		}
		close(gate)
		p.Wait()
		if ran.Load() {
			t.Error("a task whose Submit failed ran")
		}
		if err := p.Submit(ctx, func(context.Context) error { return nil }); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Submit with an ended ctx: got %v; want DeadlineExceeded", err)
		}
		if s := p.Stats(); s.Rejected != 2 || s.Submitted != 1 {
			t.Errorf("Stats: got %+v; want 1 submitted, 2 rejected", s)
		}
	})
}

func TestParentContextDropsQueuedTasks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancelCause(context.Background())
		p := mustNew(t, 1, pool.WithContext(ctx))
		defer p.Close()
		gate := make(chan struct{})
		var sawCancel atomic.Bool
		p.Submit(context.Background(), func(ctx context.Context) error {
			<-gate
			sawCancel.Store(ctx.Err() != nil)
			return nil
		})
		var ran atomic.Int64
		for range 5 {
			p.Go(func() { ran.Add(1) })
		}
		fut := pool.Call(context.Background(), p, func(context.Context) (int, error) { return 1, nil })
		synctest.Wait()
		errStop := errors.New("shutting down")
		cancel(errStop)
		synctest.Wait() // the pool reacts in a goroutine of context.AfterFunc
		close(gate)
		err := p.Wait()
		if !errors.Is(err, pool.ErrDropped) || !errors.Is(err, errStop) || !strings.Contains(err.Error(), "5 tasks") {
			t.Errorf("Wait: got %v; want ErrDropped for 5 tasks with the cause", err)
		}
		if _, err := fut.Wait(context.Background()); !errors.Is(err, pool.ErrDropped) {
			t.Errorf("dropped Future: got %v; want ErrDropped", err)
		}
		if ran.Load() != 0 {
			t.Errorf("%d dropped tasks ran", ran.Load())
		}
		if !sawCancel.Load() {
			t.Error("the running task's context was not cancelled")
		}
		if err := p.Go(func() {}); !errors.Is(err, pool.ErrClosed) || !errors.Is(err, errStop) {
			t.Errorf("Go after cancel: got %v; want ErrClosed wrapping the cause", err)
		}
		s := p.Stats()
		if s.Dropped != 6 || s.Completed != 1 || s.Submitted != 7 {
			t.Errorf("Stats: got %+v; want 7 submitted, 1 completed, 6 dropped", s)
		}
	})
}

func TestCloseRunsQueuedThenRejects(t *testing.T) {
	p := mustNew(t, 2)
	var n atomic.Int64
	for range 100 {
		p.Go(func() { n.Add(1) })
	}
	if err := p.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if n.Load() != 100 {
		t.Errorf("tasks run before Close returned: got %d; want 100", n.Load())
	}
	if err := p.Go(func() {}); !errors.Is(err, pool.ErrClosed) {
		t.Errorf("Go after Close: got %v; want ErrClosed", err)
	}
	if err := p.Submit(context.Background(), func(context.Context) error { return nil }); !errors.Is(err, pool.ErrClosed) {
		t.Errorf("Submit after Close: got %v; want ErrClosed", err)
	}
	if err := p.Close(); err != nil {
		t.Errorf("second Close: got %v; want nil", err)
	}
	if s := p.Stats(); s.Live != 0 {
		t.Errorf("Stats().Live after Close: got %d; want 0", s.Live)
	}
}

func TestCloseWakesBlockedSubmitters(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := mustNew(t, 1, pool.WithQueue(0))
		gate := make(chan struct{})
		p.Go(func() { <-gate })
		errs := make(chan error, 3)
		for range 3 {
			go func() { errs <- p.Go(func() {}) }()
		}
		synctest.Wait()
		done := make(chan error)
		go func() { done <- p.Close() }()
		for range 3 {
			if err := <-errs; !errors.Is(err, pool.ErrClosed) {
				t.Errorf("blocked Go: got %v; want ErrClosed", err)
			}
		}
		close(gate)
		if err := <-done; err != nil {
			t.Errorf("Close: %v", err)
		}
	})
}

func TestIdleWorkersExit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := mustNew(t, 4, pool.WithIdleTimeout(time.Minute))
		defer p.Close()
		for range 4 {
			p.Go(func() { time.Sleep(time.Millisecond) })
		}
		p.Wait()
		if live := p.Stats().Live; live == 0 {
			t.Fatalf("Stats().Live right after work: got 0; want > 0")
		}
		time.Sleep(time.Minute - 2*time.Millisecond)
		synctest.Wait()
		if live := p.Stats().Live; live == 0 {
			t.Errorf("Stats().Live before the idle timeout: got 0; want > 0")
		}
		time.Sleep(time.Minute + 2*time.Millisecond) // at most two timeouts
		synctest.Wait()
		if live := p.Stats().Live; live != 0 {
			t.Errorf("Stats().Live after the idle timeout: got %d; want 0", live)
		}
		// The pool still works: workers start again on demand.
		var ran atomic.Bool
		p.Go(func() { ran.Store(true) })
		p.Wait()
		if !ran.Load() {
			t.Error("task after idle exit did not run")
		}
	})
}

func TestResize(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := mustNew(t, 1)
		defer p.Close()
		gate := make(chan struct{})
		for range 6 {
			p.Go(func() { <-gate })
		}
		synctest.Wait()
		if got := p.Stats().Running; got != 1 {
			t.Fatalf("Running with 1 worker: got %d; want 1", got)
		}
		if err := p.Resize(4); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if got := p.Stats().Running; got != 4 {
			t.Errorf("Running after Resize(4): got %d; want 4", got)
		}
		if err := p.Resize(2); err != nil {
			t.Fatal(err)
		}
		if err := p.Resize(0); err == nil || err.Error() != "pool: workers must be >= 1, got 0" {
			t.Errorf("Resize(0): got %v; want the workers error", err)
		}
		close(gate)
		p.Wait()
		synctest.Wait()
		if s := p.Stats(); s.Workers != 2 || s.Live > 2 || s.Completed != 6 {
			t.Errorf("Stats after Resize(2): got %+v; want 2 workers, <= 2 live, 6 completed", s)
		}
	})
}

func TestCall(t *testing.T) {
	p := mustNew(t, 2)
	defer p.Close()
	ctx := context.Background()
	errBad := errors.New("bad")
	tests := []struct {
		name    string
		f       func(context.Context) (int, error)
		want    int
		wantErr error
	}{
		{"value", func(context.Context) (int, error) { return 42, nil }, 42, nil},
		{"error", func(context.Context) (int, error) { return 0, errBad }, 0, errBad},
	}
	for _, tt := range tests {
		got, err := pool.Call(ctx, p, tt.f).Wait(ctx)
		if got != tt.want || !errors.Is(err, tt.wantErr) {
			t.Errorf("%s: got (%d, %v); want (%d, %v)", tt.name, got, err, tt.want, tt.wantErr)
		}
	}
	_, err := pool.Call(ctx, p, func(context.Context) (int, error) { panic("in call") }).Wait(ctx)
	var pe *weft.PanicError
	if !errors.As(err, &pe) || pe.Value != "in call" {
		t.Errorf("panicking Call: got %v; want a *weft.PanicError", err)
	}
	if err := p.Wait(); err != nil {
		t.Errorf("Wait: got %v; want nil (Call errors go to the Future only)", err)
	}
	if s := p.Stats(); s.Failed != 1 || s.Panicked != 1 {
		t.Errorf("Stats: got %+v; want 1 failed, 1 panicked", s)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := pool.Call(cancelled, p, tests[0].f).Wait(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Call with an ended ctx: got %v; want context.Canceled", err)
	}
}

func TestFutureWaitHonoursCtx(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := mustNew(t, 1)
		defer p.Close()
		gate := make(chan struct{})
		fut := pool.Call(context.Background(), p, func(context.Context) (string, error) { <-gate; return "done", nil })
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if _, err := fut.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Wait with a short ctx: got %v; want DeadlineExceeded", err)
		}
		close(gate)
		<-fut.Done()
		if v, err := fut.Wait(context.Background()); v != "done" || err != nil {
			t.Errorf("second Wait: got (%q, %v); want (done, nil)", v, err)
		}
	})
}

func TestRepanic(t *testing.T) {
	p := mustNew(t, 1, pool.WithRepanic())
	defer p.Close()
	p.Go(func() { panic("loud") })
	defer func() {
		v := recover()
		pe, ok := v.(*weft.PanicError)
		if !ok || pe.Value != "loud" {
			t.Errorf("Wait panicked with %v; want a *weft.PanicError with value loud", v)
		}
	}()
	p.Wait()
	t.Error("Wait returned; want it to panic")
}

func TestGoexitIsReported(t *testing.T) {
	p := mustNew(t, 1)
	defer p.Close()
	p.Go(runtime.Goexit)
	var ran atomic.Bool
	p.Go(func() { ran.Store(true) })
	if err := p.Wait(); !errors.Is(err, weft.ErrGoexit) {
		t.Errorf("Wait: got %v; want ErrGoexit", err)
	}
	if !ran.Load() {
		t.Error("the task after Goexit did not run")
	}
	fut := pool.Call(context.Background(), p, func(context.Context) (int, error) { runtime.Goexit(); return 0, nil })
	if _, err := fut.Wait(context.Background()); !errors.Is(err, weft.ErrGoexit) {
		t.Errorf("Future of a Goexit: got %v; want ErrGoexit", err)
	}
	if s := p.Stats(); s.Completed != 3 || s.Failed != 2 || s.Live > 1 {
		t.Errorf("Stats: got %+v; want 3 completed, 2 failed, <= 1 live", s)
	}
}

func TestCloseRacesWithGo(t *testing.T) {
	for range 20 {
		p := mustNew(t, 4, pool.WithQueue(2))
		var ran, accepted atomic.Int64
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for range 200 {
					if p.Go(func() { ran.Add(1) }) == nil {
						accepted.Add(1)
					}
				}
			})
		}
		p.Close()
		wg.Wait()
		if ran.Load() != accepted.Load() {
			t.Fatalf("ran %d tasks; accepted %d", ran.Load(), accepted.Load())
		}
	}
}

func ExampleNew() {
	p, err := pool.New(2)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()
	p.Go(func() { fmt.Println("hello from the pool") })
	p.Wait()
	// Output: hello from the pool
}
