package worker

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/weft-dev/weft/cmd/weft/internal/remote"
)

// registry keeps this worker's entry in the fleet's worker registry: jobs
// starting and ending change it in memory (a map update under a mutex);
// one goroutine writes it at most every remote.WriteGap while it changes,
// and every remote.HeartbeatEvery otherwise, so the jobs' throughput does not depend
// on the server's round trip.
type registry struct {
	put    func(context.Context, *remote.WorkerEntry) error
	stderr io.Writer

	mu      sync.Mutex
	entry   remote.WorkerEntry
	running map[string]remote.RunningJob // by job ID
	failing bool                         // the last write failed, and it was said
	wake    chan struct{}                // 1-buffered: the entry changed
}

func newRegistry(e remote.WorkerEntry, put func(context.Context, *remote.WorkerEntry) error, stderr io.Writer) *registry {
	return &registry{put: put, stderr: stderr, entry: e, running: map[string]remote.RunningJob{}, wake: make(chan struct{}, 1)}
}

// start records that the job id starts.
func (r *registry) start(id string, j remote.RunningJob) {
	r.mu.Lock()
	r.running[id] = j
	r.mu.Unlock()
	r.changed()
}

// end records that the job id ended, and, if counted, whether it failed.
func (r *registry) end(id string, counted, failed bool) {
	r.mu.Lock()
	delete(r.running, id)
	switch {
	case !counted:
	case failed:
		r.entry.Failed++
	default:
		r.entry.Done++
	}
	r.mu.Unlock()
	r.changed()
}

func (r *registry) changed() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// snapshot is the entry as it is now.
func (r *registry) snapshot(now time.Time, stopped bool) *remote.WorkerEntry {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.entry
	e.Beat, e.Stopped = now, stopped
	e.Running = make([]remote.RunningJob, 0, len(r.running))
	for _, j := range r.running {
		e.Running = append(e.Running, j)
	}
	return &e
}

// write writes the entry, and says once on stderr when that fails (the
// server predates the registry, say): the jobs go on regardless.
func (r *registry) write(ctx context.Context, stopped bool) {
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	err := r.put(wctx, r.snapshot(time.Now(), stopped))
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case err != nil && !r.failing && ctx.Err() == nil:
		r.failing = true
		fmt.Fprintf(r.stderr, "weft: worker: cannot announce this worker in the registry (the dashboard and weft status will not list it): %v\n", err)
	case err == nil:
		r.failing = false
	}
}

// run writes the entry now, then when it changes (at most every
// remote.WriteGap) and every remote.HeartbeatEvery, until ctx ends.
func (r *registry) run(ctx context.Context) {
	beat := time.NewTimer(0)
	defer beat.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.wake:
		case <-beat.C:
		}
		r.write(ctx, false)
		beat.Reset(remote.HeartbeatEvery)
		select { // at most one write every WriteGap
		case <-ctx.Done():
			return
		case <-time.After(remote.WriteGap):
		}
	}
}
