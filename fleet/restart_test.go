package fleet_test

import (
	"context"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/weft-dev/weft/fleet"
)

// TestServerRestartMidRun stops the embedded server while workers are busy
// and starts it again on the same store directory and port: every job still
// completes. The clients reconnect with the credentials the new start wrote
// (new identities of the same account), through TLS checked against the
// same CA.
func TestServerRestartMidRun(t *testing.T) {
	dir := t.TempDir()
	streams := []fleet.StreamConfig{{Name: "jobs", AckWait: time.Second}}
	srv, err := fleet.StartServer(fleet.ServerConfig{Dir: dir, Streams: streams})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(srv.URL())
	port, _ := strconv.Atoi(u.Port())
	submit(t, connect(t, srv.URL(), fleet.RoleSubmitter), ids(1000)...)
	var h handled
	runWorker(t, connect(t, srv.URL(), fleet.RoleWorker), 4, func(ctx context.Context, j fleet.Job[work]) error {
		select {
		case <-time.After(2 * time.Millisecond): // a job that takes a little while
		case <-ctx.Done():
			return ctx.Err()
		}
		h.add(j.ID)
		return nil
	}, fleet.WorkerConfig{AckWait: time.Second})
	waitUntil(t, "some jobs done", func() bool { d, _ := h.count(); return d >= 300 })
	srv.Shutdown()
	srv2, err := fleet.StartServer(fleet.ServerConfig{Dir: dir, Port: port, Streams: streams})
	if err != nil {
		t.Fatal(err)
	}
	defer srv2.Shutdown()
	waitUntil(t, "all 1000 jobs after the restart", func() bool { d, _ := h.count(); return d == 1000 })
}
