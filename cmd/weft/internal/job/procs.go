package job

import (
	"sync"
	"syscall"

	"github.com/weft-dev/weft/cmd/weft/internal/reaper"
)

// Procs is the set of running jobs' process groups, so that a second
// interrupt can kill them all at once, and so that a reaper, if there is
// one, knows them. It is safe for concurrent use by multiple goroutines.
type Procs struct {
	mu     sync.Mutex
	pids   map[int]bool
	dead   bool // kill at once from now on
	reaper *reaper.Reaper
}

// NewProcs returns an empty set. With a reaper, each job's shell waits
// until the reaper knows its group before it runs the command line, so
// that a job cannot start anything the reaper would miss.
func NewProcs(r *reaper.Reaper) *Procs {
	return &Procs{pids: map[int]bool{}, reaper: r}
}

// add registers the process group pid, and tells the reaper of it unless
// the job's shell does (reported); it returns false, registering nothing,
// once KillAll was called.
func (p *Procs) add(pid int, reported bool) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.dead {
		return false
	}
	p.pids[pid] = true
	if p.reaper != nil && !reported {
		p.reaper.Track(pid)
	}
	return true
}

func (p *Procs) remove(pid int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.pids, pid)
	if p.reaper != nil {
		p.reaper.Untrack(pid)
	}
}

// KillAll sends SIGKILL to every running job's process group, and to every
// one started from now on.
func (p *Procs) KillAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.dead = true
	for pid := range p.pids {
		syscall.Kill(-pid, syscall.SIGKILL)
	}
}

// Slots hands out job slot numbers ({%}), from 1 up to the number of jobs
// that run at once, each held by one running job. The zero value is ready
// to use; Slots is safe for concurrent use by multiple goroutines.
type Slots struct {
	mu   sync.Mutex
	free []int
	next int
}

// Get takes a free slot number, the lowest never used if none was put back.
func (s *Slots) Get() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := len(s.free); n > 0 {
		v := s.free[n-1]
		s.free = s.free[:n-1]
		return v
	}
	s.next++
	return s.next
}

// Put gives slot number v back.
func (s *Slots) Put(v int) {
	s.mu.Lock()
	s.free = append(s.free, v)
	s.mu.Unlock()
}

// killed reports whether KillAll was called.
func (p *Procs) killed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.dead
}
