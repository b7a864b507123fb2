package worker

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/weft-dev/weft/cmd/weft/internal/remote"
)

// TestRunStates: a run not in the bucket runs; a run first seen is read
// from the bucket once; now ends its context; a run resumed after now gets
// a fresh context.
func TestRunStates(t *testing.T) {
	reads := 0
	rs := &runStates{runs: map[string]*runEntry{}, read: func(_ context.Context, run string) ([]byte, error) {
		reads++
		switch run {
		case "old":
			return []byte(remote.StateSoon), nil
		case "broken":
			return nil, errors.New("no server")
		}
		return nil, jetstream.ErrKeyNotFound
	}}
	get := func(run string) (string, context.Context) {
		state, ctx, err := rs.get(context.Background(), run)
		if err != nil {
			t.Fatalf("%s: %v", run, err)
		}
		return state, ctx
	}
	if state, ctx := get("new"); state != remote.StateRun || ctx.Err() != nil {
		t.Errorf("unknown run: %s, %v; want run", state, ctx.Err())
	}
	if state, _ := get("old"); state != remote.StateSoon {
		t.Errorf("a run halted before the worker started: %s; want soon", state)
	}
	get("old")
	if reads != 2 {
		t.Errorf("%d reads of the bucket; want one per run", reads)
	}
	if _, _, err := rs.get(context.Background(), "broken"); err == nil || !strings.Contains(err.Error(), "reading the state of run broken: no server") {
		t.Errorf("a failed read: %v; want it reported", err)
	}
	rs.set("r", remote.StateSoon)
	state, ctx := get("r")
	if state != remote.StateSoon || ctx.Err() != nil {
		t.Errorf("soon: %s, %v; want soon and the running jobs left alone", state, ctx.Err())
	}
	rs.set("r", remote.StateNow)
	if state, _ := get("r"); state != remote.StateNow || ctx.Err() == nil {
		t.Errorf("now: %s, %v; want now and the context ended", state, ctx.Err())
	}
	rs.set("r", remote.StateRun)
	if state, fresh := get("r"); state != remote.StateRun || fresh.Err() != nil {
		t.Errorf("resumed: %s, %v; want run with a fresh context", state, fresh.Err())
	}
	for _, e := range rs.runs {
		e.cancel()
	}
}
