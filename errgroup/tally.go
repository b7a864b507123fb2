package errgroup

import (
	"sync"
	"sync/atomic"
)

// tally counts the goroutines a group without a limit has started and
// that have not exited, and lets Wait block until none is left. It does
// what a sync.WaitGroup does, with one more thing: the count can be read.
// Counting and waking share one atomic word, so a goroutine costs one
// atomic add when it starts and one when it ends, as with a WaitGroup
// alone.
type tally struct {
	// state holds the count in its high 32 bits and the number of
	// waiters in its low 32 bits.
	state atomic.Uint64

	mu   sync.Mutex
	done chan struct{} // closed when the count reaches 0 with waiters; guarded by mu
}

// one is a count of 1 in state, and minusOne adds -1 to the count when
// added to state (modulo 2^64).
const (
	one      = 1 << 32
	minusOne = 1<<64 - one
)

// inc adds 1 to the count.
func (t *tally) inc() { t.state.Add(one) }

// dec takes 1 from the count, and wakes the waiters when it reaches 0.
func (t *tally) dec() {
	if s := t.state.Add(minusOne); s < one && s != 0 {
		t.wake(s)
	}
}

// wake wakes the waiters once the count has reached 0 in state s. It clears
// the waiters and closes their channel; a waiter registers under mu, so
// none is missed. If the state changed meanwhile (a function started
// again), the waiters are woken when that one ends.
func (t *tally) wake(s uint64) {
	t.mu.Lock()
	if t.state.CompareAndSwap(s, 0) {
		close(t.done)
		t.done = nil
	}
	t.mu.Unlock()
}

// count returns the count.
func (t *tally) count() int { return int(t.state.Load() / one) }

// wait blocks until the count is 0.
func (t *tally) wait() {
	for {
		s := t.state.Load()
		if s < one {
			return
		}
		t.mu.Lock()
		if t.state.CompareAndSwap(s, s+1) {
			if t.done == nil {
				t.done = make(chan struct{})
			}
			ch := t.done
			t.mu.Unlock()
			<-ch
			return
		}
		t.mu.Unlock()
	}
}

// add adds n >= 0 to the count.
func (t *tally) add(n int) { t.state.Add(uint64(n) * one) }
