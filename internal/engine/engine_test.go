package engine

import (
	"context"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestRingIsFIFOAcrossGrowth(t *testing.T) {
	var r ring[int]
	next, want := 0, 0
	// Interleave pushes and pops so that the ring wraps before it grows.
	for round := range 50 {
		for range round + 3 {
			r.push(next, 1<<20)
			next++
		}
		for range round + 1 {
			v, ok := r.pop()
			if !ok || v != want {
				t.Fatalf("pop: got (%d, %v); want (%d, true)", v, ok, want)
			}
			want++
		}
	}
	rest := r.popAll()
	for _, v := range rest {
		if v != want {
			t.Fatalf("popAll: got %d; want %d", v, want)
		}
		want++
	}
	if want != next || r.len() != 0 {
		t.Errorf("drained %d of %d, %d left", want, next, r.len())
	}
}

func TestRingGrowsToTheLimitExactly(t *testing.T) {
	var r ring[int]
	for i := range 1000 {
		r.push(i, 1000)
	}
	if len(r.buf) != 1000 {
		t.Errorf("buffer for a queue bounded at 1000: got %d slots; want 1000", len(r.buf))
	}
}

func TestRingGivesBackALargeBuffer(t *testing.T) {
	var r ring[int]
	for i := range shrinkAbove + 1 {
		r.push(i, 1<<30)
	}
	for range shrinkAbove + 1 {
		r.pop()
	}
	if r.buf != nil {
		t.Errorf("emptied ring kept %d slots; want its buffer released", len(r.buf))
	}
}

func TestReaperRetiresOnlyIdleWorkers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var n atomic.Int64
		e := New(Config[func()]{Workers: 4, Queue: 4, IdleTimeout: time.Second, Run: func(f func()) { f() }})
		defer e.Retire(context.Background(), false)
		busy := func() {
			for range 8 {
				e.Push(context.Background(), func() { n.Add(1); time.Sleep(100 * time.Millisecond) }, true)
			}
		}
		busy()
		// Keep the engine busy across several idle timeouts: workers are
		// not retired while they keep taking tasks.
		for range 5 {
			time.Sleep(300 * time.Millisecond)
			busy()
		}
		synctest.Wait()
		if e.Stats().Live == 0 {
			t.Fatal("workers retired while busy")
		}
		e.WaitQuiet(context.Background())
		time.Sleep(2*time.Second + time.Millisecond)
		synctest.Wait()
		if s := e.Stats(); s.Live != 0 {
			t.Errorf("Live after two idle timeouts: got %d; want 0", s.Live)
		}
		if got := n.Load(); got != 48 {
			t.Errorf("tasks run: got %d; want 48", got)
		}
	})
}

func TestRetireWithReopen(t *testing.T) {
	var n atomic.Int64
	e := New(Config[func()]{Workers: 2, Queue: 0, IdleTimeout: time.Hour, Run: func(f func()) { f() }})
	e.Push(context.Background(), func() { n.Add(1) }, true)
	if err := e.Retire(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	if s := e.Stats(); s.Live != 0 || n.Load() != 1 {
		t.Fatalf("after Retire: %+v, %d run; want no worker and 1 run", s, n.Load())
	}
	e.Push(context.Background(), func() { n.Add(1) }, true)
	e.WaitQuiet(context.Background())
	if n.Load() != 2 {
		t.Errorf("after reopening: %d run; want 2", n.Load())
	}
	e.Retire(context.Background(), false)
}
