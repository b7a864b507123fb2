package errgroup

import (
	"sync/atomic"
	"testing"
	"testing/synctest"
)

func TestTallyWaitsForEveryDec(t *testing.T) {
	const workers, waiters = 50, 8
	for round := range 200 {
		var tl tally
		var finished atomic.Int64
		release := make(chan struct{})
		for range workers {
			tl.inc()
			go func() {
				<-release
				finished.Add(1)
				tl.dec()
			}()
		}
		early := make(chan int64, waiters)
		for range waiters {
			go func() { tl.wait(); early <- finished.Load() }()
		}
		close(release)
		tl.wait()
		for range waiters {
			if n := <-early; n != workers {
				t.Fatalf("round %d: a wait returned after %d of %d decs", round, n, workers)
			}
		}
		if c, s := tl.count(), tl.state.Load(); c != 0 || s != 0 {
			t.Fatalf("round %d: count %d, state %#x after the last wait; want 0, 0", round, c, s)
		}
	}
}

// TestTallyWakesAfterARestart pins the case where the count rises again
// between reaching 0 and waking the waiters: they are woken when it
// reaches 0 the second time, and not before.
func TestTallyWakesAfterARestart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var tl tally
		tl.inc()
		var woken atomic.Bool
		go func() { tl.wait(); woken.Store(true) }()
		synctest.Wait()
		// Reach 0 with a waiter, then start again before the wake: the
		// state seen by wake is stale, so it must wake no one.
		s := tl.state.Add(minusOne)
		tl.inc()
		tl.wake(s)
		synctest.Wait()
		if woken.Load() {
			t.Fatal("the waiter woke while the count was 1")
		}
		tl.dec()
		synctest.Wait()
		if !woken.Load() {
			t.Fatal("the waiter did not wake when the count reached 0 again")
		}
		if n := tl.count(); n != 0 {
			t.Errorf("count: got %d; want 0", n)
		}
		tl.wait() // returns at once at 0
	})
}
