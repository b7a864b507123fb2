// Package engine is the worker machinery shared by pool, group and actor: a
// bounded FIFO queue in front of a bounded, elastic set of worker goroutines.
//
// Workers start on demand, reuse themselves for task after task, and exit
// after between one and two idle timeouts without work, so an idle engine
// owns no goroutine once that time has passed.
//
// Tasks travel through a ring with no lock (lfRing): a submitter reserves
// room with one atomic add on the count of tasks admitted and not finished,
// claims a cell at the ring's tail with one compare-and-swap and publishes
// the task in it; a worker claims the cell at the head the same way. The
// lock is taken only off the hot path: to wake or start a worker, to park
// one, for submitters that wait for room, and for tasks beyond the ring's
// cells (maxRing), which wait in an overflow queue.
//
// A parked worker is woken only when tasks are queued and no awake worker is
// looking for one (the searching count, an atomic word): a submitter looks
// at it after publishing its task, and a worker that is about to park takes
// itself out of it and then looks at the queue once more, so that one of the
// two always sees the other. With cheap tasks one or two workers keep up and
// the rest stay parked, which saves the goroutine hand-off that a
// channel-based pool pays for most tasks.
package engine

import (
	"context"
	"errors"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// ErrFull is returned by a non-blocking Push when there is no room.
var ErrFull = errors.New("engine: queue full")

// Config describes an engine. Run and Workers are required.
type Config[T any] struct {
	// Workers is the most worker goroutines that run at once (>= 1).
	Workers int
	// Queue is how many tasks may wait beyond those that a free worker is
	// about to start (>= 0).
	Queue int
	// IdleTimeout: a worker exits after between one and two idle
	// timeouts without a task.
	IdleTimeout time.Duration
	// Run runs one task. It must not panic: callers recover inside it.
	Run func(T)
	// Goexit, if not nil, is called with the task whose Run called
	// runtime.Goexit, before that task is counted as completed.
	Goexit func(T)
}

// Stats is a snapshot of an engine's counters.
type Stats struct {
	Workers   int // the worker limit
	Live      int // worker goroutines alive
	Running   int // tasks running
	Queued    int // tasks waiting for a worker
	Submitted uint64
	Completed uint64
	Rejected  uint64
	Dropped   uint64
}

// Engine is a bounded queue served by a bounded set of workers. It is safe for
// concurrent use by multiple goroutines.
type Engine[T any] struct {
	run         func(T)
	goexit      func(T)
	idleTimeout time.Duration
	queueCap    int
	roomMark    int64 // free room at which blocked submitters are woken

	// The lock-free state. Fields written on every task have cache lines
	// of their own.
	_ pad
	// state holds two counts in one word, so that a submitter reserves
	// room and a worker ends a task with one atomic add each. Its low
	// searchShift bits count the pending tasks: admitted and neither
	// finished nor dropped (queued, running, or reserved by a Push that is
	// publishing its task or about to give the reservation back). The
	// bits above count the searching workers: awake and not running a
	// task.
	state atomic.Int64
	_     pad
	// completed counts the finished tasks. A worker adds its own count
	// to it once per run of tasks taken one after another (see work), so
	// it is exact whenever no task is pending.
	completed atomic.Uint64
	_         pad
	limit     atomic.Int64 // most pending tasks: Queue + Workers
	spare     atomic.Int64 // parked workers plus workers not started
	over      atomic.Int64 // live workers beyond the limit
	spill     atomic.Int64 // tasks in the overflow queue
	nblocked  atomic.Int64 // submitters in blocked
	wantQuiet atomic.Bool  // a WaitQuiet waits
	stopped   atomic.Bool  // stopErr is set
	closing   atomic.Bool  // workers exit once the queue is empty
	rejected  atomic.Uint64
	fast      atomic.Pointer[lfRing[T]] // made by the first Push
	_         pad

	mu      sync.Mutex
	q       ring[T] // the overflow queue: tasks that found the ring full
	max     int
	live    int
	idle    []*worker[T] // parked workers, most recently parked last
	blocked []*waiter    // submitters waiting for room, oldest first
	// waiters holds waiters to reuse. It is per engine rather than a
	// sync.Pool so that a channel never crosses synctest bubbles.
	waiters []*waiter
	stopErr error // when set, Push fails with it
	quiet   chan struct{}
	exited  chan struct{}
	reaper  *time.Timer // retires idle workers; see reap
	reaping bool        // reaper armed
	waiting int         // submitters inside admit's wait
	dropped uint64
}

type worker[T any] struct {
	wake chan struct{} // capacity 1; a token means "look at the queue"
	// The fields below are guarded by the engine's mu.
	parks  uint64 // times the worker parked
	seen   uint64 // parks at the reaper's last tick
	retire bool   // set by the reaper: exit when woken
	// started is set by the worker's goroutine before it first takes
	// the lock: until then the worker has only been counted in live.
	started bool
}

type waiter struct {
	ch chan struct{} // capacity 1; a token means "there may be room"
}

const (
	searchShift = 40
	searchOne   = 1 << searchShift // one searching worker in Engine.state
	pendingMask = searchOne - 1
)

func pendingOf(s int64) int64   { return s & pendingMask }
func searchingOf(s int64) int64 { return s >> searchShift }

// New returns an engine with no worker started.
func New[T any](c Config[T]) *Engine[T] {
	e := &Engine[T]{
		run:         c.Run,
		goexit:      c.Goexit,
		idleTimeout: c.IdleTimeout,
		queueCap:    c.Queue,
		roomMark:    int64(max(c.Queue/2, 1)),
		max:         c.Workers,
	}
	e.recount()
	return e
}

// slots is the most tasks the engine admits at once: the queue capacity
// plus one per worker. Called with e.mu held.
func (e *Engine[T]) slots() int {
	if e.max > math.MaxInt64/4-e.queueCap {
		return math.MaxInt64 / 4
	}
	return e.queueCap + e.max
}

// recount refreshes the atomic words derived from live, max and idle.
// Called with e.mu held.
func (e *Engine[T]) recount() {
	e.limit.Store(int64(e.slots()))
	e.over.Store(int64(max(e.live-e.max, 0)))
	e.spare.Store(int64(len(e.idle) + max(e.max-e.live, 0)))
}

// queued counts the tasks waiting for a worker, and the tasks a Push is
// publishing.
func (e *Engine[T]) queued() int {
	n := int(e.spill.Load())
	if r := e.fast.Load(); r != nil {
		n += r.len()
	}
	return n
}

// reserve takes room for one task, if there is some.
func (e *Engine[T]) reserve() bool {
	if pendingOf(e.state.Add(1)) <= e.limit.Load() {
		return true
	}
	e.state.Add(-1)
	return false
}

// Push queues t. When there is no room it fails with ErrFull if block is
// false, and otherwise waits until there is room, ctx ends (it then returns
// ctx.Err()) or the engine is stopped (it then returns the stop error).
func (e *Engine[T]) Push(ctx context.Context, t T, block bool) error {
	if r := e.fast.Load(); r != nil && e.spill.Load() == 0 {
		// The hot path: reserve, check the stop, publish, and wake a
		// worker only if none is looking for a task. Reserving before
		// looking at the stop makes a Push that Stop does not refuse
		// visible in pending to whoever stops, so that Retire waits
		// for its task.
		if e.reserve() {
			if !e.stopped.Load() && r.push(t) {
				if searchingOf(e.state.Load()) == 0 && e.spare.Load() > 0 {
					e.wake()
				}
				return nil
			}
			// Stopped, or the ring is full: give the room back and
			// take the slow path, which also tells anyone the
			// reservation hid room or quiet from.
			e.state.Add(-1)
		}
	}
	return e.pushSlow(ctx, t, block)
}

// pushSlow is Push under the lock.
func (e *Engine[T]) pushSlow(ctx context.Context, t T, block bool) error {
	e.lockYielding()
	r := e.fast.Load()
	if r == nil {
		r = newLFRing[T](ringSize(e.slots()))
		e.fast.Store(r)
	}
	e.checkQuiet()
	e.signalRoom()
	err := e.admit(ctx, block)
	var w *worker[T]
	if err == nil {
		if e.spill.Load() > 0 || !r.push(t) {
			e.q.push(t, e.slots())
			e.spill.Add(1)
		}
		w = e.wakeLater()
	}
	e.mu.Unlock()
	e.signal(w)
	return err
}

// lockYielding takes e.mu on the slow paths that many goroutines may take at
// once. A goroutine that finds the lock held yields instead of queueing on
// the mutex: with many goroutines on few cores, queued waiters would push
// sync.Mutex into its starvation mode, in which every unlock hands the lock
// to a parked goroutine, one context switch per call.
func (e *Engine[T]) lockYielding() {
	for spin := 0; !e.mu.TryLock(); spin++ {
		if spin >= 16 {
			runtime.Gosched()
		}
	}
}

// admit reserves room for one task, or returns the reason there is none. A
// submitter that waits counts in e.waiting meanwhile, so that WaitQuiet does
// not return while a task is on its way in. Called and returns with e.mu
// held.
func (e *Engine[T]) admit(ctx context.Context, block bool) (err error) {
	waited := false
	for {
		if e.stopErr != nil {
			err = e.stopErr
			break
		}
		if e.reserve() {
			break
		}
		if !block {
			err = ErrFull
			break
		}
		if !waited {
			waited = true
			e.waiting++
		}
		w := e.enlist()
		// A worker that finished a task before seeing the submitter
		// enlisted left room that this second look finds.
		if e.reserve() {
			e.unblock(w)
			e.waiters = append(e.waiters, w)
			break
		}
		if err = e.await(ctx, w); err != nil {
			break
		}
	}
	if err != nil {
		e.rejected.Add(1)
	}
	if waited {
		e.waiting--
		e.checkQuiet()
	}
	return err
}

// enlist adds a waiter for the caller to blocked. Called with e.mu held.
func (e *Engine[T]) enlist() *waiter {
	var w *waiter
	if n := len(e.waiters); n > 0 {
		w = e.waiters[n-1]
		e.waiters = e.waiters[:n-1]
	} else {
		w = &waiter{ch: make(chan struct{}, 1)}
	}
	e.blocked = append(e.blocked, w)
	e.nblocked.Add(1)
	return w
}

// await parks the caller until a worker signals room or ctx ends. Called and
// returns with e.mu held.
func (e *Engine[T]) await(ctx context.Context, w *waiter) error {
	e.mu.Unlock()
	select {
	case <-w.ch:
		e.mu.Lock()
		e.waiters = append(e.waiters, w)
		return nil
	case <-ctx.Done():
	}
	e.mu.Lock()
	if !e.unblock(w) {
		// A token was sent while ctx ended: consume it and hand the
		// wake-up to the next submitter so that it is not lost.
		<-w.ch
		e.wakeBlocked(1)
	}
	e.waiters = append(e.waiters, w)
	return ctx.Err()
}

func (e *Engine[T]) unblock(w *waiter) bool {
	for i, b := range e.blocked {
		if b == w {
			e.blocked = append(e.blocked[:i], e.blocked[i+1:]...)
			e.nblocked.Add(-1)
			return true
		}
	}
	return false
}

// wakeBlocked wakes up to n blocked submitters, oldest first.
func (e *Engine[T]) wakeBlocked(n int) {
	n = min(n, len(e.blocked))
	for _, w := range e.blocked[:n] {
		w.ch <- struct{}{}
	}
	rest := copy(e.blocked, e.blocked[n:])
	clear(e.blocked[rest:])
	e.blocked = e.blocked[:rest]
	e.nblocked.Add(int64(-n))
}

// signalRoom wakes blocked submitters once at least half the queue is free,
// or the queue is empty, so that a blocked submitter pushes a batch per
// wake-up instead of one task. Called with e.mu held.
func (e *Engine[T]) signalRoom() {
	if len(e.blocked) == 0 {
		return
	}
	room := e.limit.Load() - pendingOf(e.state.Load())
	if room > 0 && (room >= e.roomMark || e.queued() == 0) {
		e.wakeBlocked(int(min(room, int64(len(e.blocked)))))
	}
}

// wake makes sure that a worker will look at the queue. Called without e.mu
// held.
func (e *Engine[T]) wake() {
	e.mu.Lock()
	w := e.wakeLater()
	e.mu.Unlock()
	e.signal(w)
}

// wakeLater decides whether a worker must be woken: when tasks are queued
// and no awake worker is looking for one, it takes the most recently parked
// worker, or a new worker to start, counts it as searching, and returns it
// for the caller to pass to signal once it has unlocked e.mu, so that the
// woken worker does not find the lock still held. A worker that takes a task
// and leaves no other searching wakes the next one the same way, so a burst
// wakes workers one after another while work remains, and cheap tasks keep
// only as many workers awake as they need. Called with e.mu held.
func (e *Engine[T]) wakeLater() *worker[T] {
	if searchingOf(e.state.Load()) != 0 || e.queued() == 0 {
		return nil
	}
	if w := e.popIdle(); w != nil {
		return w
	}
	if e.live < e.max {
		e.live++
		e.state.Add(searchOne)
		e.recount()
		return &worker[T]{wake: make(chan struct{}, 1)}
	}
	return nil
}

// popIdle takes the most recently parked worker off idle and counts it as
// searching; the caller sends it a token. Called with e.mu held.
func (e *Engine[T]) popIdle() *worker[T] {
	n := len(e.idle)
	if n == 0 {
		return nil
	}
	w := e.idle[n-1]
	e.idle[n-1] = nil
	e.idle = e.idle[:n-1]
	e.state.Add(searchOne)
	e.recount()
	return w
}

// signal wakes or starts the worker that wakeLater returned, if any.
// Called without e.mu held.
func (e *Engine[T]) signal(w *worker[T]) {
	switch {
	case w == nil:
	case w.started:
		w.wake <- struct{}{}
	default:
		go e.work(w)
	}
}

// startWorker wakes the most recently parked worker, or starts a new one if
// the limit allows, and reports whether it did. Called with e.mu held.
func (e *Engine[T]) startWorker() bool {
	if w := e.popIdle(); w != nil {
		w.wake <- struct{}{}
		return true
	}
	if e.live < e.max {
		e.live++
		e.state.Add(searchOne)
		e.recount()
		go e.work(&worker[T]{wake: make(chan struct{}, 1)})
		return true
	}
	return false
}

// finished tells, after a task ended and left n pending, the WaitQuiet and
// the blocked submitters that wait for it, if any. Called without e.mu held.
func (e *Engine[T]) finished(n int64) {
	quiet := n == 0 && e.wantQuiet.Load()
	room := e.nblocked.Load() != 0 &&
		(e.limit.Load()-n >= e.roomMark || e.queued() == 0)
	if quiet || room {
		e.mu.Lock()
		e.checkQuiet()
		e.signalRoom()
		e.mu.Unlock()
	}
}

func (e *Engine[T]) checkQuiet() {
	if e.quiet != nil && e.isQuiet() {
		close(e.quiet)
		e.quiet = nil
		e.wantQuiet.Store(false)
	}
}

// isQuiet reports whether no task is queued or running and no submitter is
// waiting for room. Called with e.mu held.
func (e *Engine[T]) isQuiet() bool {
	return pendingOf(e.state.Load()) == 0 && e.waiting == 0
}

// exit records that a worker goroutine ends. Called with e.mu held.
func (e *Engine[T]) exit() {
	e.live--
	e.recount()
	if e.live == 0 {
		if e.reaping {
			e.reaper.Stop()
			e.reaping = false
		}
		if e.exited != nil {
			close(e.exited)
			e.exited = nil
		}
	}
}

// armReaper makes sure the reaper will tick. Called with e.mu held.
func (e *Engine[T]) armReaper() {
	if e.reaping {
		return
	}
	e.reaping = true
	if e.reaper == nil {
		e.reaper = time.AfterFunc(e.idleTimeout, e.reap)
	} else {
		e.reaper.Reset(e.idleTimeout)
	}
}

// reap runs once per idle timeout while workers live, in the goroutine of a
// time.AfterFunc timer, and retires every worker found parked in the same
// park as at the tick before. A worker therefore exits after between one and
// two idle timeouts without work. Parking itself touches no timer: one
// engine-wide tick replaces a timer update per worker per park, which would
// cost more than the rest of a cheap task.
func (e *Engine[T]) reap() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.reaping {
		return // stopped after this tick fired
	}
	kept := e.idle[:0]
	for _, w := range e.idle {
		if w.seen == w.parks {
			w.retire = true
			w.wake <- struct{}{}
			continue
		}
		w.seen = w.parks
		kept = append(kept, w)
	}
	clear(e.idle[len(kept):])
	e.idle = kept
	e.recount()
	e.reaping = false
	if len(kept) > 0 || e.live > len(kept) {
		e.armReaper()
	}
}

func (e *Engine[T]) work(w *worker[T]) {
	var (
		cur    T
		inTask bool
		done   uint64 // tasks run and not yet added to e.completed
	)
	defer func() {
		if !inTask {
			return
		}
		// Run called runtime.Goexit: this goroutine is ending and nothing
		// can stop it. Report the task, account for it, and replace the
		// worker if the queue needs one.
		if e.goexit != nil {
			e.goexit(cur)
		}
		e.completed.Add(done + 1)
		e.state.Add(-1)
		e.mu.Lock()
		e.exit()
		e.checkQuiet()
		e.signalRoom()
		next := e.wakeLater()
		e.mu.Unlock()
		e.signal(next)
	}()

	w.started = true
	r := e.fast.Load() // set before the first worker starts
	for {
		t, ok := e.take(r)
		if !ok {
			if e.spin(r) {
				continue
			}
			if e.park(w) {
				return
			}
			continue
		}
		s := e.state.Add(-searchOne)
		if searchingOf(s) == 0 && e.queued() > 0 && e.spare.Load() > 0 {
			e.wake()
		}
		// Run tasks one after another while the queue has some: ending
		// one and taking the next costs one atomic add on state, and
		// the worker stays out of the searching count meanwhile.
		for {
			cur, inTask = t, true
			e.run(t)
			var zero T
			cur, inTask = zero, false
			done++
			t, ok = e.take(r)
			var s int64
			if ok && done < flushEvery {
				s = e.state.Add(-1)
			} else {
				e.completed.Add(done)
				done = 0
				if ok {
					s = e.state.Add(-1)
				} else {
					s = e.state.Add(searchOne - 1)
				}
			}
			if e.nblocked.Load() != 0 || pendingOf(s) == 0 && e.wantQuiet.Load() {
				e.finished(pendingOf(s))
			}
			if !ok {
				break
			}
		}
		if e.over.Load() > 0 && e.retireSurplus() {
			return
		}
	}
}

// flushEvery is the most tasks a worker runs one after another before it
// adds them to the completed count.
const flushEvery = 64

// take pops the oldest task, moving tasks from the overflow queue into the
// ring when there are some.
func (e *Engine[T]) take(r *lfRing[T]) (T, bool) {
	t, ok := r.pop()
	if e.spill.Load() > 0 {
		if !ok {
			return e.refill(r)
		}
		e.refill(nil)
	}
	return t, ok
}

// spinFor is how many times a worker that found the queue empty looks at it
// again before it parks.
const spinFor = 64

// spin looks at the queue a few times, without yielding, and reports
// whether a task arrived: a submitter pushing tasks one after another then
// finds the worker still searching and wakes no other, and the worker does
// not pay for a park and a wake-up.
func (e *Engine[T]) spin(r *lfRing[T]) bool {
	for range spinFor {
		if r.len() > 0 || e.spill.Load() > 0 {
			return true
		}
	}
	return false
}

// refill moves tasks from the overflow queue into the ring while it has
// free cells and, if r is not nil, pops the oldest task for the caller.
func (e *Engine[T]) refill(r *lfRing[T]) (t T, ok bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	f := e.fast.Load()
	for e.q.len() > 0 && f.push(e.q.peek()) {
		e.q.pop()
		e.spill.Add(-1)
	}
	if r != nil {
		t, ok = r.pop()
	}
	return t, ok
}

// park puts the worker to sleep until a task needs it, and reports whether
// it must exit instead. The worker is searching when park is called, and
// again when park returns false.
func (e *Engine[T]) park(w *worker[T]) bool {
	e.mu.Lock()
	// Count the worker as parked before it stops searching and looks at
	// the queue once more: a submitter that publishes a task meanwhile
	// then finds a worker to wake (see Push).
	e.idle = append(e.idle, w)
	e.recount()
	e.state.Add(-searchOne)
	if e.queued() > 0 {
		// A task is queued, or a submitter is publishing one: look
		// again rather than park.
		e.unpark()
		e.state.Add(searchOne)
		e.mu.Unlock()
		runtime.Gosched()
		return false
	}
	if e.closing.Load() || e.live > e.max {
		e.unpark()
		e.exit()
		e.mu.Unlock()
		return true
	}
	w.parks++
	e.armReaper()
	e.mu.Unlock()
	<-w.wake
	if w.retire { // the reaper took w off idle
		e.mu.Lock()
		e.exit()
		e.mu.Unlock()
		return true
	}
	return false
}

// unpark takes back the worker that park has just put last on idle.
// Called with e.mu held.
func (e *Engine[T]) unpark() {
	e.idle[len(e.idle)-1] = nil
	e.idle = e.idle[:len(e.idle)-1]
	e.recount()
}

// retireSurplus ends a searching worker while more workers live than the
// limit allows, and reports whether it did.
func (e *Engine[T]) retireSurplus() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.live <= e.max {
		return false
	}
	e.state.Add(-searchOne)
	e.exit()
	// A task queued meanwhile may have counted on this worker.
	if next := e.wakeLater(); next != nil {
		// Only a parked worker can be returned: live > max.
		next.wake <- struct{}{}
	}
	return true
}

// wakeAllIdle wakes every parked worker. Called with e.mu held.
func (e *Engine[T]) wakeAllIdle() {
	for w := e.popIdle(); w != nil; w = e.popIdle() {
		w.wake <- struct{}{}
	}
}

// Stop makes every later Push, and every Push blocked now, fail with err.
// Queued and running tasks are not affected. Only the first Stop counts.
func (e *Engine[T]) Stop(err error) {
	e.mu.Lock()
	if e.stopErr == nil {
		e.stopErr = err
		e.stopped.Store(true)
		e.wakeBlocked(len(e.blocked))
	}
	e.mu.Unlock()
}

// Drop removes every queued task and passes them, in FIFO order, to report,
// which runs with the engine locked (it must not call the engine) and before
// WaitQuiet can return. Dropped tasks count as dropped, not completed.
func (e *Engine[T]) Drop(report func([]T)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	var ts []T
	if r := e.fast.Load(); r != nil {
		for {
			t, ok := r.pop()
			if !ok {
				break
			}
			ts = append(ts, t)
		}
	}
	if n := e.q.len(); n > 0 {
		ts = append(ts, e.q.popAll()...)
		e.spill.Add(int64(-n))
	}
	if len(ts) == 0 {
		return
	}
	e.dropped += uint64(len(ts))
	e.state.Add(int64(-len(ts)))
	if report != nil {
		report(ts)
	}
	e.checkQuiet()
	e.signalRoom()
}

// WaitQuiet waits until no task is queued or running and no Push is waiting
// for room, or until ctx ends.
func (e *Engine[T]) WaitQuiet(ctx context.Context) error {
	e.mu.Lock()
	if e.quiet == nil {
		e.wantQuiet.Store(true) // before looking: see finished
		if e.isQuiet() {
			e.wantQuiet.Store(false)
			e.mu.Unlock()
			return nil
		}
		e.quiet = make(chan struct{})
	}
	ch := e.quiet
	e.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Retire makes the workers finish the queue and exit, and waits until every
// worker goroutine has exited or ctx ends. With reopen, the engine starts
// workers again for tasks pushed afterwards; without, a worker started by a
// later Push exits as soon as the queue is empty.
func (e *Engine[T]) Retire(ctx context.Context, reopen bool) error {
	e.mu.Lock()
	e.closing.Store(true)
	e.wakeAllIdle()
	var err error
	for {
		if e.live > 0 {
			if e.exited == nil {
				e.exited = make(chan struct{})
			}
			ch := e.exited
			e.mu.Unlock()
			select {
			case <-ch:
			case <-ctx.Done():
				err = ctx.Err()
			}
			e.mu.Lock()
			if err != nil {
				break
			}
			continue
		}
		if pendingOf(e.state.Load()) == 0 {
			break
		}
		// A Push has reserved room: it either publishes its task and
		// starts a worker for it, or gives the room back.
		e.mu.Unlock()
		runtime.Gosched()
		e.mu.Lock()
	}
	if reopen {
		e.closing.Store(false)
	}
	e.mu.Unlock()
	return err
}

// Resize sets the worker limit to n (>= 1). Surplus workers exit after their
// current task; new workers start at once for queued tasks.
func (e *Engine[T]) Resize(n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.max = n
	e.recount()
	// Wake surplus parked workers: they see live > max and exit.
	for surplus := e.live - e.max; surplus > 0; surplus-- {
		w := e.popIdle()
		if w == nil {
			break
		}
		w.wake <- struct{}{}
	}
	for int64(e.queued()) > searchingOf(e.state.Load()) && e.startWorker() {
	}
	e.signalRoom()
}

// Stats returns a snapshot of the engine's counters.
func (e *Engine[T]) Stats() Stats {
	e.mu.Lock()
	defer e.mu.Unlock()
	pending := pendingOf(e.state.Load())
	completed := e.completed.Load()
	queued := min(int64(e.queued()), pending)
	return Stats{
		Workers:   e.max,
		Live:      e.live,
		Running:   int(pending - queued),
		Queued:    int(queued),
		Submitted: completed + e.dropped + uint64(pending),
		Completed: completed,
		Rejected:  e.rejected.Load(),
		Dropped:   e.dropped,
	}
}
