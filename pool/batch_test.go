package pool_test

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/weft-dev/weft"
	"github.com/weft-dev/weft/pool"
)

// TestManySubmittersRunEachTaskOnce: 64 goroutines submit at once into a
// small queue, so that workers take tasks in batches while submitters block
// and wake; every task must run exactly once, and Stats must account for
// each.
func TestManySubmittersRunEachTaskOnce(t *testing.T) {
	const (
		submitters = 64
		each       = 500
	)
	p := mustNew(t, 8, pool.WithQueue(32))
	var ran [submitters * each]atomic.Int32
	var wg sync.WaitGroup
	for s := range submitters {
		wg.Go(func() {
			for i := range each {
				k := s*each + i
				if err := p.Go(func() { ran[k].Add(1) }); err != nil {
					t.Errorf("Go: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := p.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	for k := range ran {
		if n := ran[k].Load(); n != 1 {
			t.Fatalf("task %d ran %d times; want 1", k, n)
		}
	}
	s := p.Stats()
	if s.Submitted != submitters*each || s.Completed != submitters*each || s.Queued != 0 || s.Running != 0 {
		t.Errorf("Stats %+v; want %d submitted and completed, none queued or running", s, submitters*each)
	}
}

// TestPanicsInABatchAreEachReported: tasks queued behind a busy worker are
// taken in batches; each panic among them is reported by Wait, and the tasks
// after a panicking one in its batch still run.
func TestPanicsInABatchAreEachReported(t *testing.T) {
	const n = 300 // more than two batches of 128
	p := mustNew(t, 1, pool.WithQueue(n))
	gate := make(chan struct{})
	if err := p.Go(func() { <-gate }); err != nil {
		t.Fatal(err)
	}
	var ran atomic.Int32
	for i := range n {
		if err := p.TryGo(func() {
			ran.Add(1)
			if i%3 == 0 {
				panic(i)
			}
		}); err != nil {
			t.Fatalf("TryGo %d: %v", i, err)
		}
	}
	close(gate)
	err := p.Wait()
	var panics int
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var pe *weft.PanicError
		if !errors.As(e, &pe) {
			t.Errorf("Wait reported %v; want only panics", e)
		}
		panics++
	}
	want := (n + 2) / 3
	if panics != want || ran.Load() != n {
		t.Errorf("%d panics reported and %d tasks run; want %d and %d", panics, ran.Load(), want, n)
	}
	if s := p.Stats(); s.Panicked != uint64(want) || s.Completed != n+1 {
		t.Errorf("Stats %+v; want %d panicked, %d completed", s, want, n+1)
	}
	p.Close()
}

// TestBlockedTaskDoesNotHoldTheRestOfItsBatch: a task that waits for a task
// queued after it must not deadlock when one worker took both in one batch:
// another worker that becomes free takes the task that has not started.
func TestBlockedTaskDoesNotHoldTheRestOfItsBatch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := mustNew(t, 2, pool.WithQueue(8))
		gate := make(chan struct{})
		p.Go(func() { <-gate }) // keeps one worker busy until released
		synctest.Wait()
		bDone := make(chan struct{})
		// A waits for B; both queue while one worker is free, so that it
		// takes them as one batch and blocks in A.
		p.Go(func() { <-bDone })
		p.Go(func() { close(bDone) })
		synctest.Wait()
		close(gate) // the freed worker must take B from the batch
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
	})
}

// TestCloseWhileManySubmittersBlock: Close while many submitters wait for
// room; each either had its task accepted, and it ran, or got ErrClosed.
func TestCloseWhileManySubmittersBlock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := mustNew(t, 2, pool.WithQueue(4))
		gate := make(chan struct{})
		var ran atomic.Int32
		var accepted, closed atomic.Int32
		var wg sync.WaitGroup
		for range 50 {
			wg.Go(func() {
				err := p.Go(func() { <-gate; ran.Add(1) })
				switch {
				case err == nil:
					accepted.Add(1)
				case errors.Is(err, pool.ErrClosed):
					closed.Add(1)
				default:
					t.Errorf("Go: %v", err)
				}
			})
		}
		synctest.Wait() // 6 accepted, the rest blocked
		done := make(chan error)
		go func() { done <- p.Close() }()
		synctest.Wait()
		close(gate)
		wg.Wait()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if accepted.Load() != 6 || closed.Load() != 44 || ran.Load() != 6 {
			t.Errorf("%d accepted, %d closed, %d ran; want 6, 44, 6", accepted.Load(), closed.Load(), ran.Load())
		}
	})
}
