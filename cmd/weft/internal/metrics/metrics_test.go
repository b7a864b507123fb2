package metrics

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// ours are the metrics a worker defines, without the Go runtime's and the
// process's.
var ours = []string{"weft_jobs_total", "weft_jobs_running", "weft_job_duration_seconds", "weft_worker_up"}

// TestWorkerCounts: each call lands in its status, by stream and worker; a
// stopped job leaves the running gauge and counts nowhere else; the
// durations fall in their buckets.
func TestWorkerCounts(t *testing.T) {
	w := NewWorker("s", "w1")
	w.Redelivered(1) // a first delivery: not counted
	w.Redelivered(3)
	for range 4 {
		w.Started()
	}
	w.Finished(2*time.Millisecond, Succeeded)
	w.Finished(90*time.Minute, Succeeded)
	w.Finished(3*time.Second, Failed)
	w.GivenUp()
	w.SetUp(false)
	want := `
# HELP weft_jobs_running Jobs running on this worker now.
# TYPE weft_jobs_running gauge
weft_jobs_running{stream="s",worker="w1"} 1
# HELP weft_worker_up 1 while this worker is connected to its NATS server, 0 while the server is unreachable.
# TYPE weft_worker_up gauge
weft_worker_up{stream="s",worker="w1"} 0
`
	if err := testutil.GatherAndCompare(w.Gatherer(), strings.NewReader(want), "weft_jobs_running", "weft_worker_up"); err != nil {
		t.Error(err)
	}
	for status, n := range map[string]float64{"started": 4, "succeeded": 2, "failed": 1, "redelivered": 1, "given_up": 1} {
		if got := testutil.ToFloat64(counter(t, w, status)); got != n {
			t.Errorf("weft_jobs_total{status=%q} = %v; want %v", status, got, n)
		}
	}
	w.Finished(time.Second, Stopped)
	w.SetUp(true)
	if got := testutil.ToFloat64(w.running); got != 0 {
		t.Errorf("weft_jobs_running = %v after the last job stopped; want 0", got)
	}
	if got := testutil.ToFloat64(w.up); got != 1 {
		t.Errorf("weft_worker_up = %v once the server is back; want 1", got)
	}
	mfs, err := w.Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "weft_job_duration_seconds" {
			continue
		}
		h := mf.GetMetric()[0].GetHistogram()
		if h.GetSampleCount() != 3 {
			t.Errorf("%d durations; want 3 (a stopped job has none)", h.GetSampleCount())
		}
		for _, b := range h.GetBucket() {
			var want uint64 // jobs of 2ms, 3s and 90m at or under the bound
			for _, d := range []float64{0.002, 3, 5400} {
				if d <= b.GetUpperBound() {
					want++
				}
			}
			if b.GetCumulativeCount() != want {
				t.Errorf("bucket le=%v: %d; want %d", b.GetUpperBound(), b.GetCumulativeCount(), want)
			}
		}
	}
	if problems, err := testutil.GatherAndLint(w.Gatherer(), ours...); err != nil || len(problems) > 0 {
		t.Errorf("lint: %v %v", problems, err)
	}
}

// counter is the worker's weft_jobs_total series of status.
func counter(t *testing.T, w *Worker, status string) prometheus.Collector {
	t.Helper()
	return map[string]prometheus.Collector{"started": w.started, "succeeded": w.succeeded, "failed": w.failed, "redelivered": w.redelivered, "given_up": w.givenUp}[status]
}

// TestNilWorkerRecordsNothing: a worker without --metrics has a nil
// *Worker, whose methods do nothing.
func TestNilWorkerRecordsNothing(t *testing.T) {
	var w *Worker
	w.Redelivered(2)
	w.Started()
	w.Finished(time.Second, Failed)
	w.GivenUp()
	w.SetUp(false)
}

// TestWorkerListen serves the metrics on a free port of loopback, and
// stops.
func TestWorkerListen(t *testing.T) {
	w := NewWorker("s", "w1")
	w.Started()
	stop, addr, err := w.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	body := get(t, "http://"+addr.String()+"/metrics")
	for _, line := range []string{`weft_jobs_total{status="started",stream="s",worker="w1"} 1`, `weft_worker_up{stream="s",worker="w1"} 1`, "go_goroutines ", "process_cpu_seconds_total "} {
		if !strings.Contains(body, line) {
			t.Errorf("scrape lacks %q:\n%s", line, body)
		}
	}
	if _, _, err := w.Listen(addr.String()); err == nil {
		t.Error("a second Listen on the same address did not fail")
	}
}

// get returns the body of url, on a connection closed afterwards.
func get(t *testing.T, url string) string {
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
