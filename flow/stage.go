package flow

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/weft-dev/weft"
	"github.com/weft-dev/weft/internal/catch"
)

// A stage is the machinery of a concurrent stage (Map, OrderedMap, Partition)
// for one range loop: one feeder goroutine ranging over the input, one or
// more lanes of workers, and the consumer, the goroutine of the range loop.
//
// Items travel through rings with no lock. The feeder is the only writer of
// each lane's ring: it fills the cell at the lane's tail and publishes it
// with one atomic store. Workers claim cells with one compare-and-swap on the
// lane's head, so items start in input order within a lane. A worker puts
// each result in a slot of the result ring, and the consumer reads the slots
// in order: by sequence number for OrderedMap, by completion for the others
// (a worker then claims the next slot index with one atomic add). At most
// window items are in flight (reserved by the feeder and not yet taken by
// the consumer), which is what makes every ring's slot free again before it
// is reused.
//
// Each party parks on a channel of its own only when it has nothing to do:
// the consumer when the next result is not ready, the feeder when the window
// is full (and it is woken once half of it is free), a worker when its lane
// is empty. A party announces that it is about to park in an atomic word and
// checks again afterwards; the party it waits for checks that word after
// publishing, so that a wake-up is never lost and never sent to no one.
type stage[T, U any] struct {
	ctx     context.Context
	f       func(context.Context, T) (U, error)
	ordered bool
	window  uint64
	lanes   []*lane[T]
	res     []result[U]
	rmask   uint64

	_      pad
	issued uint64 // feeder: items reserved
	known  uint64 // feeder: taken, as last read
	_      pad
	taken  atomic.Uint64 // consumer: results delivered, as last published
	ct     uint64        // ordered consumer: results delivered
	_      [56]byte      // pad less ct: the other fields keep their offsets
	rtail  atomic.Uint64 // unordered: result slots claimed by workers
	_      pad
	cwait  atomic.Uint64 // the consumer waits for result slot cwait-1
	fwait  atomic.Uint64 // the feeder waits until taken >= fwait-1
	total  atomic.Uint64 // the number of items, once done is set
	done   atomic.Bool   // the feeder has finished
	stop   atomic.Bool   // the consumer has gone
	_      pad

	cwake, fwake chan struct{} // capacity 1
	fed          chan struct{} // closed when the feeder has exited
	workers      sync.WaitGroup
}

// pad keeps fields written by different goroutines on different cache lines.
type pad [64]byte

type cell[T any] struct {
	// seq is p while the cell is free for the item at position p, and p+1
	// once it holds that item.
	seq atomic.Uint64
	v   T
	err error
}

type result[U any] struct {
	seq atomic.Uint64 // i+1 once the slot holds result i
	v   U
	err error
}

// lane is a ring of items and the workers that take them.
type lane[T any] struct {
	cells []cell[T]
	mask  uint64
	max   int32

	_    pad
	head atomic.Uint64 // next position to claim
	_    pad
	tail uint64 // next position to fill: the feeder's alone
	_    pad
	// searching counts the awake workers that are looking for an item (a
	// worker woken or started counts from that moment); the feeder wakes a
	// worker only when there is none. nidle counts parked workers.
	searching atomic.Int32
	nidle     atomic.Int32
	live      atomic.Int32
	mu        sync.Mutex // guards idle and the changes of live
	idle      []*sworker
}

type sworker struct {
	wake chan struct{} // capacity 1
}

// spins is how many times a party that finds nothing to do yields the
// processor and looks again before it parks: on a machine with few cores
// the goroutine it waits for often needs only that long, and a park costs
// the waker a wake-up.
const spins = 4

// fullSpins is how many times a worker that finds its lane empty looks again
// before it parks while the feeder waits for room in the window. The lane is
// then empty because the consumer is behind, not because the input is slow,
// and it refills as soon as the consumer catches up: parking would cost a
// wake-up per refill (on ~1 us items at 4 workers, 4 spins gave 0.77-1.05
// us per item in tuning runs, 64 gave 0.68-0.69). When the feeder does not
// wait, spinning longer only takes the processor from it.
const fullSpins = 64

func newStage[T, U any](ctx context.Context, f func(context.Context, T) (U, error), ordered bool, window, lanes, workers int) *stage[T, U] {
	size := ringSize(window)
	s := &stage[T, U]{
		ctx:     ctx,
		f:       f,
		ordered: ordered,
		window:  uint64(window),
		res:     make([]result[U], size),
		rmask:   size - 1,
		cwake:   make(chan struct{}, 1),
		fwake:   make(chan struct{}, 1),
		fed:     make(chan struct{}),
	}
	for range lanes {
		l := &lane[T]{cells: make([]cell[T], size), mask: size - 1, max: int32(workers)}
		for i := range l.cells {
			l.cells[i].seq.Store(uint64(i))
		}
		s.lanes = append(s.lanes, l)
	}
	return s
}

// ringSize is the smallest power of two >= max(n, 2).
func ringSize(n int) uint64 {
	size := uint64(2)
	for size < uint64(n) {
		size <<= 1
	}
	return size
}

// park announces in w that the caller waits (want != 0), checks ready once
// more, and otherwise waits for the token that the party it waits for sends
// on ch after clearing w, or for the stage's context to end. It reports
// whether it was woken or found ready rather than cancelled.
func (s *stage[T, U]) park(w *atomic.Uint64, want uint64, ch chan struct{}, ready func() bool) bool {
	w.Store(want)
	if ready() {
		if !w.CompareAndSwap(want, 0) {
			<-ch // the waker cleared w first: its token is on the way
		}
		return true
	}
	select {
	case <-ch:
		return true
	case <-s.ctx.Done():
		if !w.CompareAndSwap(want, 0) {
			<-ch
		}
		return false
	}
}

// signal wakes the party parked on w, if it waits for a value that ok
// accepts.
func signal(w *atomic.Uint64, ch chan struct{}, ok func(want uint64) bool) bool {
	if want := w.Load(); want != 0 && ok(want) && w.CompareAndSwap(want, 0) {
		ch <- struct{}{}
		return true
	}
	return false
}

// --- feeder ---

// feed ranges over in, reserving a place in the window for each element and
// handing it to the lane that route picks; errors from in, and a panic of in
// itself, travel through lane 0 in their place. It closes s.fed when done.
func (s *stage[T, U]) feed(in Stream[T], route func(T) (int, error)) {
	defer close(s.fed)
	defer s.finish()
	var zero T
	err := catch.Func(func() {
		for v, err := range in {
			if !s.reserve() {
				return
			}
			lane := 0
			if err == nil && route != nil {
				lane, err = route(v)
			}
			s.push(s.lanes[lane], v, err)
		}
	})
	if err != nil && s.reserve() {
		s.push(s.lanes[0], zero, err)
	}
}

// reserve waits until the window has room for one more item and counts it,
// or returns false once the consumer has gone.
func (s *stage[T, U]) reserve() bool {
	if s.stop.Load() {
		return false
	}
	if s.issued-s.known >= s.window {
		s.known = s.taken.Load()
		// Wait until half the window is free, so that the consumer wakes
		// the feeder once per half window rather than once per item.
		for s.issued-s.known >= s.window {
			want := s.issued - s.window/2
			ready := func() bool {
				s.known = s.taken.Load()
				return s.known >= want || s.stop.Load()
			}
			if !poll(spins, ready) && !s.park(&s.fwait, want+1, s.fwake, ready) {
				return false
			}
			if s.stop.Load() {
				return false
			}
		}
	}
	s.issued++
	return true
}

// push hands an item to lane l and makes sure a worker will look at it.
func (s *stage[T, U]) push(l *lane[T], v T, err error) {
	p := l.tail
	c := &l.cells[p&l.mask]
	for c.seq.Load() != p {
		// The worker that claimed the item this cell held is still
		// reading it.
		runtime.Gosched()
	}
	c.v, c.err = v, err
	c.seq.Store(p + 1)
	l.tail = p + 1
	if l.searching.Load() == 0 {
		s.wakeWorker(l)
	}
}

// finish records that the feeder will push no more items, and wakes the
// consumer if it waits.
func (s *stage[T, U]) finish() {
	s.total.Store(s.issued)
	s.done.Store(true)
	signal(&s.cwait, s.cwake, func(uint64) bool { return true })
}

// poll yields the processor up to spins times until ready reports true.
func poll(n int, ready func() bool) bool {
	for range n {
		runtime.Gosched()
		if ready() {
			return true
		}
	}
	return false
}

// --- workers ---

// wakeWorker wakes a parked worker of l, or starts one if l has fewer than
// its limit; the new worker counts as searching at once.
func (s *stage[T, U]) wakeWorker(l *lane[T]) {
	if l.nidle.Load() == 0 && l.live.Load() >= l.max {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if s.stop.Load() {
		return
	}
	if n := len(l.idle); n > 0 {
		w := l.idle[n-1]
		l.idle[n-1] = nil
		l.idle = l.idle[:n-1]
		l.nidle.Add(-1)
		l.searching.Add(1)
		w.wake <- struct{}{}
		return
	}
	if l.live.Load() < l.max {
		l.live.Add(1)
		l.searching.Add(1)
		s.workers.Add(1)
		go s.work(l, &sworker{wake: make(chan struct{}, 1)})
	}
}

// claim takes the item at the head of l, if one is there.
// Claiming two items with one compare-and-swap when two are ready (for the
// ordered stage, whose workers contend more on it) moved BenchmarkMap's
// ordered no-op figures by +3% to -21% over two runs of six, significant
// only at 4 workers in one (-6%): too little for a second path through
// work (a Goexit would then have to hand the other item on), so a claim
// takes one.
func (l *lane[T]) claim() (pos uint64, v T, err error, ok bool) {
	for {
		h := l.head.Load()
		c := &l.cells[h&l.mask]
		if c.seq.Load() != h+1 {
			return 0, v, nil, false
		}
		if l.head.CompareAndSwap(h, h+1) {
			v, err = c.v, c.err
			var zero T
			c.v, c.err = zero, nil
			c.seq.Store(h + l.mask + 1) // free for the item size positions on
			return h, v, err, true
		}
	}
}

// ready reports whether an item waits at the head of l.
func (l *lane[T]) ready() bool {
	h := l.head.Load()
	return l.cells[h&l.mask].seq.Load() == h+1
}

// work runs items of l until the stage stops. A worker starts searching.
func (s *stage[T, U]) work(l *lane[T], w *sworker) {
	var (
		pos    uint64
		inTask bool
	)
	defer func() {
		if inTask {
			// f called runtime.Goexit: this goroutine is ending. Report
			// the item, and wake or start a worker in its place if items
			// wait.
			var zero U
			s.put(pos, zero, weft.ErrGoexit)
			l.mu.Lock()
			l.live.Add(-1)
			l.mu.Unlock()
			if l.ready() && l.searching.Load() == 0 {
				s.wakeWorker(l)
			}
		}
		s.workers.Done()
	}()
	searching := true
	var (
		seen  uint64    // taken, as this worker last read it
		since time.Time // when seen was read
	)
	for {
		if s.stop.Load() {
			break
		}
		p, v, err, ok := l.claim()
		if !ok {
			if !searching {
				searching = true
				l.searching.Add(1)
			}
			n := spins
			if s.fwait.Load() != 0 {
				n = fullSpins
			}
			if poll(n, func() bool { return l.ready() || s.stop.Load() }) {
				continue
			}
			if !s.idle(l, w) {
				searching = false
				break
			}
			continue // woken: searching again
		}
		if searching {
			searching = false
			// The last searcher takes an item: if more wait, make sure
			// someone looks at them.
			if l.searching.Add(-1) == 0 && l.ready() {
				s.wakeWorker(l)
			}
		}
		pos, inTask = p, true
		var u U
		if err == nil {
			err = catch.Err(func() (err error) {
				u, err = s.f(s.ctx, v)
				return err
			})
		}
		inTask = false
		if i := s.put(p, u, err); i%lagEvery == 0 && s.stalled(i, &seen, &since) {
			runtime.Gosched()
		}
	}
	if searching {
		l.searching.Add(-1)
	}
	l.mu.Lock()
	l.live.Add(-1)
	l.mu.Unlock()
}

// idle parks a searching worker until it is woken, with searching counted
// again, or the stage stops (it then returns false, not searching).
func (s *stage[T, U]) idle(l *lane[T], w *sworker) bool {
	l.mu.Lock()
	l.idle = append(l.idle, w)
	l.nidle.Add(1)
	l.searching.Add(-1)
	l.mu.Unlock()
	if l.ready() || s.stop.Load() {
		// An item came in meanwhile: take back the place in the idle list,
		// unless a waker took it first and sent a token.
		l.mu.Lock()
		removed := false
		for i, x := range l.idle {
			if x == w {
				l.idle = append(l.idle[:i], l.idle[i+1:]...)
				l.nidle.Add(-1)
				l.searching.Add(1)
				removed = true
				break
			}
		}
		l.mu.Unlock()
		if !removed {
			<-w.wake
		}
		return true
	}
	select {
	case <-w.wake:
		return true
	case <-s.ctx.Done():
	}
	l.mu.Lock()
	for i, x := range l.idle {
		if x == w {
			l.idle = append(l.idle[:i], l.idle[i+1:]...)
			l.nidle.Add(-1)
			l.mu.Unlock()
			return false
		}
	}
	l.mu.Unlock()
	<-w.wake // woken at the same moment: searching was counted for us
	l.searching.Add(-1)
	return false
}

// stalled reports whether the consumer has taken no result for stallTime
// while a quarter of the window waits for it, i being the index of the
// result just put; seen and since are the caller's last reading of taken and
// its time. The consumer then most likely waits for a processor: a goroutine
// that a worker wakes runs next on that worker's processor, but only once
// the worker yields it, and a busy worker yields only when its lane runs
// dry. The window then fills, the feeder waits, and the workers idle while
// the consumer drains it and the feeder refills the lane. A worker that
// finds the consumer stalled yields at once, while the lane still holds
// work for the others.
func (s *stage[T, U]) stalled(i uint64, seen *uint64, since *time.Time) bool {
	t := s.taken.Load()
	if t != *seen || since.IsZero() {
		*seen, *since = t, time.Now()
		return false
	}
	return t+s.window/4 <= i && time.Since(*since) >= stallTime
}

// lagEvery is how many results the workers put between two looks at whether
// the consumer is stalled: one look costs a read of the consumer's count and
// of the clock.
const lagEvery = 64

// stallTime is how long the consumer must have taken nothing for a worker
// to yield its processor. On no-op items the consumer keeps up by taking
// results in long runs, and yielding whenever it had taken nothing since the
// last look and was a quarter of the window behind, without this bound, made
// Map and OrderedMap 1.2-1.8x slower there (BenchmarkMap, medians of six, 2,
// 4 and 16 workers), while it took ~1 us items 9-14% faster.
const stallTime = 50 * time.Microsecond

// put publishes the result of the item at position pos (its sequence
// number, for the ordered stage) and wakes the consumer if it waits for it.
// It returns the result's index in the order the consumer reads them.
func (s *stage[T, U]) put(pos uint64, u U, err error) uint64 {
	i := pos
	if !s.ordered {
		i = s.rtail.Add(1) - 1
	}
	r := &s.res[i&s.rmask]
	r.v, r.err = u, err
	r.seq.Store(i + 1)
	signal(&s.cwait, s.cwake, func(want uint64) bool { return want == i+1 })
	return i
}

// --- consumer ---

// next returns the next result: in sequence order when ordered, else in the
// order they were put. It returns more == false once the feeder has finished
// and every result is delivered, and the context's cause, with more ==
// false, if the context ends first.
func (s *stage[T, U]) next() (v U, err error, more bool) {
	t := s.taken.Load()
	r := &s.res[t&s.rmask]
	ready := func() bool {
		return r.seq.Load() == t+1 || s.done.Load() && s.total.Load() == t
	}
	for !ready() {
		if poll(spins, ready) {
			break
		}
		if !s.park(&s.cwait, t+1, s.cwake, ready) {
			return v, context.Cause(s.ctx), false
		}
	}
	if r.seq.Load() != t+1 {
		return v, nil, false // done, and every result delivered
	}
	v, err = r.v, r.err
	var zero U
	r.v, r.err = zero, nil
	s.taken.Store(t + 1)
	signal(&s.fwait, s.fwake, func(want uint64) bool { return t+1 >= want-1 })
	return v, err, true
}

// nextOrdered is next for the ordered stage. It counts the results it
// takes in ct and publishes that count in taken only every publishEvery
// results while the feeder does not wait, at once while it waits, and
// before the consumer itself waits, so that the feeder never waits for
// results already taken. On 300,000 no-op items at 2, 4 and 16 workers
// (BenchmarkMap, interleaved with the previous code, medians of six) this
// took OrderedMap from 73-77 to 47-54 ns per item over two runs. The same
// change in next, for both stages, moved Map the other way (55-59 to 68-77
// ns), so the unordered stage still publishes every result. In a third run
// of this split, OrderedMap went from 74-76 to 53-54 ns, and Map's medians
// (62-74 ns against 59-61) moved within their noise (p >= 0.39).
func (s *stage[T, U]) nextOrdered() (v U, err error, more bool) {
	t := s.ct
	r := &s.res[t&s.rmask]
	ready := func() bool {
		return r.seq.Load() == t+1 || s.done.Load() && s.total.Load() == t
	}
	if !ready() {
		s.publish(t)
		for !ready() {
			if poll(spins, ready) {
				break
			}
			if !s.park(&s.cwait, t+1, s.cwake, ready) {
				return v, context.Cause(s.ctx), false
			}
		}
	}
	if r.seq.Load() != t+1 {
		return v, nil, false // done, and every result delivered
	}
	v, err = r.v, r.err
	var zero U
	r.v, r.err = zero, nil
	s.ct = t + 1
	if (t+1)%publishEvery == 0 || s.fwait.Load() != 0 {
		s.publish(t + 1)
	}
	return v, err, true
}

// publishEvery is how many results the consumer takes between two stores
// of taken, when the feeder does not wait: the feeder reads taken only when
// the window looks full, and a store costs a full barrier.
const publishEvery = 32

// publish makes t, the number of results taken, visible to the feeder, and
// wakes the feeder if it waits for that many.
func (s *stage[T, U]) publish(t uint64) {
	if s.taken.Load() != t {
		s.taken.Store(t)
	}
	signal(&s.fwait, s.fwake, func(want uint64) bool { return t >= want-1 })
}

// halt stops the stage for good: the feeder stops at its next element, the
// workers after their current item, and halt waits until every goroutine of
// the stage has exited. The stage's context must be cancelled first.
func (s *stage[T, U]) halt() {
	s.stop.Store(true)
	<-s.fed
	s.workers.Wait() // parked workers wake up as the context ended
}
