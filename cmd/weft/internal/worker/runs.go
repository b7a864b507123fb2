package worker

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/weft-dev/weft/cmd/weft/internal/remote"
)

// runStates follows the state of every run (the S_runs bucket), so that a
// halt reaches the jobs at once. A worker may not create a consumer, so it
// follows the bucket's writes from its start, and reads the state of a run
// written before that the first time it gets one of the run's jobs.
type runStates struct {
	mu   sync.Mutex
	runs map[string]*runEntry
	read func(ctx context.Context, run string) ([]byte, error) // a state in the bucket
	stop func() error
}

// runEntry is one run's state as a worker sees it.
type runEntry struct {
	state  string
	ctx    context.Context // ends when the run is halted with "now"
	cancel context.CancelFunc
}

// followRuns starts following the run states written from now on.
func followRuns(c *remote.Conn) (*runStates, error) {
	rs := &runStates{runs: map[string]*runEntry{}, read: func(ctx context.Context, run string) ([]byte, error) {
		e, err := c.Runs.Get(ctx, run)
		if err != nil {
			return nil, err
		}
		return e.Value(), nil
	}}
	stop, err := c.Follow(func(run string, state []byte) {
		if state != nil && remote.IsRunID(run) { // not a run's record
			rs.set(run, string(state))
		}
	})
	if err != nil {
		return nil, fmt.Errorf("following run states: %w", err)
	}
	rs.stop = stop
	return rs, nil
}

// set records a run's state; a run halted with "now" stays halted until it
// is set running again.
func (rs *runStates) set(run, state string) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rs.setLocked(run, state)
}

func (rs *runStates) setLocked(run, state string) *runEntry {
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
	return e
}

// get returns a run's state and the context that ends when it is halted
// with "now". A run not seen before is read from the bucket: a write that
// comes after the read arrives through the subscription, which started
// first, and replaces it.
func (rs *runStates) get(ctx context.Context, run string) (string, context.Context, error) {
	rs.mu.Lock()
	e := rs.runs[run]
	rs.mu.Unlock()
	if e != nil {
		return rs.current(e)
	}
	state := remote.StateRun
	value, err := rs.read(ctx, run)
	switch {
	case err == nil:
		state = string(value)
	case !errors.Is(err, jetstream.ErrKeyNotFound):
		return "", nil, fmt.Errorf("reading the state of run %s: %w", run, err)
	}
	rs.mu.Lock()
	if e = rs.runs[run]; e == nil { // no write came meanwhile
		e = rs.setLocked(run, state)
	}
	rs.mu.Unlock()
	return rs.current(e)
}

func (rs *runStates) current(e *runEntry) (string, context.Context, error) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return e.state, e.ctx, nil
}

// wait stops following, and ends the runs' contexts.
func (rs *runStates) wait() {
	rs.stop()
	rs.mu.Lock()
	for _, e := range rs.runs {
		e.cancel()
	}
	rs.mu.Unlock()
}
