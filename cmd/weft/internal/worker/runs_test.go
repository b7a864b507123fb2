package worker

import (
	"testing"

	"github.com/weft-dev/weft/cmd/weft/internal/remote"
)

// TestRunStates: a run not heard of runs; now ends its context; a run
// resumed after now gets a fresh context.
func TestRunStates(t *testing.T) {
	rs := &runStates{runs: map[string]*runEntry{}}
	if state, ctx := rs.get("new"); state != remote.StateRun || ctx.Err() != nil {
		t.Errorf("unknown run: %s, %v; want run", state, ctx.Err())
	}
	rs.set("r", remote.StateSoon)
	state, ctx := rs.get("r")
	if state != remote.StateSoon || ctx.Err() != nil {
		t.Errorf("soon: %s, %v; want soon and the running jobs left alone", state, ctx.Err())
	}
	rs.set("r", remote.StateNow)
	if state, _ := rs.get("r"); state != remote.StateNow || ctx.Err() == nil {
		t.Errorf("now: %s, %v; want now and the context ended", state, ctx.Err())
	}
	rs.set("r", remote.StateRun)
	if state, fresh := rs.get("r"); state != remote.StateRun || fresh.Err() != nil {
		t.Errorf("resumed: %s, %v; want run with a fresh context", state, fresh.Err())
	}
	for _, e := range rs.runs {
		e.cancel()
	}
}
