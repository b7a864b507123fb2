// Package waitq is the line of goroutines waiting for room that engine and
// actor keep: each waiter waits on a channel of its own, and the holder of
// the room wakes as many as there is room for, oldest first.
package waitq

import "slices"

// Waiter is one goroutine waiting in a Queue. It receives from C, which
// has capacity 1: a token means "there may be room; look again".
type Waiter struct {
	C chan struct{}
}

// Queue is a line of waiters, oldest first, with the waiters no longer in
// use kept for reuse: a wait allocates nothing in the steady state. Its
// zero value is an empty queue. A Queue is not safe for concurrent use: its
// owner guards it with its own lock, held for every call.
type Queue struct {
	line  []*Waiter
	spare []*Waiter
}

// Len returns how many waiters are in line.
func (q *Queue) Len() int { return len(q.line) }

// Push puts a waiter at the back of the line, or at the front (a waiter
// woken that found no room keeps its turn), and returns it.
func (q *Queue) Push(front bool) *Waiter {
	var w *Waiter
	if n := len(q.spare); n > 0 {
		w = q.spare[n-1]
		q.spare[n-1] = nil
		q.spare = q.spare[:n-1]
	} else {
		w = &Waiter{C: make(chan struct{}, 1)}
	}
	if front {
		q.line = slices.Insert(q.line, 0, w)
	} else {
		q.line = append(q.line, w)
	}
	return w
}

// Leave takes w out of the line when it gives up waiting. It reports false
// if w was already woken: its token is then in w.C, and the caller should
// take it and pass the wake-up on, so that it is not lost.
func (q *Queue) Leave(w *Waiter) bool {
	i := slices.Index(q.line, w)
	if i < 0 {
		return false
	}
	q.line = slices.Delete(q.line, i, i+1) // clears the slot it frees
	return true
}

// Wake wakes the n oldest waiters (all of them if fewer), and takes them
// out of the line.
func (q *Queue) Wake(n int) {
	n = min(n, len(q.line))
	if n <= 0 {
		return
	}
	for _, w := range q.line[:n] {
		w.C <- struct{}{}
	}
	rest := copy(q.line, q.line[n:])
	clear(q.line[rest:])
	q.line = q.line[:rest]
}

// Done gives w back for reuse once its goroutine no longer waits on it and
// its token, if any, has been taken.
func (q *Queue) Done(w *Waiter) { q.spare = append(q.spare, w) }
