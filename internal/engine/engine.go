// Package engine is the worker machinery shared by pool, group and actor: a
// bounded FIFO queue in front of a bounded, elastic set of worker goroutines.
//
// Workers start on demand, reuse themselves for task after task, and exit
// after between one and two idle timeouts without work, so an idle engine
// owns no goroutine once that time has passed. A parked worker is woken only when tasks are queued and no
// awake worker is looking for one; with cheap tasks one or two workers keep
// up and the rest stay parked, which saves the goroutine hand-off that a
// channel-based pool pays for most tasks.
package engine

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/weft-dev/weft/internal/waitq"
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
	// Batch is the most tasks a worker takes from the queue at once (0
	// means 1). A worker that takes several runs them in order and
	// accounts for them with one lock per batch instead of one per task.
	// Tasks still start in FIFO order: a free worker takes the oldest task
	// not started from another worker's batch before it looks at the
	// queue, and Drop removes the tasks of a batch that have not started.
	Batch int
}

// Stats is a snapshot of an engine's counters.
type Stats struct {
	Workers   int // the worker limit
	Live      int // worker goroutines alive
	Running   int // tasks running
	Queued    int // tasks waiting for a worker, in the queue or in a batch
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

	batch int // Config.Batch, at least 1

	// mu sits on a cache line of its own: a goroutine that waits for it
	// reads it in a loop (see lockYielding), which would otherwise take
	// from its holder the line of the fields it is writing.
	_        [64]byte
	mu       sync.Mutex
	_        [64 - 8]byte
	q        ring[T]
	queueCap int
	max      int
	live     int
	running  int          // tasks taken by workers and not finished
	busy     int          // workers holding tasks
	holding  []*worker[T] // workers holding a batch, when batch > 1
	idle     []*worker[T] // parked workers, most recently parked last
	// blocked are the submitters waiting for room, oldest first. It is
	// per engine rather than shared so that a channel never crosses
	// synctest bubbles.
	blocked waitq.Queue
	closing bool  // workers exit once the queue is empty
	stopErr error // when set, Push fails with it
	quiet   chan struct{}
	exited  chan struct{}
	reaper  *time.Timer // retires idle workers; see reap
	reaping bool        // reaper armed

	waiting int // submitters inside admit's wait

	submitted, completed, rejected, dropped uint64
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

	// held are the tasks the worker took at once (when batch > 1); it
	// writes them, and clears them, with mu held. next is the index of the
	// first one not yet started: the worker claims each task by moving
	// next past it, and Drop claims the rest at once, so every held task
	// either runs or is dropped, never both.
	held []T
	n    int // tasks in held
	next atomic.Int32
}

// New returns an engine with no worker started.
func New[T any](c Config[T]) *Engine[T] {
	return &Engine[T]{
		batch:       max(c.Batch, 1),
		run:         c.Run,
		goexit:      c.Goexit,
		idleTimeout: c.IdleTimeout,
		queueCap:    c.Queue,
		max:         c.Workers,
	}
}

// room returns how many more tasks Push would accept now: the free queue
// slots plus the workers that are free to start a queued task at once, less
// the tasks that wait in workers' batches. Called with e.mu held.
func (e *Engine[T]) room() int {
	free := e.max - e.running
	r := e.queueCap - e.q.len()
	if free > 0 && r > int(^uint(0)>>2)-free {
		return int(^uint(0) >> 2)
	}
	return r + free
}

// slots is the most tasks the queue can hold at once: the queue capacity
// plus one per worker. Called with e.mu held.
func (e *Engine[T]) slots() int {
	if e.max > int(^uint(0)>>2)-e.queueCap {
		return int(^uint(0) >> 2)
	}
	return e.queueCap + e.max
}

// Push queues t. When there is no room it fails with ErrFull if block is
// false, and otherwise waits until there is room, ctx ends (it then returns
// ctx.Err()) or the engine is stopped (it then returns the stop error).
func (e *Engine[T]) Push(ctx context.Context, t T, block bool) error {
	e.lockSubmitting()
	err := e.admit(ctx, block)
	var w *worker[T]
	if err == nil {
		e.q.push(t, e.slots())
		e.submitted++
		w = e.wakeLater()
	}
	e.mu.Unlock()
	e.signal(w)
	return err
}

// lockYielding takes e.mu on a worker's paths and for a woken submitter. A
// goroutine that finds the lock held tries again at once 128 times (the lock
// is held for a few dozen nanoseconds, and its holder is most likely running
// on another core), then yields a few times, then queues on the mutex. It
// does not queue at once: with many goroutines on few cores, queued waiters
// push sync.Mutex into its starvation mode, in which every unlock hands the
// lock to a parked goroutine, one context switch per task. It does not yield
// for ever either: when the holder was preempted with the lock held, a
// worker that only yields can spin through thousands of yields before the
// holder runs again, where one that queues gives it the core.
func (e *Engine[T]) lockYielding() {
	for spin := 0; !e.mu.TryLock(); spin++ {
		switch {
		case spin >= lockSpins+lockYields:
			e.mu.Lock()
			return
		case spin >= lockSpins:
			runtime.Gosched()
		}
	}
}

// lockSubmitting takes e.mu for a Push. It tries as lockYielding does, fewer
// times, but never queues on the mutex: with many submitters, those queued on it would
// be woken one per unlock and drive it into its starvation mode, where
// yielding submitters let the lock's holder, and the workers, run.
func (e *Engine[T]) lockSubmitting() {
	for spin := 0; !e.mu.TryLock(); spin++ {
		if spin >= submitSpins {
			runtime.Gosched()
		}
	}
}

// How many times lockYielding tries the lock at once, and then after
// yielding, before it queues on the mutex; and how many times
// lockSubmitting tries it at once before it yields. A submitter yields
// sooner than a worker: with 100 submitters and pool's batches of 16,
// BenchmarkGo measured 0, 8 and 32 tries at 1.11x the channel pool, 128 at 1.14-1.17x and 512 at 1.38x.
const (
	lockSpins   = 128
	lockYields  = 4
	submitSpins = 32
)

// admit returns nil once there is room for one more task, or the reason
// there is none. A submitter that waits counts in e.waiting meanwhile, so
// that WaitQuiet does not return while a task is on its way in. Called and
// returns with e.mu held.
func (e *Engine[T]) admit(ctx context.Context, block bool) (err error) {
	waited := false
	for {
		if e.stopErr != nil {
			err = e.stopErr
			break
		}
		if e.room() > 0 {
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
		if err = e.await(ctx); err != nil {
			break
		}
	}
	if err != nil {
		e.rejected++
	}
	if waited {
		e.waiting--
		e.checkQuiet()
	}
	return err
}

// await parks the caller until a worker signals room or ctx ends. Called and
// returns with e.mu held.
func (e *Engine[T]) await(ctx context.Context) error {
	w := e.blocked.Push(false)
	e.mu.Unlock()
	select {
	case <-w.C:
		e.lockYielding()
		e.blocked.Done(w)
		return nil
	case <-ctx.Done():
	}
	e.mu.Lock()
	if !e.blocked.Leave(w) {
		// A token was sent while ctx ended: consume it and hand the
		// wake-up to the next submitter so that it is not lost.
		<-w.C
		e.blocked.Wake(1)
	}
	e.blocked.Done(w)
	return ctx.Err()
}

// signalRoom wakes blocked submitters once at least half the queue is free,
// so that a blocked submitter pushes a batch per wake-up instead of one task.
func (e *Engine[T]) signalRoom() {
	if e.blocked.Len() == 0 {
		return
	}
	room := e.room()
	if room > 0 && (room >= e.queueCap/2 || e.q.len() == 0) {
		e.blocked.Wake(room)
	}
}

// wakeWorker makes sure that a worker will look at the queue: when tasks are
// queued and no awake worker is looking for one, it wakes the most recently
// parked worker, or starts one. A worker that takes a task calls it again, so
// a burst wakes workers one after another, each woken worker waking the next
// while work remains, and cheap tasks keep only as many workers awake as they
// need. Called with e.mu held.
func (e *Engine[T]) wakeWorker() {
	if e.q.len() > 0 && e.searching() == 0 {
		e.startWorker()
	}
}

// wakeLater decides as wakeWorker does, but leaves the wake-up to the
// caller: it returns the worker to wake, or a new worker to start, which the
// caller passes to signal once it has unlocked e.mu, so that the woken worker
// does not find the lock still held. Called with e.mu held.
func (e *Engine[T]) wakeLater() *worker[T] {
	if e.searching() != 0 || e.q.len() == 0 && e.unclaimed() == 0 {
		return nil
	}
	if n := len(e.idle); n > 0 {
		w := e.idle[n-1]
		e.idle[n-1] = nil
		e.idle = e.idle[:n-1]
		return w
	}
	if e.live < e.max {
		e.live++
		return &worker[T]{wake: make(chan struct{}, 1)}
	}
	return nil
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

// searching counts the awake workers that are not running a task. Called
// with e.mu held.
func (e *Engine[T]) searching() int { return e.live - e.busy - len(e.idle) }

// startWorker wakes the most recently parked worker, or starts a new one if
// the limit allows, and reports whether it did. Called with e.mu held.
func (e *Engine[T]) startWorker() bool {
	if n := len(e.idle); n > 0 {
		w := e.idle[n-1]
		e.idle[n-1] = nil
		e.idle = e.idle[:n-1]
		w.wake <- struct{}{}
		return true
	}
	if e.live < e.max {
		e.live++
		go e.work(&worker[T]{wake: make(chan struct{}, 1)})
		return true
	}
	return false
}

// finished records the end of n tasks. Called with e.mu held.
func (e *Engine[T]) finished(n int) {
	e.running -= n
	e.completed += uint64(n)
	e.checkQuiet()
	e.signalRoom()
}

func (e *Engine[T]) checkQuiet() {
	if e.quiet != nil && e.isQuiet() {
		close(e.quiet)
		e.quiet = nil
	}
}

// isQuiet reports whether no task is queued or running and no submitter is
// waiting for room. Called with e.mu held.
func (e *Engine[T]) isQuiet() bool {
	return e.submitted == e.completed+e.dropped && e.waiting == 0
}

// exit records that a worker goroutine ends. Called with e.mu held.
func (e *Engine[T]) exit() {
	e.live--
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
	e.reaping = false
	if len(kept) > 0 || e.live > len(kept) {
		e.armReaper()
	}
}

func (e *Engine[T]) work(w *worker[T]) {
	var (
		cur    T
		inTask bool
		done   int // tasks of the current batch run to the end
	)
	defer func() {
		if !inTask {
			return
		}
		// Run called runtime.Goexit: this goroutine is ending and nothing
		// can stop it. Report the task, account for it, put the rest of
		// its batch back at the head of the queue, and replace the worker
		// if the queue needs one.
		if e.goexit != nil {
			e.goexit(cur)
		}
		e.mu.Lock()
		if e.batch > 1 {
			if rest := e.claimRest(w); len(rest) > 0 {
				e.running -= len(rest)
				e.q.pushFront(rest, e.slots())
			}
			e.release(w)
		}
		e.busy--
		e.finished(done + 1)
		e.exit()
		e.wakeWorker()
		e.mu.Unlock()
	}()

	w.started = true
	if e.batch > 1 {
		w.held = make([]T, e.batch)
	}
	e.lockYielding()
	for e.live <= e.max {
		t, ok := e.steal()
		if !ok && e.batch > 1 && e.q.len() > 1 {
			n := e.q.popInto(w.held)
			w.n = n
			e.running += n
			e.busy++
			w.next.Store(0)
			e.holding = append(e.holding, w)
			next := e.wakeLater()
			e.mu.Unlock()
			e.signal(next)
			done = 0
			for {
				i := w.next.Load()
				if int(i) >= n {
					break // all claimed: run, stolen or dropped
				}
				if !w.next.CompareAndSwap(i, i+1) {
					continue // another worker stole task i
				}
				cur, inTask = w.held[i], true
				e.run(cur)
				var zero T
				cur, inTask = zero, false
				done++
			}
			e.lockYielding()
			e.release(w)
			e.busy--
			e.finished(done)
			done = 0
			continue
		}
		if !ok {
			if t, ok = e.q.pop(); ok {
				e.running++
			}
		}
		if ok {
			e.busy++
			next := e.wakeLater()
			e.mu.Unlock()
			e.signal(next)
			cur, inTask = t, true
			e.run(t)
			var zero T
			cur, inTask = zero, false
			e.lockYielding()
			e.busy--
			e.finished(1)
			continue
		}
		if e.closing {
			break
		}
		e.idle = append(e.idle, w)
		w.parks++
		e.armReaper()
		e.mu.Unlock()
		<-w.wake
		e.lockYielding()
		if w.retire {
			break
		}
	}
	e.exit()
	e.mu.Unlock()
}

// steal claims the oldest task of a worker's batch that has not started, so
// that a free worker never starts a queued task while an older one waits in
// a batch. Only the batch taken last can hold such tasks: a worker takes a
// batch from the queue only when steal finds nothing. The task already
// counts as running. Called with e.mu held.
func (e *Engine[T]) steal() (t T, ok bool) {
	for _, h := range e.holding {
		for {
			i := h.next.Load()
			if int(i) >= h.n {
				break
			}
			if h.next.CompareAndSwap(i, i+1) {
				return h.held[i], true
			}
		}
	}
	return t, false
}

// unclaimed counts the tasks in workers' batches that have not started.
// Called with e.mu held.
func (e *Engine[T]) unclaimed() int {
	n := 0
	for _, h := range e.holding {
		n += max(h.n-int(h.next.Load()), 0)
	}
	return n
}

// claimRest claims the tasks of w's batch that have not started, so that
// w will not run them, and returns them in order. Called with e.mu held.
func (e *Engine[T]) claimRest(w *worker[T]) []T {
	for {
		i := w.next.Load()
		if int(i) >= w.n {
			return nil
		}
		if w.next.CompareAndSwap(i, int32(w.n)) {
			return w.held[i:w.n]
		}
	}
}

// release forgets w's batch once w has run or given up every task of it.
// Called with e.mu held.
func (e *Engine[T]) release(w *worker[T]) {
	clear(w.held[:w.n])
	w.n = 0
	if i := slices.Index(e.holding, w); i >= 0 {
		// Keep the order in which the batches were taken.
		e.holding = slices.Delete(e.holding, i, i+1)
	}
}

func (e *Engine[T]) removeIdle(w *worker[T]) bool {
	for i, x := range e.idle {
		if x == w {
			copy(e.idle[i:], e.idle[i+1:])
			e.idle[len(e.idle)-1] = nil
			e.idle = e.idle[:len(e.idle)-1]
			return true
		}
	}
	return false
}

// wakeAllIdle wakes every parked worker. Called with e.mu held.
func (e *Engine[T]) wakeAllIdle() {
	for i, w := range e.idle {
		w.wake <- struct{}{}
		e.idle[i] = nil
	}
	e.idle = e.idle[:0]
}

// Stop makes every later Push, and every Push blocked now, fail with err.
// Queued and running tasks are not affected. Only the first Stop counts.
func (e *Engine[T]) Stop(err error) {
	e.mu.Lock()
	if e.stopErr == nil {
		e.stopErr = err
		e.blocked.Wake(e.blocked.Len())
	}
	e.mu.Unlock()
}

// Drop removes every queued task, and every task waiting in a worker's batch,
// and passes them, in FIFO order, to report,
// which runs with the engine locked (it must not call the engine) and before
// WaitQuiet can return. Dropped tasks count as dropped, not completed.
func (e *Engine[T]) Drop(report func([]T)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	var ts []T
	for _, w := range e.holding {
		rest := e.claimRest(w)
		e.running -= len(rest)
		ts = append(ts, rest...)
	}
	if len(ts) == 0 && e.q.len() == 0 {
		return
	}
	ts = append(ts, e.q.popAll()...)
	e.dropped += uint64(len(ts))
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
	if e.isQuiet() {
		e.mu.Unlock()
		return nil
	}
	if e.quiet == nil {
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
	e.closing = true
	e.wakeAllIdle()
	var err error
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
	}
	if reopen {
		e.closing = false
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
	// Wake surplus parked workers: they see live > max and exit.
	for surplus := e.live - e.max; surplus > 0 && len(e.idle) > 0; surplus-- {
		w := e.idle[len(e.idle)-1]
		e.idle[len(e.idle)-1] = nil
		e.idle = e.idle[:len(e.idle)-1]
		w.wake <- struct{}{}
	}
	// Start workers for the queued tasks, counting those of batches that
	// have not started: a new worker takes them first (see steal).
	for e.q.len()+e.unclaimed() > e.searching() && e.startWorker() {
	}
	e.signalRoom()
}

// Stats returns a snapshot of the engine's counters.
func (e *Engine[T]) Stats() Stats {
	e.mu.Lock()
	defer e.mu.Unlock()
	held := e.unclaimed()
	return Stats{
		Workers:   e.max,
		Live:      e.live,
		Running:   e.running - held,
		Queued:    e.q.len() + held,
		Submitted: e.submitted,
		Completed: e.completed,
		Rejected:  e.rejected,
		Dropped:   e.dropped,
	}
}
