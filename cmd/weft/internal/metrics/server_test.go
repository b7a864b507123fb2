package metrics

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/weft-dev/weft/cmd/weft/internal/remote"
	"github.com/weft-dev/weft/fleet"
)

// serve starts an embedded server of streams as weft serve sets them up,
// and returns its own connection, an admin's, as weft serve would have it.
func serve(t *testing.T, streams ...string) jetstream.JetStream {
	t.Helper()
	var sc []fleet.StreamConfig
	for _, s := range streams {
		sc = append(sc, remote.StreamConfig(s, 0, 0))
	}
	srv, err := fleet.StartServer(fleet.ServerConfig{Dir: t.TempDir(), Streams: sc})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	js, err := srv.ConnectInProcess(fleet.RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(js.Conn().Close)
	return js
}

// TestServer reads the queue of an embedded server's streams and counts
// the reports of its results stream, those kept from before it started
// and those that come after, by worker and status; a job handed back unrun
// counts nowhere.
func TestServer(t *testing.T) {
	js := serve(t, "s", "t")
	ctx := context.Background()
	prod, err := fleet.NewProducer[remote.Job](ctx, js, "s", nil)
	if err != nil {
		t.Fatal(err)
	}
	for seq := range int64(3) {
		j := remote.Job{Run: "r", Seq: seq + 1, Command: "true", Tries: 1}
		if err := prod.Submit(ctx, j.ID(), j); err != nil {
			t.Fatal(err)
		}
	}
	// A worker holds one job and has not acknowledged it.
	cons, err := js.Consumer(ctx, "s", "s")
	if err != nil {
		t.Fatal(err)
	}
	batch, err := cons.Fetch(1, jetstream.FetchMaxWait(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	held := 0
	for range batch.Messages() {
		held++
	}
	if held != 1 {
		t.Fatalf("fetched %d jobs; want 1", held)
	}
	report := func(r remote.Result) {
		t.Helper()
		data, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := js.Publish(ctx, "s.results."+r.Run, data); err != nil {
			t.Fatal(err)
		}
	}
	report(remote.Result{Run: "r", Seq: 1, Host: "w1"})
	report(remote.Result{Run: "r", Seq: 2, Host: "w1", Exit: 3})
	report(remote.Result{Run: "q", Seq: 1, Host: "w2", Exit: -1, Signal: 9})
	report(remote.Result{Run: "q", Seq: 2, Host: "w2", Skipped: true})
	counted := make(chan struct{}, 16)
	s, err := newServer(ctx, js, []string{"s", "t"}, nil, func() { counted <- struct{}{} })
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// The results kept are counted when NewServer returns.
	if got := len(counted); got != 4 {
		t.Errorf("%d results counted when NewServer returned; want the 4 kept", got)
	}
	wait := func(n int) {
		t.Helper()
		for range n {
			select {
			case <-counted:
			case <-time.After(30 * time.Second): // a bound for a failing test
				t.Fatal("the results were not counted")
			}
		}
	}
	wait(4)
	report(remote.Result{Run: "p", Seq: 1, Host: "w2", FailedToStart: "no shell"})
	report(remote.Result{Run: "p", Seq: 2, Host: "w1"})
	wait(2)
	want := `
# HELP weft_jobs_running Jobs handed to a worker and not yet acknowledged: running, or pulled ahead by the worker.
# TYPE weft_jobs_running gauge
weft_jobs_running{stream="s"} 1
weft_jobs_running{stream="t"} 0
# HELP weft_jobs_total Jobs the workers reported, by worker and status (succeeded, failed), among the results the server keeps.
# TYPE weft_jobs_total counter
weft_jobs_total{status="failed",stream="s",worker="w1"} 1
weft_jobs_total{status="failed",stream="s",worker="w2"} 2
weft_jobs_total{status="succeeded",stream="s",worker="w1"} 2
weft_jobs_total{status="succeeded",stream="s",worker="w2"} 0
# HELP weft_queue_jobs Jobs waiting in the stream for a worker.
# TYPE weft_queue_jobs gauge
weft_queue_jobs{stream="s"} 2
weft_queue_jobs{stream="t"} 0
`
	if err := testutil.CollectAndCompare(s, strings.NewReader(want)); err != nil {
		t.Error(err)
	}
	if problems, err := testutil.CollectAndLint(s); err != nil || len(problems) > 0 {
		t.Errorf("lint: %v %v", problems, err)
	}
	mux := http.NewServeMux()
	Mount(mux, s)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if body := rec.Body.String(); rec.Code != http.StatusOK || !strings.Contains(body, `weft_queue_jobs{stream="s"} 2`) {
		t.Errorf("GET /metrics: %d\n%s", rec.Code, body)
	}

	// Fed: stream s's results are not followed but handed to Count; its
	// gauges are read as any stream's.
	fed, err := NewServerFed(ctx, js, []string{"t"}, []string{"s"})
	if err != nil {
		t.Fatal(err)
	}
	defer fed.Close()
	data, _ := json.Marshal(remote.Result{Run: "r", Seq: 1, Host: "w3", Exit: 1})
	fed.Count("s", data)
	want = `
# HELP weft_jobs_total Jobs the workers reported, by worker and status (succeeded, failed), among the results the server keeps.
# TYPE weft_jobs_total counter
weft_jobs_total{status="failed",stream="s",worker="w3"} 1
weft_jobs_total{status="succeeded",stream="s",worker="w3"} 0
# HELP weft_queue_jobs Jobs waiting in the stream for a worker.
# TYPE weft_queue_jobs gauge
weft_queue_jobs{stream="s"} 2
weft_queue_jobs{stream="t"} 0
`
	if err := testutil.CollectAndCompare(fed, strings.NewReader(want), "weft_jobs_total", "weft_queue_jobs"); err != nil {
		t.Errorf("fed: %v", err)
	}
}

// TestServerOfAStreamNotServed: metrics of a stream the server does not
// serve are refused, by name.
func TestServerOfAStreamNotServed(t *testing.T) {
	js := serve(t, "s")
	_, err := NewServer(context.Background(), js, []string{"s", "nope"})
	if err == nil || !strings.Contains(err.Error(), "metrics of stream nope") {
		t.Errorf("got %v; want an error that names stream nope", err)
	}
}
