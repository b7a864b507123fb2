package actor_test

import "sync"

// floor is the least that a mailbox guarded by a mutex can do for a
// request and reply, written to measure what such a mailbox costs Ask and
// nothing else: the caller appends its request under the lock and, finding
// the goroutine parked, hands it the batch and wakes it with a token; the
// goroutine runs the batch, answers each request on the request's own
// reply channel (made once and reused), and takes the lock again to park.
// It has none of the Actor's Stop, contexts, panics, room accounting or
// reuse of requests across callers.
type floor struct {
	mu     sync.Mutex
	q      []*floorReq // queued, oldest first
	free   []*floorReq // an empty buffer for q
	batch  []*floorReq // taken by the goroutine
	parked bool        // the goroutine waits on wake
	handed bool        // the caller that woke the goroutine took its batch
	wake   chan struct{}
	exited chan struct{}
	n      int
}

// floorReq is a request to floor: f's result comes back in v, and a token
// on done says so. A nil f stops the goroutine.
type floorReq struct {
	f    func(*int) int
	v    int
	done chan struct{}
}

func newFloor() *floor {
	m := &floor{wake: make(chan struct{}, 1), exited: make(chan struct{})}
	go m.serve()
	return m
}

func (m *floor) serve() {
	defer close(m.exited)
	for {
		for _, r := range m.batch {
			if r.f == nil {
				return
			}
			r.v = r.f(&m.n)
			r.done <- struct{}{}
		}
		m.take()
	}
}

// take hands back the batch that ran and takes the next, parking while
// the mailbox is empty.
func (m *floor) take() {
	m.mu.Lock()
	clear(m.batch)
	if m.free == nil {
		m.free = m.batch[:0]
	}
	m.batch = nil
	for len(m.q) == 0 {
		m.parked = true
		m.mu.Unlock()
		<-m.wake
		if m.handed {
			m.handed = false // the caller took the batch for us, under mu
			return
		}
		m.mu.Lock()
	}
	m.batch, m.q, m.free = m.q, m.free, nil
	m.mu.Unlock()
}

func (m *floor) send(r *floorReq) {
	m.mu.Lock()
	m.q = append(m.q, r)
	if !m.parked {
		m.mu.Unlock()
		return
	}
	m.parked, m.handed = false, true
	m.batch, m.q, m.free = m.q, m.free, nil
	m.mu.Unlock()
	m.wake <- struct{}{}
}

// ask sends r and waits for its answer.
func (m *floor) ask(r *floorReq) int {
	m.send(r)
	<-r.done
	return r.v
}

// stop ends the goroutine, once the requests sent before have run.
func (m *floor) stop() {
	m.send(&floorReq{})
	<-m.exited
}
