package actor

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/weft-dev/weft"
	"github.com/weft-dev/weft/internal/catch"
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

// MaxMailbox is the largest mailbox WithMailbox accepts. The mailbox is a
// buffered channel, allocated when the actor is made with room for every
// message it can hold.
const MaxMailbox = 1 << 20

// WithMailbox sets how many messages may wait in the mailbox (0 to
// MaxMailbox). Senders block while it is full. With 0, a message is accepted
// only when the actor is free to run it. The default is DefaultMailbox.
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
	// Read by every sender on every message, written rarely.
	ch     chan msg[S]   // the mailbox
	flags  atomic.Int32  // goneBit, stopBit, rejectBit
	stopCh chan struct{} // closed when Stop begins: wakes blocked senders
	idle   time.Duration
	_      pad

	state S // touched only by the actor's goroutine
	_     pad

	// park is the actor goroutine's count of waits on an empty mailbox,
	// shifted left, with the low bit set while it waits. parks is that
	// count, owned by the goroutine serving the mailbox.
	park    atomic.Uint64
	parks   uint64
	waiting atomic.Int32 // senders waiting in the slow path of a mailbox of 0
	_       pad

	exited chan struct{} // closed when the actor's goroutine has ended for good

	mu       sync.Mutex
	closed   bool     // the goroutine has ended for good: exited is closed
	leftover []msg[S] // messages found in the mailbox after it closed
	errs     []error  // panics of Do messages, reported by Stop
	rejected int      // Do messages rejected by Stop
	reaper   *time.Timer
	ticking  bool   // the reaper is armed
	seen     uint64 // park at the reaper's last tick
	tickPark uint64 // park when the reaper sent its last idle marker

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

// msg is a Do message (do set), an Ask (req set), or, with neither, a
// marker: a wake-up for the actor's goroutine to look at its flags or its
// idle timeout.
type msg[S any] struct {
	do  func(*S)
	req request[S]
}

// request is a message whose sender waits for its outcome.
type request[S any] interface {
	// serve runs the request, unless its sender has given up on it.
	serve(*S)
	// fail reports err for a request that serve began to run.
	fail(err error)
	// reject reports err for a request that will not run.
	reject(err error)
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
	// The message running has left the channel, so a mailbox of n holds
	// n+1 messages, the running one included; with 0, a send completes
	// only when the actor's goroutine receives it.
	a := &Actor[S]{
		ch:     make(chan msg[S], c.mailbox),
		stopCh: make(chan struct{}),
		idle:   c.idle,
		state:  initial,
		exited: make(chan struct{}),
	}
	a.flags.Store(goneBit)
	return a, nil
}

// The mailbox is a buffered Go channel, so that a message costs what a
// hand-written channel owner pays: one send and one receive. Every other
// cost of a message is a load of a word written only when the actor starts,
// retires or stops (flags), and panics are recovered once per run of the
// goroutine's loop, not per message.
//
// Starting and retiring. A sender sends, then loads flags; if goneBit is
// set, it starts a goroutine under mu. The goroutine retires under mu: it
// sets goneBit, then tries one more receive (and looks at waiting, the
// senders about to block on a mailbox of 0, which count themselves before
// they load flags). Of a sender and a retiring goroutine, one sees the
// other: either the goroutine finds the message and stays, or the sender
// finds goneBit and starts a new goroutine.
//
// Idleness. The goroutine counts its waits on an empty mailbox in park. A
// timer armed while it lives ticks once per idle timeout; when it finds the
// same wait as at the tick before, it sends a marker, and the goroutine,
// woken by that marker in that very wait, retires: after between one and
// two idle timeouts without a message.
//
// Stopping. The channel is never closed: senders may be sending. Stop sets
// stopBit under mu (and closes stopCh, so that senders blocked on a full
// mailbox return ErrStopped), makes sure a goroutine lives, and wakes it
// with a marker if it waits. The goroutine goes on receiving; once the
// mailbox is empty and it sees stopBit, it tries one last receive under mu
// and, finding nothing, sets closed and exits. A sender that checked
// stopBit before Stop but sends after it then loads flags and sees stopBit.
// Under mu, if the goroutine has not closed, its last receive is still to
// come, so the message will be received: the sender returns nil. If it has
// closed, the message was either received before the last receive, and
// handled as Stop's mode says, or it is still in the channel: the sender
// moves what the channel holds to leftover and, if its own message is
// there, takes it out and returns ErrStopped. A message is thus either run
// (or rejected and reported by Stop) with its sender told nil, or never
// run with its sender told ErrStopped. Do messages are told apart by their
// function value's pointer: two messages with the same pointer are the
// same closure, so which of their senders is told what makes no
// difference.

// Do sends f to the actor without waiting for it to run, blocking while the
// mailbox is full. It returns an error wrapping ctx.Err() if ctx ends first,
// and ErrStopped if the actor is stopped; f then never runs. A panic in f is
// reported by Stop; the actor goes on with the next message.
func (a *Actor[S]) Do(ctx context.Context, f func(*S)) error {
	if f == nil {
		return errors.New("actor: function must not be nil")
	}
	if ctx != nil && a.flags.Load() == 0 && ctx.Err() == nil {
		// The common case, with the checks of send in the same order.
		select {
		case a.ch <- msg[S]{do: f}:
			if a.flags.Load() != 0 {
				return a.sent(msg[S]{do: f})
			}
			return nil
		default:
		}
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
	if a.flags.Load()&stopBit != 0 {
		return ErrStopped
	}
	select {
	case a.ch <- m:
	default:
		if err := a.sendSlow(ctx, m); err != nil {
			return err
		}
	}
	if a.flags.Load() != 0 {
		return a.sent(m)
	}
	return nil
}

// sendSlow sends m into a full mailbox (or one of 0 whose goroutine is not
// waiting), until there is room, ctx ends or the actor stops.
func (a *Actor[S]) sendSlow(ctx context.Context, m msg[S]) error {
	if cap(a.ch) == 0 {
		// Nothing is queued, so no sender will start a goroutine for us:
		// count ourselves in waiting, which a retiring goroutine reads,
		// then make sure one lives.
		a.waiting.Add(1)
		defer a.waiting.Add(-1)
		if a.flags.Load()&goneBit != 0 {
			a.mu.Lock()
			if a.flags.Load()&goneBit != 0 && !a.closed {
				a.start()
			}
			a.mu.Unlock()
		}
	}
	done := ctx.Done()
	if done == nil {
		select {
		case a.ch <- m:
			return nil
		case <-a.stopCh:
			return ErrStopped
		}
	}
	select {
	case a.ch <- m:
		return nil
	case <-a.stopCh:
		return ErrStopped
	case <-done:
		return fmt.Errorf("actor: not sent: %w", ctx.Err())
	}
}

// sent is the rest of a send that found flags set after it sent m: it
// starts a goroutine if none lives, and follows the stop protocol above if
// Stop has begun.
func (a *Actor[S]) sent(m msg[S]) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	f := a.flags.Load()
	if f&stopBit == 0 {
		if f&goneBit != 0 {
			a.start()
		}
		return nil
	}
	if !a.closed {
		return nil // the goroutine's last receive is still to come
	}
	for {
		select {
		case x := <-a.ch:
			if x.do != nil || x.req != nil {
				a.leftover = append(a.leftover, x)
			}
			continue
		default:
		}
		break
	}
	for i, x := range a.leftover {
		if same(x, m) {
			a.leftover = append(a.leftover[:i], a.leftover[i+1:]...)
			return ErrStopped
		}
	}
	return nil
}

// same reports whether x and y are the same message: the same request, or
// the same function value.
func same[S any](x, y msg[S]) bool {
	if x.req != nil || y.req != nil {
		return x.req == y.req
	}
	return *(*unsafe.Pointer)(unsafe.Pointer(&x.do)) == *(*unsafe.Pointer)(unsafe.Pointer(&y.do))
}

// start starts a goroutine to serve the mailbox and arms the reaper. Called
// with mu held and goneBit set.
func (a *Actor[S]) start() {
	a.flags.And(^goneBit)
	a.ticking = true
	a.seen = 0 // no wait: a wait's park is odd
	if a.reaper == nil {
		a.reaper = time.AfterFunc(a.idle, a.tick)
	} else {
		a.reaper.Reset(a.idle)
	}
	go a.serve()
}

// tick runs once per idle timeout while a goroutine lives, and sends it a
// marker if it has waited on an empty mailbox since the tick before.
func (a *Actor[S]) tick() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.ticking {
		return
	}
	p := a.park.Load()
	if p&1 != 0 && p == a.seen {
		a.tickPark = p
		select {
		case a.ch <- msg[S]{}:
		default:
		}
	}
	a.seen = p
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
// reported, and loop returns false to be called again. A message that calls
// runtime.Goexit is reported, and a new goroutine goes on with the next.
func (a *Actor[S]) loop() (exit bool) {
	var (
		busy bool       // a message runs
		req  request[S] // the Ask that runs, if any
	)
	defer func() {
		if exit || !busy {
			return
		}
		var err error = weft.ErrGoexit
		v := recover()
		if v != nil {
			err = catch.Panic(v)
		}
		if req != nil {
			req.fail(err)
		} else {
			a.record(err)
		}
		if v == nil {
			go a.serve() // runtime.Goexit: this goroutine ends
		}
	}()
	for {
		var m msg[S]
		select {
		case m = <-a.ch:
		default:
			var ok bool
			if m, ok = a.wait(); !ok {
				return true
			}
		}
		if a.flags.Load()&rejectBit != 0 {
			a.reject(m)
			continue
		}
		if m.do != nil {
			busy = true
			m.do(&a.state)
			busy = false
		} else if m.req != nil {
			busy, req = true, m.req
			m.req.serve(&a.state)
			busy, req = false, nil
		}
		// A marker received behind messages is stale: ignore it.
	}
}

// wait waits on an empty mailbox for the next message. It returns false
// when the goroutine is to exit: it has retired, or the actor has stopped
// and its mailbox is empty.
func (a *Actor[S]) wait() (msg[S], bool) {
	for {
		a.parks++
		p := a.parks<<1 | 1
		a.park.Store(p)
		// Stop sets stopBit and then loads park: one of us sees the other.
		if a.flags.Load()&stopBit != 0 {
			a.park.Store(p &^ 1)
			m, ok := a.finish()
			if !ok || m.do != nil || m.req != nil {
				return m, ok
			}
			continue
		}
		m := <-a.ch
		a.park.Store(p &^ 1)
		if m.do != nil || m.req != nil {
			return m, true
		}
		if a.flags.Load()&stopBit != 0 {
			continue
		}
		m, ok, retired := a.retire(p)
		if retired || m.do != nil || m.req != nil {
			return m, ok
		}
	}
}

// retire ends the goroutine, woken by the reaper's marker in the wait whose
// park is p, unless a message or a sender turns up: see the protocol above.
func (a *Actor[S]) retire(p uint64) (m msg[S], ok, retired bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.tickPark != p {
		return m, true, false // a marker meant for an earlier wait
	}
	a.flags.Or(goneBit)
	if a.flags.Load()&stopBit != 0 || a.waiting.Load() > 0 {
		a.flags.And(^goneBit)
		return m, true, false
	}
	select {
	case m = <-a.ch:
		a.flags.And(^goneBit)
		return m, true, false
	default:
	}
	a.stopTicking()
	return m, false, true
}

// finish ends the goroutine for good once the actor has stopped and its
// mailbox is empty, or returns the message that turned up.
func (a *Actor[S]) finish() (msg[S], bool) {
	a.mu.Lock()
	select {
	case m := <-a.ch:
		a.mu.Unlock()
		return m, true
	default:
	}
	a.closed = true
	a.stopTicking()
	a.mu.Unlock()
	close(a.exited)
	return msg[S]{}, false
}

// reject rejects a message of an actor stopped in Reject mode.
func (a *Actor[S]) reject(m msg[S]) {
	switch {
	case m.req != nil:
		m.req.reject(ErrStopped)
	case m.do != nil:
		a.mu.Lock()
		a.rejected++
		a.mu.Unlock()
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
	if a.flags.Or(bits)&stopBit == 0 {
		close(a.stopCh)
	}
	if mode == Reject {
		for {
			select {
			case m := <-a.ch:
				a.rejectLocked(m)
				continue
			default:
			}
			break
		}
		for _, m := range a.leftover {
			a.rejectLocked(m)
		}
		a.leftover = nil
	}
	closed := a.closed
	if !closed && a.flags.Load()&goneBit != 0 {
		a.start()
	}
	a.mu.Unlock()
	if !closed && a.park.Load()&1 != 0 {
		// The goroutine waits on an empty mailbox, or is about to: wake it
		// up to see stopBit.
		select {
		case a.ch <- msg[S]{}:
		case <-a.exited:
		case <-ctx.Done():
		}
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

// rejectLocked is reject with mu held.
func (a *Actor[S]) rejectLocked(m msg[S]) {
	switch {
	case m.req != nil:
		m.req.reject(ErrStopped)
	case m.do != nil:
		a.rejected++
	}
}

// ask is the message behind Ask. Its sender puts it back in the actor's
// pool once it has its reply, so an Ask allocates nothing in the steady
// state.
type ask[S, R any] struct {
	f           func(*S) R
	cancellable bool         // its sender may give up: serve must claim it
	state       atomic.Int32 // askWaiting, then askTaken or askAbandoned
	val         R
	err         error
	done        chan struct{} // capacity 1: one token per reply
}

const (
	askWaiting int32 = iota
	askTaken
	askAbandoned
)

func (q *ask[S, R]) serve(s *S) {
	if q.cancellable && !q.state.CompareAndSwap(askWaiting, askTaken) {
		return // the caller gave up before f started
	}
	q.val = q.f(s)
	q.done <- struct{}{}
}

func (q *ask[S, R]) fail(err error) {
	q.err = err
	q.done <- struct{}{}
}

func (q *ask[S, R]) reject(err error) {
	if q.cancellable && !q.state.CompareAndSwap(askWaiting, askTaken) {
		return
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
	done := ctx.Done()
	if q.cancellable = done != nil; q.cancellable {
		q.state.Store(askWaiting)
	}
	if err := a.send(ctx, msg[S]{req: q}); err != nil {
		q.f = nil // not in the mailbox: no one else holds q
		a.asks.Put(q)
		return zero, err
	}
	if done == nil {
		<-q.done // ctx never ends: a plain receive costs less than a select
	} else {
		select {
		case <-q.done:
		case <-done:
			if q.state.CompareAndSwap(askWaiting, askAbandoned) {
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
