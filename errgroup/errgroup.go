package errgroup

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/weft-dev/weft"
	"github.com/weft-dev/weft/internal/engine"
)

// idleTimeout is how long a worker waits for another task before it exits,
// for a group whose Wait is not called; Wait ends every worker at once.
const idleTimeout = time.Second

var errNilFunc = errors.New("errgroup: Go or TryGo called with a nil function")

// A Group is a collection of goroutines working on subtasks of one overall
// task, as in golang.org/x/sync/errgroup.
//
// The zero Group is ready to use: it has no limit on active goroutines and
// cancels nothing on error. A Group is safe for concurrent use by multiple
// goroutines and must not be copied after first use.
type Group struct {
	cancel context.CancelCauseFunc // set by WithContext; nil for a zero Group

	// limited is the engine while a limit >= 1 is in force: Go and TryGo
	// read it without a lock. zero is true while the limit is 0.
	limited atomic.Pointer[engine.Engine[func() error]]
	zero    atomic.Bool

	// Without a limit, each task runs on a goroutine that runs nothing
	// else until it returns (see unlimited).
	free unlimited

	mu     sync.Mutex
	eng    *engine.Engine[func() error] // the workers, once a limit was set
	reopen chan struct{}                // closed when the limit leaves 0
	err    error                        // the first error, kept until the end
}

// WithContext returns a new Group and a Context derived from ctx. The
// Context is cancelled the first time a function given to Go or TryGo
// returns a non-nil error, with that error as its cause (see
// context.Cause), or else the first time Wait returns, with cause
// context.Canceled.
func WithContext(ctx context.Context) (*Group, context.Context) {
	ctx, cancel := context.WithCancelCause(ctx)
	return &Group{cancel: cancel}, ctx
}

// Go calls f in the group. Without a limit, Go never blocks, and f runs
// on a goroutine that runs nothing else until f returns, whatever the
// group's other functions do: a new one, or one whose earlier function of
// the group has returned. With a limit (see SetLimit), Go blocks until f
// can start without more than limit functions of the group being active,
// and f runs on one of the group's reused worker goroutines.
//
// The first function to return a non-nil error cancels the group's Context,
// if it has one; Wait returns that error. A Go that follows a Wait starts
// the group again: the next Wait waits for it. A nil f panics in the caller.
func (g *Group) Go(f func() error) {
	if f == nil {
		panic(errNilFunc)
	}
	if e := g.limited.Load(); e != nil {
		g.push(e, f)
		return
	}
	if !g.zero.Load() {
		g.free.start(g, f)
		return
	}
	g.goHeld(f)
}

// push hands f to the workers, waiting for room.
func (g *Group) push(e *engine.Engine[func() error], f func() error) {
	// With a context that never ends and an engine that is never
	// stopped, a blocking Push cannot fail.
	if err := e.Push(context.Background(), f, true); err != nil {
		panic(fmt.Errorf("errgroup: task refused by the workers: %w", err))
	}
}

// goHeld is Go while the limit is 0: it waits for SetLimit to change the
// limit, then starts f under the new one.
func (g *Group) goHeld(f func() error) {
	g.awaitLimit()
	g.Go(f)
}

// TryGo calls f in the group only if that needs no waiting: without a
// limit, always; with one, if fewer than limit functions of the group are
// active. It reports whether f was started, and never blocks. A nil f
// panics in the caller.
func (g *Group) TryGo(f func() error) bool {
	if f == nil {
		panic(errNilFunc)
	}
	if e := g.limited.Load(); e != nil {
		return e.Push(context.Background(), f, false) == nil
	}
	if g.zero.Load() {
		return false
	}
	g.free.start(g, f)
	return true
}

// SetLimit sets the most functions of the group that may be active at once
// to n. A negative n removes the limit. With n == 0, TryGo always returns
// false and Go blocks until a later SetLimit allows it to start.
//
// The limit must not change while functions of the group are active:
// SetLimit(n) with n >= 0 then panics with an error that counts them.
// Removing the limit (n < 0) is allowed at any time; it lets later calls
// to Go start at once.
func (g *Group) SetLimit(n int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if n < 0 {
		g.limited.Store(nil)
		g.setZero(false)
		return
	}
	if active := g.active(); active != 0 {
		panic(fmt.Errorf("errgroup: SetLimit(%d) while %d goroutines of the group are active", n, active))
	}
	if n == 0 {
		g.limited.Store(nil)
		g.setZero(true)
		return
	}
	if g.eng == nil {
		g.eng = engine.New(engine.Config[func() error]{
			Workers:     n,
			Queue:       0, // Go blocks at the limit, as errgroup's does
			IdleTimeout: idleTimeout,
			Run:         g.runOnWorker,
		})
	} else {
		g.eng.Resize(n)
	}
	g.limited.Store(g.eng)
	g.setZero(false)
}

// Wait blocks until every function given to Go or TryGo has returned and
// every worker goroutine of the group has exited, then cancels the group's
// Context, if it has one, and returns the first non-nil error a function
// returned (the same error value), or nil. The return of each function is
// synchronized before the return of Wait.
//
// Once a function has failed, every later Wait returns its error, even
// after the group is reused. Wait must not be called from a function of the
// same group.
func (g *Group) Wait() error {
	g.mu.Lock()
	e := g.eng
	g.mu.Unlock()
	if e != nil {
		// Tasks on workers may start tasks without a limit
		// (after SetLimit(-1)); the reverse cannot happen, since the
		// limit cannot be set while a task is active. So the workers
		// are waited for first.
		_ = e.WaitQuiet(context.Background())
	}
	g.free.alive.wait()
	if e != nil {
		// No worker outlives Wait; the engine starts workers again
		// for a later Go.
		_ = e.Retire(context.Background(), true)
	}
	g.mu.Lock()
	err := g.err
	g.mu.Unlock()
	if g.cancel != nil {
		g.cancel(err)
	}
	return err
}

// runOnWorker runs one task on a worker of the engine. On runtime.Goexit the
// engine replaces the worker and counts the task once this returns.
func (g *Group) runOnWorker(f func() error) {
	returned := false
	defer func() {
		if !returned {
			if v := recover(); v != nil {
				panic(v) // crash at once, as above
			}
			g.fail(weft.ErrGoexit)
		}
	}()
	err := f()
	returned = true
	if err != nil {
		g.fail(err)
	}
}

// fail records err if it is the group's first, and then cancels the
// group's Context with it.
func (g *Group) fail(err error) {
	g.mu.Lock()
	first := g.err == nil
	if first {
		g.err = err
	}
	g.mu.Unlock()
	if first && g.cancel != nil {
		g.cancel(err)
	}
}

// active counts the functions accepted and not yet returned. Called with
// g.mu held.
func (g *Group) active() int {
	n := g.free.active()
	if g.eng != nil {
		s := g.eng.Stats()
		n += s.Running + s.Queued
	}
	return n
}

// setZero records whether the limit is 0, and releases the calls to Go
// waiting for it to change. Called with g.mu held.
func (g *Group) setZero(zero bool) {
	g.zero.Store(zero)
	if !zero && g.reopen != nil {
		close(g.reopen)
		g.reopen = nil
	}
}

// awaitLimit waits while the limit is 0.
func (g *Group) awaitLimit() {
	g.mu.Lock()
	if !g.zero.Load() {
		g.mu.Unlock()
		return
	}
	if g.reopen == nil {
		g.reopen = make(chan struct{})
	}
	ch := g.reopen
	g.mu.Unlock()
	<-ch
}
