package engine

// ring is a growable FIFO queue backed by a circular buffer. The zero value is
// an empty queue. It is not safe for concurrent use.
type ring[T any] struct {
	buf  []T
	head int
	n    int
}

// shrinkAbove is the buffer length above which an emptied ring gives its
// buffer back, so that a burst does not pin memory for the engine's lifetime.
const shrinkAbove = 1 << 16

func (r *ring[T]) len() int { return r.n }

// push appends v. When the buffer is full it grows to twice its length, but
// never beyond limit slots when limit covers the new length, so that a queue
// bounded at limit tasks costs one slot per task and no more.
func (r *ring[T]) push(v T, limit int) {
	if r.n == len(r.buf) {
		r.grow(limit)
	}
	i := r.head + r.n
	if i >= len(r.buf) {
		i -= len(r.buf)
	}
	r.buf[i] = v
	r.n++
}

func (r *ring[T]) pop() (v T, ok bool) {
	if r.n == 0 {
		return v, false
	}
	var zero T
	v = r.buf[r.head]
	r.buf[r.head] = zero
	r.head++
	if r.head == len(r.buf) {
		r.head = 0
	}
	r.n--
	if r.n == 0 {
		r.head = 0
		if len(r.buf) > shrinkAbove {
			r.buf = nil
		}
	}
	return v, true
}

// popInto moves up to len(dst) values, oldest first, into dst and returns
// how many it moved.
func (r *ring[T]) popInto(dst []T) int {
	n := min(len(dst), r.n)
	for i := range n {
		dst[i], _ = r.pop()
	}
	return n
}

// pushFront puts vs back at the head of the queue, in order, growing as push
// does.
func (r *ring[T]) pushFront(vs []T, limit int) {
	for i := len(vs) - 1; i >= 0; i-- {
		if r.n == len(r.buf) {
			r.grow(limit)
		}
		r.head--
		if r.head < 0 {
			r.head += len(r.buf)
		}
		r.buf[r.head] = vs[i]
		r.n++
	}
}

// popAll removes and returns every queued value in FIFO order.
func (r *ring[T]) popAll() []T {
	out := make([]T, 0, r.n)
	for {
		v, ok := r.pop()
		if !ok {
			return out
		}
		out = append(out, v)
	}
}

func (r *ring[T]) grow(limit int) {
	size := 2 * len(r.buf)
	if size < 16 {
		size = 16
	}
	if limit > len(r.buf) && limit < size {
		size = limit
	}
	buf := make([]T, size)
	for i := 0; i < r.n; i++ {
		j := r.head + i
		if j >= len(r.buf) {
			j -= len(r.buf)
		}
		buf[i] = r.buf[j]
	}
	r.buf = buf
	r.head = 0
}
