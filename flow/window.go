package flow

import (
	"context"
	"sync"
)

// window carries results from a stage's workers to its consumer, in input
// order or as they come, and bounds the items in flight (handed to the
// workers and not yet delivered) to its size. Memory is one slot per unit of
// size, whatever the length of the input.
//
// Three parties use it: one feeder (reserve, put of in-band errors, finish),
// the workers (put), and one consumer (next). Each parks on a channel of its
// own and is woken only when it is parked and what it waits for has come.
type window[U any] struct {
	mu      sync.Mutex
	ordered bool
	slots   []slot[U]
	size    uint64
	issued  uint64 // sequence numbers handed to the feeder
	taken   uint64 // results delivered to the consumer
	// Unordered: ready results queue in slots[first : first+ready], mod size.
	first, ready uint64
	done         bool // the feeder has finished
	stopped      bool // the consumer has gone

	consumer, feeder             chan struct{} // capacity 1
	consumerParked, feederParked bool
}

type slot[U any] struct {
	v     U
	err   error
	ready bool
}

func newWindow[U any](size int, ordered bool) *window[U] {
	return &window[U]{
		ordered:  ordered,
		slots:    make([]slot[U], size),
		size:     uint64(size),
		consumer: make(chan struct{}, 1),
		feeder:   make(chan struct{}, 1),
	}
}

// park releases w.mu, waits for a token on ch or for ctx to end, and takes
// w.mu again. It reports whether it was woken by a token.
func (w *window[U]) park(ctx context.Context, ch chan struct{}, parked *bool) bool {
	*parked = true
	w.mu.Unlock()
	select {
	case <-ch:
		w.mu.Lock()
		return true
	case <-ctx.Done():
	}
	w.mu.Lock()
	if !*parked {
		<-ch // woken at the same moment: take the token back
	}
	*parked = false
	return false
}

func wake(ch chan struct{}, parked *bool) {
	if *parked {
		*parked = false
		ch <- struct{}{}
	}
}

// reserve returns the next sequence number once the window has room, or false
// if the consumer has gone or ctx ended.
func (w *window[U]) reserve(ctx context.Context) (uint64, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for !w.stopped && w.issued-w.taken >= w.size {
		if !w.park(ctx, w.feeder, &w.feederParked) {
			return 0, false
		}
	}
	if w.stopped {
		return 0, false
	}
	seq := w.issued
	w.issued++
	return seq, true
}

// put records the result for seq.
func (w *window[U]) put(seq uint64, v U, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopped {
		return
	}
	if w.ordered {
		w.slots[seq%w.size] = slot[U]{v: v, err: err, ready: true}
		if seq == w.taken {
			wake(w.consumer, &w.consumerParked)
		}
		return
	}
	w.slots[(w.first+w.ready)%w.size] = slot[U]{v: v, err: err, ready: true}
	w.ready++
	wake(w.consumer, &w.consumerParked)
}

// finish records that the feeder will reserve no more.
func (w *window[U]) finish() {
	w.mu.Lock()
	w.done = true
	wake(w.consumer, &w.consumerParked)
	w.mu.Unlock()
}

// stop records that the consumer has gone, and wakes the feeder.
func (w *window[U]) stop() {
	w.mu.Lock()
	w.stopped = true
	wake(w.feeder, &w.feederParked)
	w.mu.Unlock()
}

// next returns the next result: in sequence order when ordered, else the
// oldest ready one. It returns more == false once the feeder has finished
// and every result is delivered; and the context's error, with more ==
// false, if ctx ends first.
func (w *window[U]) next(ctx context.Context) (v U, err error, more bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for {
		var s *slot[U]
		if w.ordered {
			s = &w.slots[w.taken%w.size]
		} else if w.ready > 0 {
			s = &w.slots[w.first]
			w.first = (w.first + 1) % w.size
			w.ready--
		}
		if s != nil && s.ready {
			v, err = s.v, s.err
			*s = slot[U]{}
			w.taken++
			if w.issued-w.taken <= w.size/2 {
				wake(w.feeder, &w.feederParked)
			}
			return v, err, true
		}
		if w.done && w.taken == w.issued {
			return v, nil, false
		}
		if !w.park(ctx, w.consumer, &w.consumerParked) {
			return v, context.Cause(ctx), false
		}
	}
}
