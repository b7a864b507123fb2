package actor

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/weft-dev/weft"
	"github.com/weft-dev/weft/internal/catch"
	"github.com/weft-dev/weft/internal/waitq"
)

// ErrStopped is returned for a message sent to a stopped actor, and wrapped
// by the errors that report messages rejected by Stop.
var ErrStopped = errors.New("actor: stopped")

// DefaultMailbox is the mailbox capacity used when WithMailbox is not given.
const DefaultMailbox = 64

// DefaultIdleTimeout is the idle timeout used when WithIdleTimeout is not
// given: the actor's goroutine exits after between one and two idle timeouts
// without a message. The next message starts a new one; the state is kept.
const DefaultIdleTimeout = time.Second

// StopMode says what Stop does with the messages still in the mailbox.
type StopMode int

const (
	// Drain runs every message already in the mailbox before stopping.
	Drain StopMode = iota
	// Reject runs none of the messages still in the mailbox. Each Ask
	// among them returns ErrStopped to its caller; the number of Do
	// messages rejected is reported by Stop.
	Reject
)

// Option configures an Actor; pass options to New.
type Option func(*config)

type config struct {
	mailbox int
	idle    time.Duration
	err     error
}

// MaxMailbox is the largest mailbox WithMailbox accepts.
const MaxMailbox = 1 << 20

// WithMailbox sets how many messages may wait in the mailbox (0 to
// MaxMailbox), beyond the one that runs. Senders block while it is full,
// and get in when the actor takes its next batch of messages or has run
// half a mailbox of them. With 0, a message is accepted only when the actor
// is free to run it. The default is DefaultMailbox.
func WithMailbox(n int) Option {
	return func(c *config) {
		if n < 0 && c.err == nil {
			c.err = fmt.Errorf("actor: mailbox must be >= 0, got %d", n)
		}
		if n > MaxMailbox && c.err == nil {
			c.err = fmt.Errorf("actor: mailbox must be <= %d (actor.MaxMailbox), got %d", MaxMailbox, n)
		}
		c.mailbox = n
	}
}

// WithIdleTimeout sets the idle timeout (> 0): the actor's goroutine exits
// after between one and two idle timeouts without a message. The default is
// DefaultIdleTimeout.
func WithIdleTimeout(d time.Duration) Option {
	return func(c *config) {
		if d <= 0 && c.err == nil {
			c.err = fmt.Errorf("actor: idle timeout must be > 0, got %v", d)
		}
		c.idle = d
	}
}

// Actor owns a value of type S and runs the functions sent to it one at a
// time, in the order they entered its mailbox, each with a pointer to the
// value. Only those functions touch the value, so they need no lock. The
// return of each function is synchronized before the start of the next. An
// Actor is safe for concurrent use by multiple goroutines and must not be
// copied.
type Actor[S any] struct {
	// Written by senders under mu, on every message.
	mu      sync.Mutex
	q       []msg[S]    // accepted and not yet taken by the goroutine, oldest first
	free    []msg[S]    // an empty buffer for q, while the goroutine holds none
	taken   int         // messages the goroutine has taken and not finished
	limit   int         // the most messages queued, taken and running: mailbox+1
	release int         // messages run between two gives of room to blocked senders
	parked  bool        // the goroutine waits on wake, and no one has woken it
	handoff bool        // the sender that woke the goroutine took its batch
	blocked waitq.Queue // senders waiting for room
	wake    chan struct{}
	_       pad

	// Written under mu when the actor starts, retires or stops, or when a
	// sender blocks; read without mu by the goroutine after each message.
	flags    atomic.Int32 // goneBit, stopBit, rejectBit
	nblocked atomic.Int32 // len(blocked)
	_        pad

	// batch holds the messages the goroutine took at once, written under
	// mu; next, owned by the goroutine, is the index of the next to run.
	batch []msg[S]
	next  int
	_     pad

	state S // touched only by the messages
	_     pad

	// Guarded by mu, rarely written.
	idle     time.Duration
	exited   chan struct{} // closed when the goroutine has ended for good
	closed   bool          // exited is closed
	retire   bool          // set by the reaper: the goroutine is to exit
	parks    uint64        // times the goroutine parked
	errs     []error       // panics of Do messages, reported by Stop
	rejected int           // Do messages rejected by Stop
	reaper   *time.Timer
	ticking  bool   // the reaper is armed
	seen     uint64 // parks at the reaper's last tick

	asks sync.Pool // *ask[S, R] with their reply channels, for reuse
}

// pad keeps fields written by different goroutines on different cache lines.
type pad [64]byte

// Bits of Actor.flags.
const (
	goneBit   int32 = 1 << iota // no goroutine serves the mailbox
	stopBit                     // Stop has begun: no message is accepted
	rejectBit                   // Stop(Reject) has begun: no message runs
)

// msg is a Do message (do set) or an Ask (req set, with the use of the
// request it stands for: requests are reused).
type msg[S any] struct {
	do  func(*S)
	req request[S]
	use uint64
}

// request is a message whose sender waits for its outcome. A request is
// claimed once per use, by serve or by reject, whichever comes first, unless
// its sender gave up first.
type request[S any] interface {
	// serve runs use of the request, unless it was claimed.
	serve(s *S, use uint64)
	// fail reports err for a request that serve began to run.
	fail(err error)
	// reject reports err for use of the request, unless it was claimed.
	reject(err error, use uint64)
}

// New returns an actor that owns initial. It starts no goroutine: the
// actor's goroutine starts when a message arrives.
func New[S any](initial S, opts ...Option) (*Actor[S], error) {
	c := config{mailbox: DefaultMailbox, idle: DefaultIdleTimeout}
	for _, o := range opts {
		if o == nil {
			if c.err == nil {
				c.err = errors.New("actor: option must not be nil")
			}
			continue
		}
		o(&c)
	}
	if c.err != nil {
		return nil, c.err
	}
	a := &Actor[S]{
		limit: c.mailbox + 1, // the running message counts
		// Blocked senders are let in half a mailbox at a time.
		release: max(1, (c.mailbox+1)/2),
		wake:    make(chan struct{}, 1),
		idle:    c.idle,
		state:   initial,
		exited:  make(chan struct{}),
	}
	a.flags.Store(goneBit)
	return a, nil
}

// The mailbox is a slice guarded by a mutex, and the actor's goroutine
// takes everything queued at once: a sender holds the lock only to append
// one message, and the goroutine takes the lock once per batch. A
// hand-written channel owner takes the channel's lock twice per message,
// once to send and once to receive, and under contention that lock is what
// both pay for.
//
// Room. A message counts against the mailbox from its send until it has
// run: the queued ones, and those the goroutine has taken and not finished
// (taken). A sender that finds no room waits on a waiter of its own in
// blocked. The goroutine gives the room back, and wakes as many waiters as
// there is room, when it takes its next batch, and, while a sender is
// blocked (nblocked), each time half a mailbox of messages has run: a
// blocked sender need not wait for the whole batch, and waiters are woken
// in groups rather than one per message.
//
// Parking. The goroutine parks on wake when the mailbox is empty, with
// parked set under mu. The sender that finds parked set clears it, takes
// the batch for the goroutine (handoff) and sends one token; the reaper and
// Stop wake it the same way, without a batch. Whoever clears parked sends
// the only token of that wait.
//
// Starting and retiring. A sender that finds no goroutine (goneBit) starts
// one. The goroutine retires only under mu with the mailbox empty, when the
// reaper has found it parked in the same wait at two ticks in a row: after
// between one and two idle timeouts without a message.
//
// Stopping. Stop sets stopBit under mu, so a message is either appended
// before it, and then run or rejected as Stop's mode says, or refused with
// ErrStopped; blocked senders are woken to find stopBit. With Reject, Stop
// rejects what is queued and answers the Asks of the batch the goroutine
// holds, which may be stuck behind a message that blocks; the goroutine
// rejects the rest of its batch as it comes to it (rejectBit). Each use of
// a request is claimed once, by serve or by reject, so none is both run and
// rejected. The goroutine exits for good once it finds the mailbox empty
// after Stop.

// Do sends f to the actor without waiting for it to run, blocking while the
// mailbox is full. It returns an error wrapping ctx.Err() if ctx ends first,
// and ErrStopped if the actor is stopped; f then never runs. A panic in f is
// reported by Stop; the actor goes on with the next message.
func (a *Actor[S]) Do(ctx context.Context, f func(*S)) error {
	if f == nil {
		return errors.New("actor: function must not be nil")
	}
	return a.send(ctx, msg[S]{do: f})
}

func (a *Actor[S]) send(ctx context.Context, m msg[S]) error {
	if ctx == nil {
		return errors.New("actor: context must not be nil")
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("actor: not sent: %w", err)
	}
	a.mu.Lock()
	if len(a.q)+a.taken >= a.limit || a.flags.Load()&stopBit != 0 {
		if err := a.admit(ctx); err != nil {
			a.mu.Unlock()
			return err
		}
	}
	a.q = append(a.q, m)
	switch {
	case a.parked:
		a.parked = false
		a.handoff = true
		a.batch, a.q, a.free = a.q, a.free, nil
		a.next = 0
		a.taken = len(a.batch)
		a.mu.Unlock()
		a.wake <- struct{}{}
	case a.flags.Load()&goneBit != 0:
		a.start()
		a.mu.Unlock()
		go a.serve()
	default:
		a.mu.Unlock()
	}
	return nil
}

// admit waits until there is room in the mailbox, ctx ends or the actor
// stops. Called and returns with mu held.
func (a *Actor[S]) admit(ctx context.Context) error {
	front := false // a woken waiter that finds no room waits first in line
	for {
		if a.flags.Load()&stopBit != 0 {
			return ErrStopped
		}
		if len(a.q)+a.taken < a.limit {
			return nil
		}
		w := a.blocked.Push(front)
		a.nblocked.Store(int32(a.blocked.Len()))
		a.mu.Unlock()
		var err error
		select {
		case <-w.C:
			a.mu.Lock()
		case <-ctx.Done():
			a.mu.Lock()
			if a.blocked.Leave(w) {
				a.nblocked.Store(int32(a.blocked.Len()))
			} else {
				// Woken as ctx ended: pass the wake-up on.
				<-w.C
				a.wakeRoom()
			}
			err = fmt.Errorf("actor: not sent: %w", ctx.Err())
		}
		a.blocked.Done(w)
		if err != nil {
			return err
		}
		front = true
	}
}

// wakeRoom wakes as many blocked senders as there is room, oldest first,
// or all of them once the actor has stopped. Called with mu held.
func (a *Actor[S]) wakeRoom() {
	if a.blocked.Len() == 0 {
		return
	}
	n := a.limit - len(a.q) - a.taken
	if a.flags.Load()&stopBit != 0 {
		n = a.blocked.Len()
	}
	a.blocked.Wake(n)
	a.nblocked.Store(int32(a.blocked.Len()))
}

// start marks a goroutine as serving the mailbox and arms the reaper; the
// caller starts it once it has unlocked mu. Called with mu held and goneBit
// set.
func (a *Actor[S]) start() {
	a.flags.And(^goneBit)
	a.retire = false
	a.ticking = true
	a.seen = a.parks
	if a.reaper == nil {
		a.reaper = time.AfterFunc(a.idle, a.tick)
	} else {
		a.reaper.Reset(a.idle)
	}
}

// tick runs once per idle timeout while a goroutine lives, and retires it if
// it has waited on an empty mailbox, in the same wait, since the tick
// before.
func (a *Actor[S]) tick() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.ticking {
		return
	}
	if a.parked && a.parks == a.seen {
		a.parked = false
		a.retire = true
		a.wake <- struct{}{}
	}
	a.seen = a.parks
	a.reaper.Reset(a.idle)
}

// stopTicking disarms the reaper. Called with mu held.
func (a *Actor[S]) stopTicking() {
	a.ticking = false
	if a.reaper != nil {
		a.reaper.Stop()
	}
}

// serve is the actor's goroutine.
func (a *Actor[S]) serve() {
	for !a.loop() {
	}
}

// loop runs messages until the goroutine is to exit, and then returns true.
// A panic in a message is recovered once for the whole loop: it is
// reported, and loop returns false to be called again, which goes on with
// the next message of the batch. A message that calls runtime.Goexit is
// reported, and a new goroutine goes on with the next.
func (a *Actor[S]) loop() (exit bool) {
	busy := false // a message runs: a.batch[a.next-1]
	defer func() {
		if exit || !busy {
			return
		}
		var err error = weft.ErrGoexit
		v := recover()
		if v != nil {
			err = catch.Panic(v)
		}
		if m := a.batch[a.next-1]; m.req != nil {
			m.req.fail(err)
		} else {
			a.record(err)
		}
		if v == nil {
			go a.serve() // runtime.Goexit: this goroutine ends
		}
	}()
	for {
		ran := 0 // messages run since room was last given back
		for a.next < len(a.batch) {
			m := &a.batch[a.next]
			a.next++
			if a.flags.Load()&rejectBit != 0 {
				a.reject(*m)
				continue
			}
			busy = true
			if m.do != nil {
				m.do(&a.state)
			} else {
				m.req.serve(&a.state, m.use)
			}
			busy = false
			if ran++; ran >= a.release && a.nblocked.Load() != 0 {
				ran = 0
				a.mu.Lock()
				a.taken = len(a.batch) - a.next
				a.wakeRoom()
				a.mu.Unlock()
			}
		}
		if !a.take() {
			return true
		}
	}
}

// take hands back the batch that has run and takes the next, waiting on an
// empty mailbox for one. It returns false when the goroutine is to exit: it
// has retired, or the actor has stopped and its mailbox is empty.
func (a *Actor[S]) take() bool {
	a.mu.Lock()
	clear(a.batch)
	if a.free == nil {
		a.free = a.batch[:0]
	}
	a.batch = nil
	for {
		a.taken = 0
		if len(a.q) > 0 {
			a.retire = false
			a.batch, a.q, a.free = a.q, a.free, nil
			a.next = 0
			a.taken = len(a.batch)
			a.wakeRoom()
			a.mu.Unlock()
			return true
		}
		a.wakeRoom()
		f := a.flags.Load()
		if f&stopBit != 0 || a.retire {
			a.stopTicking()
			a.flags.Or(goneBit)
			a.retire = false
			if f&stopBit != 0 {
				a.closed = true
				close(a.exited)
			}
			a.mu.Unlock()
			return false
		}
		a.parked = true
		a.parks++
		a.mu.Unlock()
		<-a.wake
		if a.handoff {
			// The sender that woke us took the batch, under mu, before it
			// sent the token: the receive orders its writes before ours.
			a.handoff = false
			return true
		}
		a.mu.Lock()
	}
}

// reject rejects a message taken before Stop(Reject) began.
func (a *Actor[S]) reject(m msg[S]) {
	if m.req != nil {
		m.req.reject(ErrStopped, m.use) // Stop may have done so
		return
	}
	a.mu.Lock()
	a.rejected++
	a.mu.Unlock()
}

// rejectLocked rejects a message that will not run. Called with mu held.
func (a *Actor[S]) rejectLocked(m msg[S]) {
	if m.req != nil {
		m.req.reject(ErrStopped, m.use)
	} else {
		a.rejected++
	}
}

func (a *Actor[S]) record(err error) {
	a.mu.Lock()
	a.errs = append(a.errs, err)
	a.mu.Unlock()
}

// Stop stops the actor: later messages fail with ErrStopped, the mailbox is
// drained or rejected as mode says, and Stop waits until the actor's
// goroutine has exited or ctx ends. It returns the panics of Do messages not
// yet reported, and an error wrapping ErrStopped that counts the Do messages
// it rejected. If ctx ends first, Stop returns an error wrapping ctx.Err()
// and the actor finishes on its own. Stop must not be called from a message
// of the same actor.
func (a *Actor[S]) Stop(ctx context.Context, mode StopMode) error {
	bits := stopBit
	if mode == Reject {
		bits |= rejectBit
	}
	a.mu.Lock()
	a.flags.Or(bits)
	a.wakeRoom() // every blocked sender, to find stopBit
	if mode == Reject {
		// The messages the goroutine took and has not started, then the
		// queued ones: in mailbox order.
		// The Asks the goroutine took and has not started: their callers
		// wait. Each use of a request is claimed once, so those that ran,
		// were given up or were reused are left alone; the goroutine
		// rejects the Do messages as it comes to them.
		for _, m := range a.batch {
			if m.req != nil {
				m.req.reject(ErrStopped, m.use)
			}
		}
		for _, m := range a.q {
			a.rejectLocked(m)
		}
		clear(a.q)
		a.q = a.q[:0]
	}
	wake, run := false, false
	switch {
	case a.closed:
	case a.parked:
		a.parked = false
		wake = true
	case a.flags.Load()&goneBit != 0:
		// No goroutine: start one to drain the mailbox, or to close.
		a.start()
		run = true
	}
	a.mu.Unlock()
	if wake {
		a.wake <- struct{}{}
	}
	if run {
		go a.serve()
	}
	select {
	case <-a.exited:
	case <-ctx.Done():
		return fmt.Errorf("actor: stop: %w", ctx.Err())
	}
	a.mu.Lock()
	errs, n := a.errs, a.rejected
	a.errs, a.rejected = nil, 0
	a.mu.Unlock()
	if n > 0 {
		errs = append(errs, fmt.Errorf("%w: %d queued Do messages rejected", ErrStopped, n))
	}
	return errors.Join(errs...)
}

// ask is the message behind Ask. Its sender puts it back in the actor's
// pool once it has its reply, so an Ask allocates nothing in the steady
// state.
type ask[S, R any] struct {
	f func(*S) R
	// state is the current use of the request, shifted left by two, with
	// askWaiting, askTaken or askAbandoned in the low bits. A use is claimed
	// by moving it from waiting, once: by serve, by reject, or by the sender
	// giving up.
	state atomic.Uint64
	use   uint64
	val   R
	err   error
	done  chan struct{} // capacity 1: one token per reply
}

const (
	askWaiting uint64 = iota
	askTaken
	askAbandoned
)

func (q *ask[S, R]) serve(s *S, use uint64) {
	if !q.state.CompareAndSwap(use<<2|askWaiting, use<<2|askTaken) {
		return // given up on, or rejected by Stop, before f started
	}
	q.val = q.f(s)
	q.done <- struct{}{}
}

func (q *ask[S, R]) fail(err error) {
	q.err = err
	q.done <- struct{}{}
}

func (q *ask[S, R]) reject(err error, use uint64) {
	if !q.state.CompareAndSwap(use<<2|askWaiting, use<<2|askTaken) {
		return // it ran, was rejected or was given up on, or is reused
	}
	q.err = err
	q.done <- struct{}{}
}

// Ask sends f to the actor and waits for its result. If ctx ends before f
// starts, f never runs and Ask returns an error wrapping ctx.Err(); once f
// has started, Ask waits for it and returns its result, so that the caller
// always knows whether f ran. A panic in f is returned as a
// *weft.PanicError; the actor goes on with the next message.
func Ask[S, R any](ctx context.Context, a *Actor[S], f func(*S) R) (R, error) {
	var zero R
	if f == nil {
		return zero, errors.New("actor: function must not be nil")
	}
	if ctx == nil {
		return zero, errors.New("actor: context must not be nil")
	}
	q, _ := a.asks.Get().(*ask[S, R])
	if q == nil {
		q = &ask[S, R]{done: make(chan struct{}, 1)}
	}
	q.f = f
	q.use++
	use := q.use
	q.state.Store(use<<2 | askWaiting)
	if err := a.send(ctx, msg[S]{req: q, use: use}); err != nil {
		q.f = nil // not in the mailbox: no one else holds q
		a.asks.Put(q)
		return zero, err
	}
	if done := ctx.Done(); done == nil {
		<-q.done // ctx never ends: a plain receive costs less than a select
	} else {
		select {
		case <-q.done:
		case <-done:
			if q.state.CompareAndSwap(use<<2|askWaiting, use<<2|askAbandoned) {
				// q stays in the mailbox until the actor skips it: not
				// reused.
				return zero, fmt.Errorf("actor: ask abandoned: %w", ctx.Err())
			}
			<-q.done
		}
	}
	v, err := q.val, q.err
	q.f, q.val, q.err = nil, zero, nil
	a.asks.Put(q)
	if err != nil {
		return zero, err
	}
	return v, nil
}
