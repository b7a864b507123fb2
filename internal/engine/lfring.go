package engine

import "sync/atomic"

// lfRing is a bounded FIFO queue that many goroutines push to and pop from
// at once without a lock. Each cell carries a sequence number: it is p while
// the cell is free for the value at position p, and p+1 once it holds that
// value. A producer claims the position at the tail with one
// compare-and-swap, writes the value and publishes it by storing p+1; a
// consumer claims the position at the head the same way once the cell says
// it holds the value, takes it and frees the cell for position p+size.
type lfRing[T any] struct {
	_     pad
	tail  atomic.Uint64 // next position to push
	_     pad
	head  atomic.Uint64 // next position to pop
	_     pad
	mask  uint64
	cells []lfCell[T]
}

type lfCell[T any] struct {
	seq atomic.Uint64
	v   T
}

// newLFRing returns an empty ring of size cells; size is a power of two.
func newLFRing[T any](size int) *lfRing[T] {
	r := &lfRing[T]{mask: uint64(size - 1), cells: make([]lfCell[T], size)}
	for i := range r.cells {
		r.cells[i].seq.Store(uint64(i))
	}
	return r
}

// ringSize is the number of cells of the ring for a queue of limit tasks: the
// power of two that holds them, but between 2 and maxRing.
func ringSize(limit int) int {
	n := 2
	for n < limit && n < maxRing {
		n *= 2
	}
	return n
}

// maxRing is the most cells a ring has; tasks beyond it wait in the
// engine's overflow queue, under its lock.
const maxRing = 4096

// push appends v and reports whether there was a free cell.
func (r *lfRing[T]) push(v T) bool {
	pos := r.tail.Load()
	for {
		c := &r.cells[pos&r.mask]
		seq := c.seq.Load()
		switch d := int64(seq - pos); {
		case d == 0:
			if r.tail.CompareAndSwap(pos, pos+1) {
				c.v = v
				c.seq.Store(pos + 1)
				return true
			}
			pos = r.tail.Load()
		case d < 0:
			return false // the cell still holds the value of a lap ago
		default:
			pos = r.tail.Load() // another producer took pos
		}
	}
}

// pop removes the oldest value. It reports false when the ring is empty, or
// when the oldest position is claimed but its value not yet published.
func (r *lfRing[T]) pop() (v T, ok bool) {
	pos := r.head.Load()
	for {
		c := &r.cells[pos&r.mask]
		seq := c.seq.Load()
		switch d := int64(seq - (pos + 1)); {
		case d == 0:
			if r.head.CompareAndSwap(pos, pos+1) {
				v = c.v
				var zero T
				c.v = zero
				c.seq.Store(pos + r.mask + 1)
				return v, true
			}
			pos = r.head.Load()
		case d < 0:
			return v, false
		default:
			pos = r.head.Load()
		}
	}
}

// len returns how many positions are claimed and not yet popped, counting
// values a producer is still writing.
func (r *lfRing[T]) len() int {
	h := r.head.Load()
	t := r.tail.Load()
	if t < h {
		return 0
	}
	return int(t - h)
}
