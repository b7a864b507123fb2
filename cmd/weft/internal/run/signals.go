package run

import (
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// Stopper is what a run over many machines adds to stopping: telling the
// workers. The submitter sets it with SetStopper once it can.
type Stopper interface {
	// Stop tells the workers to start none of the run's jobs from now on
	// and, with now, to stop the running ones.
	Stop(now bool)
	// GiveUp stops waiting for the jobs handed out.
	GiveUp()
}

// SetStopper makes a halt or a signal reach s too; if the run is already
// stopping (interrupted while starting), s is stopped at once.
func (r *Run) SetStopper(s Stopper) {
	r.stopper.Store(&s)
	if r.stopping.Load() {
		s.Stop(true)
	}
}

// HandleSignals handles SIGINT and SIGTERM until stop is called: the first
// stops starting jobs and terminates the running ones (SIGTERM to each
// job's process group, SIGKILL after the grace period), and the exit
// status becomes 130 or 143; a second SIGINT kills them all at once. stop
// waits until the signal being handled, if any, is handled; it may be
// called more than once.
func (r *Run) HandleSignals() (stop func()) {
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		interrupts := 0
		for {
			select {
			case s := <-ch:
				status := int32(130)
				if s == syscall.SIGTERM {
					status = 143
				}
				first := r.sigStatus.CompareAndSwap(0, status)
				r.stopping.Store(true)
				r.cancel()
				if st := r.stopper.Load(); first && st != nil {
					(*st).Stop(true)
					// Wait for the workers to report their stopped jobs, but
					// not for ever: a worker may be gone.
					time.AfterFunc(r.c.Grace+5*time.Second, (*st).GiveUp)
				}
				if s == syscall.SIGINT {
					if interrupts++; interrupts > 1 {
						r.procs.KillAll()
						if st := r.stopper.Load(); st != nil {
							(*st).GiveUp()
						}
					}
				}
			case <-done:
				return
			}
		}
	})
	var once sync.Once
	return func() {
		once.Do(func() {
			signal.Stop(ch)
			close(done)
			wg.Wait()
		})
	}
}
