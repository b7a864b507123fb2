package worker

import (
	"context"
	"fmt"
	"sync"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/weft-dev/weft/cmd/weft/internal/remote"
)

// runStates follows the state of every run (the S_runs bucket), so that a
// halt reaches the jobs at once.
type runStates struct {
	mu   sync.Mutex
	runs map[string]*runEntry
	w    jetstream.KeyWatcher
	done sync.WaitGroup
}

// runEntry is one run's state as a worker sees it.
type runEntry struct {
	state  string
	ctx    context.Context // ends when the run is halted with "now"
	cancel context.CancelFunc
}

// watchRuns starts following the run states, and returns once it holds
// every state recorded so far.
func watchRuns(ctx context.Context, kv jetstream.KeyValue) (*runStates, error) {
	w, err := kv.WatchAll(ctx, jetstream.IgnoreDeletes())
	if err != nil {
		return nil, fmt.Errorf("watching run states: %w", err)
	}
	rs := &runStates{runs: map[string]*runEntry{}, w: w}
	ready := make(chan struct{})
	rs.done.Go(func() {
		initial := true
		for e := range w.Updates() {
			if e == nil {
				if initial {
					close(ready)
					initial = false
				}
				continue
			}
			rs.set(e.Key(), string(e.Value()))
		}
		if initial {
			close(ready)
		}
	})
	select {
	case <-ready:
		return rs, nil
	case <-ctx.Done():
		w.Stop()
		rs.done.Wait()
		return nil, ctx.Err()
	}
}

func (rs *runStates) set(run, state string) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	e := rs.runs[run]
	if e == nil || (e.ctx.Err() != nil && state != remote.StateNow) {
		e = &runEntry{}
		e.ctx, e.cancel = context.WithCancel(context.Background())
		rs.runs[run] = e
	}
	e.state = state
	if state == remote.StateNow {
		e.cancel()
	}
}

// get returns a run's state and the context that ends when it is halted
// with "now".
func (rs *runStates) get(run string) (string, context.Context) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	e := rs.runs[run]
	if e == nil {
		e = &runEntry{state: remote.StateRun}
		e.ctx, e.cancel = context.WithCancel(context.Background())
		rs.runs[run] = e
	}
	return e.state, e.ctx
}

// wait stops following and waits for the watcher.
func (rs *runStates) wait() {
	rs.w.Stop()
	rs.done.Wait()
	rs.mu.Lock()
	for _, e := range rs.runs {
		e.cancel()
	}
	rs.mu.Unlock()
}
