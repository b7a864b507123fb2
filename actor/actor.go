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
	"github.com/weft-dev/weft/internal/engine"
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

// MaxMailbox is the largest mailbox WithMailbox accepts. The mailbox's ring
// is allocated when the actor is made, a cell per message it can hold.
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
	e     *engine.Mailbox[msg[S]]
	state S

	mu       sync.Mutex
	errs     []error // panics of Do messages, reported by Stop
	rejected int     // Do messages rejected by Stop
}

type msg[S any] struct {
	do  func(*S) // a Do message, or
	req request[S]
}

// request is a message whose sender waits for its outcome.
type request[S any] interface {
	serve(*S)
	reject(error)
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
	a := &Actor[S]{state: initial}
	a.e = engine.NewMailbox(engine.MailboxConfig[msg[S]]{
		// The message running holds its cell until it returns, so a
		// mailbox of n has n+1 cells: with 0, a message is accepted
		// only when the actor is free to run it.
		Cap:         c.mailbox + 1,
		IdleTimeout: c.idle,
		Run:         a.run,
		Goexit:      a.goexit,
	})
	return a, nil
}

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
	err := a.e.Push(ctx, m)
	if err != nil && err == ctx.Err() {
		return fmt.Errorf("actor: not sent: %w", err)
	}
	return err
}

// Stop stops the actor: later messages fail with ErrStopped, the mailbox is
// drained or rejected as mode says, and Stop waits until the actor's
// goroutine has exited or ctx ends. It returns the panics of Do messages not
// yet reported, and an error wrapping ErrStopped that counts the Do messages
// it rejected. If ctx ends first, Stop returns an error wrapping ctx.Err()
// and the actor finishes on its own. Stop must not be called from a message
// of the same actor.
func (a *Actor[S]) Stop(ctx context.Context, mode StopMode) error {
	a.e.Stop(ErrStopped)
	if mode == Reject {
		a.e.Drop(func(ms []msg[S]) {
			n := 0
			for _, m := range ms {
				if m.req != nil {
					m.req.reject(ErrStopped)
				} else {
					n++
				}
			}
			a.mu.Lock()
			a.rejected += n
			a.mu.Unlock()
		})
	}
	if err := a.e.Retire(ctx); err != nil {
		return fmt.Errorf("actor: stop: %w", err)
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

func (a *Actor[S]) run(m msg[S]) {
	if m.req != nil {
		m.req.serve(&a.state)
		return
	}
	if err := catch.Func(func() { m.do(&a.state) }); err != nil {
		a.record(err)
	}
}

func (a *Actor[S]) goexit(m msg[S]) {
	if m.req != nil {
		m.req.reject(weft.ErrGoexit)
		return
	}
	a.record(weft.ErrGoexit)
}

func (a *Actor[S]) record(err error) {
	a.mu.Lock()
	a.errs = append(a.errs, err)
	a.mu.Unlock()
}

// ask is the message behind Ask.
type ask[S, R any] struct {
	f     func(*S) R
	state atomic.Int32 // askWaiting, then askTaken by the actor or askAbandoned by the caller
	val   R
	err   error
	done  chan struct{}
}

const (
	askWaiting int32 = iota
	askTaken
	askAbandoned
)

func (q *ask[S, R]) serve(s *S) {
	if !q.state.CompareAndSwap(askWaiting, askTaken) {
		return // the caller gave up before f started
	}
	q.err = catch.Func(func() { q.val = q.f(s) })
	close(q.done)
}

func (q *ask[S, R]) reject(err error) {
	if q.state.CompareAndSwap(askWaiting, askTaken) {
		q.err = err
		close(q.done)
	} else if q.state.Load() == askTaken {
		// Goexit inside f: serve never closed done.
		q.err = err
		close(q.done)
	}
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
	q := &ask[S, R]{f: f, done: make(chan struct{})}
	if err := a.send(ctx, msg[S]{req: q}); err != nil {
		return zero, err
	}
	if done := ctx.Done(); done == nil {
		<-q.done // ctx never ends: a plain receive costs less than a select
	} else {
		select {
		case <-q.done:
		case <-done:
			if q.state.CompareAndSwap(askWaiting, askAbandoned) {
				return zero, fmt.Errorf("actor: ask abandoned: %w", ctx.Err())
			}
			<-q.done
		}
	}
	if q.err != nil {
		return zero, q.err
	}
	return q.val, nil
}
