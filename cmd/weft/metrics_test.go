package main

import (
	"context"
	"io"
	"net/http"
	neturl "net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/weft-dev/weft/cmd/weft/internal/metrics"
	"github.com/weft-dev/weft/fleet"
)

// TestNATSWorkerMetrics: a weft worker process started with --metrics on a
// free port of loopback prints the address it serves; after a run of ten
// jobs through it, three of which fail, the scrape counts them by status,
// and so does the server's handler, from the reports it keeps.
func TestNATSWorkerMetrics(t *testing.T) {
	srv, u := natsServer(t)
	dir := t.TempDir()
	w := startWorker(t, dir, u, "w1", "-j", "2", "--metrics", "127.0.0.1:0")
	args := []string{"--nats", u, "test {} -lt 7", ":::"}
	for i := range 10 {
		args = append(args, strconv.Itoa(i))
	}
	if o := runWeft(t, dir, "", args...); o.status != 3 {
		t.Fatalf("status %d; want 3 (jobs 7, 8 and 9 fail)\n%s", o.status, o.stderr)
	}
	// The worker printed its address before it took a job.
	url, ok := metricsURL(w)
	if !ok {
		t.Fatalf("worker stderr %q; want the metrics address", w.stderr.String())
	}
	body := scrape(t, url)
	for _, want := range []string{
		`weft_jobs_total{status="started",stream="weft",worker="w1"} 10`,
		`weft_jobs_total{status="succeeded",stream="weft",worker="w1"} 7`,
		`weft_jobs_total{status="failed",stream="weft",worker="w1"} 3`,
		`weft_jobs_total{status="redelivered",stream="weft",worker="w1"} 0`,
		`weft_jobs_total{status="given_up",stream="weft",worker="w1"} 0`,
		`weft_jobs_running{stream="weft",worker="w1"} 0`,
		`weft_job_duration_seconds_count{stream="weft",worker="w1"} 10`,
		`weft_worker_up{stream="weft",worker="w1"} 1`,
	} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("scrape lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "run=") {
		t.Errorf("a metric is labelled by run:\n%s", body)
	}

	js, err := srv.ConnectInProcess(fleet.RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	defer js.Conn().Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	m, err := metrics.NewServer(ctx, js, []string{"weft"})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	want := `
# HELP weft_jobs_total Jobs the workers reported, by worker and status (succeeded, failed), among the results the server keeps.
# TYPE weft_jobs_total counter
weft_jobs_total{status="failed",stream="weft",worker="w1"} 3
weft_jobs_total{status="succeeded",stream="weft",worker="w1"} 7
# HELP weft_queue_jobs Jobs waiting in the stream for a worker.
# TYPE weft_queue_jobs gauge
weft_queue_jobs{stream="weft"} 0
`
	if err := testutil.CollectAndCompare(m, strings.NewReader(want), "weft_jobs_total", "weft_queue_jobs"); err != nil {
		t.Errorf("server metrics: %v", err)
	}
}

// metricsURL is the address a worker started with --metrics said it
// serves, if it has said it yet.
func metricsURL(w *worker) (string, bool) {
	_, rest, ok := strings.Cut(w.stderr.String(), " metrics at ")
	url, _, nl := strings.Cut(rest, "\n")
	return url, ok && nl && strings.HasPrefix(url, "http://127.0.0.1:") && strings.HasSuffix(url, "/metrics")
}

// scrape returns the body of a GET of url, on a connection closed
// afterwards.
func scrape(t *testing.T, url string) string {
	t.Helper()
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s, %v", url, resp.Status, err)
	}
	return string(data)
}

// TestNATSWorkerUpFollowsTheServer: a worker's weft_worker_up is 1 while it
// reaches its server, 0 once the server has gone, and 1 again once it is
// back on the same address.
func TestNATSWorkerUpFollowsTheServer(t *testing.T) {
	sdir := t.TempDir()
	srv, err := fleet.StartServer(serverConfig(sdir, 0))
	if err != nil {
		t.Fatal(err)
	}
	u := srv.URL()
	pu, _ := neturl.Parse(u)
	port, _ := strconv.Atoi(pu.Port())
	w := startWorker(t, t.TempDir(), u, "w1", "-j", "1", "--metrics", "127.0.0.1:0")
	var url string
	waitFor(t, "the metrics address", func() (ok bool) { url, ok = metricsURL(w); return ok })
	const up, down = `weft_worker_up{stream="weft",worker="w1"} 1` + "\n", `weft_worker_up{stream="weft",worker="w1"} 0` + "\n"
	waitFor(t, "the worker to be running", func() bool { return strings.Contains(w.stderr.String(), "running up to 1 jobs") })
	if body := scrape(t, url); !strings.Contains(body, up) {
		t.Fatalf("scrape with the server there lacks %q:\n%s", up, body)
	}
	srv.Shutdown()
	waitFor(t, "weft_worker_up 0", func() bool { return strings.Contains(scrape(t, url), down) })
	if !strings.Contains(w.stderr.String(), "is unreachable") {
		t.Errorf("weft_worker_up went to 0, but the worker did not say the server is unreachable: %s", w.stderr.String())
	}
	srv2, err := fleet.StartServer(serverConfig(sdir, port))
	if err != nil {
		t.Fatal(err)
	}
	defer srv2.Shutdown()
	waitFor(t, "weft_worker_up 1 again", func() bool { return strings.Contains(scrape(t, url), up) })
}
