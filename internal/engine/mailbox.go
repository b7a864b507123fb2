package engine

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Mailbox is a bounded FIFO queue served by one goroutine: the machinery of
// an actor. It is safe for concurrent use by multiple goroutines.
//
// Messages travel through a ring with no lock. A sender claims the position
// at the ring's tail with one compare-and-swap, writes the message into the
// cell for that position and publishes it with one atomic store of the
// cell's sequence number; the consumer takes the cell at the head once its
// sequence number says it holds the message. A cell is given back to senders
// once its message has run (or was dropped), so that at most Cap messages
// are in the mailbox or running at once, as with Engine's Queue+1 slots for
// one worker.
//
// The consumer goroutine starts with the first message and parks when the
// ring is empty: it announces the park in an atomic state word and looks at
// the ring once more; a sender that publishes a message looks at the word
// and wakes the consumer, exactly once, only when it parked (or starts one
// when none lives). A sender that finds the ring full waits on a channel of
// its own; the consumer wakes one waiting sender per cell it gives back.
// Parked consumers exit after between one and two idle timeouts, as
// Engine's workers do.
//
// Neither side spins with runtime.Gosched: on a machine with few cores a
// yield costs the scheduler's global run-queue lock, and in tuning runs a
// consumer that yielded four times before parking, or a sender that yielded
// before waiting for room, made Do 2-3x slower rather than faster. A sender
// that spins without yielding (30 to 3000 looks at the full cell) before it
// waits for room measured no faster either: on 2 cores the spinning senders
// hold both processors while the consumer waits for one. Recovering panics
// once per consumer loop instead of once per message (a deferred call less
// per message) made no difference that six interleaved runs could see.

type Mailbox[T any] struct {
	cells []mcell[T]
	mask  uint64
	cap   uint64

	run         func(T)
	goexit      func(T)
	idleTimeout time.Duration

	_     pad
	tail  atomic.Uint64 // next position to claim; stopBit once stopped
	_     pad
	head  atomic.Uint64 // next position to take
	parks atomic.Uint64 // times the consumer parked
	_     pad
	state atomic.Int32 // consumer: running, parked, gone or closed
	_     pad
	// nblocked counts the senders in blocked; a consumer that gives a cell
	// back reads it before it takes mu.
	nblocked atomic.Int32
	_        pad

	cur     atomic.Pointer[consumer] // the consumer goroutine alive, if any
	stopErr error                    // set before stopBit
	exited  chan struct{}            // closed when the consumer has stopped

	mu      sync.Mutex
	blocked []*waiter // senders waiting for a free cell, oldest first
	spare   []*waiter

	rmu     sync.Mutex // guards the reaper
	reaper  *time.Timer
	reaping bool
	seen    uint64 // parks at the reaper's last tick
}

// pad keeps fields written by different goroutines on different cache lines.
type pad [64]byte

// mcell is one cell of a Mailbox's ring. seq is p while the cell is free for
// the message at position p, and p+1 once it holds that message.
type mcell[T any] struct {
	seq atomic.Uint64
	v   T
}

// consumer is one consumer goroutine's wake-up channel. A goroutine that
// replaces one ended by runtime.Goexit keeps it.
type consumer struct {
	wake   chan struct{} // capacity 1
	retire bool          // set by the reaper before its token: exit
}

const stopBit = 1 << 63

// Consumer states.
const (
	running int32 = iota // a consumer goroutine runs (or is being started)
	parked               // the consumer waits for a token on its wake channel
	gone                 // no consumer goroutine
	closed               // stopped and empty: the consumer has exited for good
)

// MailboxConfig describes a Mailbox. Run is required.
type MailboxConfig[T any] struct {
	// Cap is how many messages may be in the mailbox or running at once
	// (>= 1).
	Cap int
	// IdleTimeout: the consumer goroutine exits after between one and two
	// idle timeouts without a message.
	IdleTimeout time.Duration
	// Run runs one message. It must not panic: callers recover inside it.
	Run func(T)
	// Goexit, if not nil, is called with the message whose Run called
	// runtime.Goexit; a new goroutine then goes on with the next message.
	Goexit func(T)
}

// NewMailbox returns a mailbox with no goroutine started.
func NewMailbox[T any](c MailboxConfig[T]) *Mailbox[T] {
	// At least two cells: with one, "holds the message at p" and "free for
	// the message at p+1" would be the same sequence number.
	size := uint64(2)
	for size < uint64(c.Cap) {
		size <<= 1
	}
	m := &Mailbox[T]{
		cells:       make([]mcell[T], size),
		mask:        size - 1,
		cap:         uint64(c.Cap),
		run:         c.Run,
		goexit:      c.Goexit,
		idleTimeout: c.IdleTimeout,
		exited:      make(chan struct{}),
	}
	// Cells beyond Cap are not free for their first position: each becomes
	// free when the message Cap positions before it is done (see release).
	for i := range m.cells {
		seq := uint64(i)
		if seq >= m.cap {
			seq -= size - 1 // wraps: reads as full, never as holding a message
		}
		m.cells[i].seq.Store(seq)
	}
	m.state.Store(gone)
	return m
}

// Push queues v, waiting while the mailbox is full until there is room, ctx
// ends (it then returns ctx.Err()) or the mailbox is stopped (it then returns
// the stop error).
func (m *Mailbox[T]) Push(ctx context.Context, v T) error {
	for {
		switch m.tryPush(v) {
		case pushed:
			return nil
		case refused:
			return m.stopErr
		}
		if err := m.await(ctx); err != nil {
			return err
		}
	}
}

type pushResult int

const (
	pushed pushResult = iota
	full
	refused
)

func (m *Mailbox[T]) tryPush(v T) pushResult {
	for {
		t := m.tail.Load()
		if t&stopBit != 0 {
			return refused
		}
		c := &m.cells[t&m.mask]
		d := int64(c.seq.Load() - t)
		if d < 0 {
			return full
		}
		if d > 0 || !m.tail.CompareAndSwap(t, t+1) {
			continue // another sender took position t
		}
		c.v = v
		c.seq.Store(t + 1)
		if m.state.Load() != running {
			m.wake()
		}
		return pushed
	}
}

// isFull reports whether a sender would find no free cell (false once
// stopped).
func (m *Mailbox[T]) isFull() bool {
	t := m.tail.Load()
	if t&stopBit != 0 {
		return false
	}
	return int64(m.cells[t&m.mask].seq.Load()-t) < 0
}

// await parks the caller until the consumer gives a cell back, the mailbox
// is stopped or ctx ends.
func (m *Mailbox[T]) await(ctx context.Context) error {
	m.mu.Lock()
	var w *waiter
	if n := len(m.spare); n > 0 {
		w = m.spare[n-1]
		m.spare = m.spare[:n-1]
	} else {
		w = &waiter{ch: make(chan struct{}, 1)}
	}
	m.blocked = append(m.blocked, w)
	m.nblocked.Add(1)
	m.mu.Unlock()
	// The consumer gives a cell back and then reads nblocked; we counted
	// ourselves in nblocked and now look at the cell: one of us sees the
	// other.
	var err error
	if m.isFull() {
		select {
		case <-w.ch:
			m.mu.Lock()
			m.spare = append(m.spare, w)
			m.mu.Unlock()
			return nil
		case <-ctx.Done():
			err = ctx.Err()
		}
	}
	m.mu.Lock()
	if m.unblock(w) {
		m.nblocked.Add(-1)
	} else {
		// A token was sent meanwhile: consume it, and pass the wake-up on
		// if we are not going to use it, so that it is not lost.
		<-w.ch
		if err != nil {
			m.wakeBlocked(1)
		}
	}
	m.spare = append(m.spare, w)
	m.mu.Unlock()
	return err
}

// unblock removes w from the blocked senders. Called with m.mu held.
func (m *Mailbox[T]) unblock(w *waiter) bool {
	for i, b := range m.blocked {
		if b == w {
			m.blocked = append(m.blocked[:i], m.blocked[i+1:]...)
			return true
		}
	}
	return false
}

// wakeBlocked wakes up to n blocked senders, oldest first. Called with m.mu
// held.
func (m *Mailbox[T]) wakeBlocked(n int) {
	n = min(n, len(m.blocked))
	for _, w := range m.blocked[:n] {
		w.ch <- struct{}{}
	}
	rest := copy(m.blocked, m.blocked[n:])
	clear(m.blocked[rest:])
	m.blocked = m.blocked[:rest]
	m.nblocked.Add(int32(-n))
}

// wake makes sure that a consumer goroutine will look at the ring: it wakes
// the parked consumer, or starts one if none lives.
func (m *Mailbox[T]) wake() {
	for {
		switch s := m.state.Load(); s {
		case running, closed:
			return
		case parked:
			if m.state.CompareAndSwap(parked, running) {
				m.cur.Load().wake <- struct{}{}
				return
			}
		case gone:
			if m.state.CompareAndSwap(gone, running) {
				c := &consumer{wake: make(chan struct{}, 1)}
				m.cur.Store(c)
				m.armReaper()
				go m.consume(c)
				return
			}
		}
	}
}

// take claims the message at the head, if one is published there.
func (m *Mailbox[T]) take() (pos uint64, v T, ok bool) {
	for {
		h := m.head.Load()
		c := &m.cells[h&m.mask]
		if c.seq.Load() != h+1 {
			return h, v, false
		}
		if m.head.CompareAndSwap(h, h+1) {
			var zero T
			v, c.v = c.v, zero
			return h, v, true
		}
	}
}

// release gives back the cell that the message at pos held Cap positions
// later. Senders waiting for room are woken once at least half the cells are
// free, all at once, so that each wake-up is worth a batch of messages and a
// woken sender rarely finds the ring full again.
func (m *Mailbox[T]) release(pos uint64) {
	next := pos + m.cap
	m.cells[next&m.mask].seq.Store(next)
	if m.nblocked.Load() > 0 {
		if inFlight := m.tail.Load()&^stopBit - (pos + 1); inFlight <= m.cap/2 {
			m.mu.Lock()
			m.wakeBlocked(int(m.cap - inFlight))
			m.mu.Unlock()
		}
	}
}

func (m *Mailbox[T]) consume(c *consumer) {
	var (
		cur    T
		pos    uint64
		inTask bool
	)
	defer func() {
		if !inTask {
			return
		}
		// Run called runtime.Goexit: this goroutine ends. Report the
		// message and go on with the next in a new goroutine, which stays
		// the running consumer.
		if m.goexit != nil {
			m.goexit(cur)
		}
		m.release(pos)
		go m.consume(c)
	}()
	for {
		var ok bool
		if pos, cur, ok = m.take(); ok {
			inTask = true
			m.run(cur)
			var zero T
			cur, inTask = zero, false
			m.release(pos)
			continue
		}
		if t := m.tail.Load(); t&^stopBit != pos {
			// A sender claimed pos and is writing its message: it is
			// most often a few instructions from publishing it.
			if m.awaitPublish(pos) {
				continue
			}
		} else if t&stopBit != 0 {
			m.close()
			return
		}
		if !m.park(c) {
			return
		}
	}
}

// publishSpins is how many times the consumer looks at a cell that a sender
// has claimed but not yet published before it yields the processor: the
// sender is usually between its claim and its store, a few nanoseconds, and
// a yield costs the scheduler's global run queue lock.
const publishSpins = 200

// awaitPublish waits a little for the message at pos to be published, and
// reports whether it was (or another taker took it). If not, the sender was
// descheduled: the consumer parks, and the sender wakes it once it publishes.
func (m *Mailbox[T]) awaitPublish(pos uint64) bool {
	c := &m.cells[pos&m.mask]
	for range publishSpins {
		if c.seq.Load() == pos+1 || m.head.Load() != pos {
			return true
		}
	}
	return false
}

// ready reports whether the consumer has something to do: a message
// published at the head, or a stop to act on.
func (m *Mailbox[T]) ready() bool {
	h := m.head.Load()
	return m.cells[h&m.mask].seq.Load() == h+1 || m.tail.Load()&stopBit != 0
}

// park waits for a token on c's wake channel. It returns false if the
// consumer is to exit.
func (m *Mailbox[T]) park(c *consumer) bool {
	m.parks.Add(1)
	m.state.Store(parked)
	// A sender publishes and then reads state; we wrote state and now look
	// at the ring: one of us sees the other.
	if m.ready() && m.state.CompareAndSwap(parked, running) {
		return true
	}
	<-c.wake
	return !c.retire
}

// close ends the consumer for good once the mailbox is stopped and empty.
// Called by the running consumer.
func (m *Mailbox[T]) close() {
	m.state.Store(closed)
	m.rmu.Lock()
	if m.reaping {
		m.reaper.Stop()
		m.reaping = false
	}
	m.rmu.Unlock()
	close(m.exited)
}

// armReaper makes sure the reaper will tick.
func (m *Mailbox[T]) armReaper() {
	m.rmu.Lock()
	defer m.rmu.Unlock()
	if m.reaping {
		return
	}
	m.reaping = true
	m.seen = m.parks.Load() - 1 // the next tick only takes note
	if m.reaper == nil {
		m.reaper = time.AfterFunc(m.idleTimeout, m.reap)
	} else {
		m.reaper.Reset(m.idleTimeout)
	}
}

// reap runs once per idle timeout while a consumer lives and retires it if
// it has stayed in the same park since the tick before.
func (m *Mailbox[T]) reap() {
	m.rmu.Lock()
	defer m.rmu.Unlock()
	if !m.reaping {
		return
	}
	parks := m.parks.Load()
	if parks == m.seen && m.state.Load() == parked && m.state.CompareAndSwap(parked, gone) {
		c := m.cur.Load()
		c.retire = true
		c.wake <- struct{}{}
		m.reaping = false
		return
	}
	m.seen = parks
	if s := m.state.Load(); s == gone || s == closed {
		m.reaping = false
		return
	}
	m.reaper.Reset(m.idleTimeout)
}

// Stop makes every later Push, and every Push blocked now, fail with err.
// Queued and running messages are not affected. Only the first Stop counts.
func (m *Mailbox[T]) Stop(err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for {
		t := m.tail.Load()
		if t&stopBit != 0 {
			return
		}
		m.stopErr = err
		if m.tail.CompareAndSwap(t, t|stopBit) {
			break
		}
	}
	m.wakeBlocked(len(m.blocked))
}

// Drop removes every message still in the mailbox of a stopped mailbox and
// passes them, in FIFO order, to report. The message running is not
// affected.
func (m *Mailbox[T]) Drop(report func([]T)) {
	end := m.tail.Load() &^ stopBit
	var vs []T
	for {
		pos, v, ok := m.take()
		if ok {
			vs = append(vs, v)
			m.release(pos)
			continue
		}
		if pos >= end {
			break
		}
		runtime.Gosched() // a sender claimed pos and is writing its message
	}
	if len(vs) > 0 && report != nil {
		report(vs)
	}
}

// Retire waits until the consumer of a stopped mailbox has run every message
// left and exited, or until ctx ends.
func (m *Mailbox[T]) Retire(ctx context.Context) error {
	m.wake() // a consumer must live to see the stop
	select {
	case <-m.exited:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
