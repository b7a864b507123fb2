package errgroup

import (
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/weft-dev/weft"
)

// idleRounds is how many times the goroutine coming for an empty queue
// looks at it again, yielding the processor in between, before it exits.
const idleRounds = 16

// keepRing is the most slots an empty queue keeps; a larger buffer, left
// by a burst of calls to Go, is released when the queue empties.
const keepRing = 1024

// unlimited runs the functions of a group that has no limit, each on a
// goroutine that runs nothing else until it returns, as errgroup's
// goroutine per function does, but reusing goroutines where that cannot
// keep a function waiting for another one.
//
// Go queues its function, and starts a goroutine unless one is already
// coming for the queue: "coming" is a promise kept by exactly one
// goroutine at a time, which runs no function of the group while it holds
// it. A goroutine whose function returned takes the next function from the
// queue and runs it, so that a stream of short functions runs on a few
// goroutines; but the functions left in the queue never wait for it, since
// the coming goroutine takes them if it is stuck. The coming goroutine, when
// it takes a function that is not the last one queued, first starts a new
// goroutine to come in its place. So every queued function gets a
// goroutine that runs nothing else as soon as the coming one is scheduled,
// however long the functions before it run or block, and functions may
// wait for each other as they may with errgroup.
//
// When the queue is empty and no goroutine is coming, a goroutine whose
// function returned becomes the coming one and looks at the queue a few
// more times (idleRounds), yielding the processor in between, before it
// exits: a Go in that time starts no goroutine.
type unlimited struct {
	// alive counts the goroutines started and not yet exited; every
	// function accepted and not yet returned is on one of them, or in
	// the queue with one of them coming for it, so Wait waits for alive
	// to reach 0.
	alive tally

	mu     sync.Mutex
	queue  ring // functions not yet taken by a goroutine
	coming bool // a goroutine running no function will take from the queue
	tasks  int  // functions accepted and not yet returned

	queued atomic.Int64 // the queue's length, read without the lock
}

// start queues f and makes sure a goroutine is coming for it. It never
// blocks.
func (u *unlimited) start(g *Group, f func() error) {
	u.mu.Lock()
	u.queue.push(f)
	u.queued.Store(int64(u.queue.len()))
	u.tasks++
	dispatch := !u.coming
	if dispatch {
		u.coming = true
		// Counted before the lock is released, so that a goroutine
		// of the group that ends meanwhile cannot let Wait return
		// with f in the queue.
		u.alive.inc()
	}
	u.mu.Unlock()
	if dispatch {
		go u.run(g, nil, true)
	}
}

// run runs f, if not nil, and then functions from the queue (see next).
// It records each function's error in g, and weft.ErrGoexit for a
// function that calls runtime.Goexit (which ends the goroutine). A panic
// is not recovered: it crashes the program at once, as it would with
// errgroup; see "Panics" in the package doc. comes says whether this
// goroutine is the one coming for the queue.
func (u *unlimited) run(g *Group, f func() error, comes bool) {
	running := f != nil
	defer func() {
		if running {
			if v := recover(); v != nil {
				panic(v)
			}
			g.fail(weft.ErrGoexit)
			u.mu.Lock()
			u.tasks--
			u.mu.Unlock()
		}
		u.alive.dec()
	}()
	for {
		if f != nil {
			if err := f(); err != nil {
				g.fail(err)
			}
			running = false
		}
		f = u.next(g, f != nil, comes)
		if f == nil {
			return
		}
		comes = false
		running = true
	}
}

// next returns the next function from the queue for the calling goroutine
// to run, or nil if it is to exit. It records first that a function
// returned, if one did. comes says whether the caller is the goroutine
// coming for the queue: that one runs no function while others wait in
// the queue, so before it takes one it starts a goroutine to come in its
// place. When the queue is empty and no goroutine is coming, the caller
// becomes the one coming, and looks for a while for a function before it
// exits.
func (u *unlimited) next(g *Group, returned, comes bool) func() error {
	u.mu.Lock()
	if returned {
		u.tasks--
	}
	for rounds := 0; ; {
		if u.queue.len() > 0 {
			f := u.queue.take()
			more := u.queue.len() > 0
			u.queued.Store(int64(u.queue.len()))
			relay := comes && more
			if relay {
				u.alive.inc()
			} else if comes {
				u.coming = false
			}
			u.mu.Unlock()
			if relay {
				go u.run(g, nil, true)
			}
			return f
		}
		if !comes {
			if u.coming {
				u.mu.Unlock()
				return nil
			}
			u.coming, comes = true, true
		}
		if rounds >= idleRounds {
			u.coming = false
			u.mu.Unlock()
			return nil
		}
		u.mu.Unlock()
		for ; rounds < idleRounds && u.queued.Load() == 0; rounds++ {
			runtime.Gosched()
		}
		u.mu.Lock()
	}
}

// active counts the functions accepted and not yet returned.
func (u *unlimited) active() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.tasks
}

// ring is a queue of functions in a ring buffer that grows as needed.
type ring struct {
	buf  []func() error // len is 0 or a power of 2
	head int
	n    int
}

func (r *ring) len() int { return r.n }

// push adds f at the end, growing the buffer if it is full.
func (r *ring) push(f func() error) {
	if r.n == len(r.buf) {
		buf := make([]func() error, max(2*len(r.buf), 64))
		for i := range r.n {
			buf[i] = r.buf[(r.head+i)&(len(r.buf)-1)]
		}
		r.buf, r.head = buf, 0
	}
	r.buf[(r.head+r.n)&(len(r.buf)-1)] = f
	r.n++
}

// take removes and returns the oldest function. The ring must not be
// empty.
func (r *ring) take() func() error {
	f := r.buf[r.head]
	r.buf[r.head] = nil
	r.head = (r.head + 1) & (len(r.buf) - 1)
	r.n--
	if r.n == 0 && len(r.buf) > keepRing {
		r.buf, r.head = nil, 0
	}
	return f
}
