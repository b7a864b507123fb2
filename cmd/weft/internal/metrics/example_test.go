package metrics_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/weft-dev/weft/cmd/weft/internal/metrics"
)

// A worker's metrics, as a scrape sees them.
func ExampleWorker() {
	m := metrics.NewWorker("weft", "build-3")
	m.Redelivered(2)
	m.Started()
	m.Finished(1500*time.Millisecond, metrics.Succeeded)
	m.Started()

	mux := http.NewServeMux()
	metrics.Mount(mux, m)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for _, line := range strings.Split(rec.Body.String(), "\n") {
		if strings.HasPrefix(line, "weft_jobs") || strings.HasPrefix(line, "weft_worker_up") || strings.HasPrefix(line, "weft_job_duration_seconds_count") {
			fmt.Println(line)
		}
	}
	// Output:
	// weft_job_duration_seconds_count{stream="weft",worker="build-3"} 1
	// weft_jobs_running{stream="weft",worker="build-3"} 1
	// weft_jobs_total{status="failed",stream="weft",worker="build-3"} 0
	// weft_jobs_total{status="given_up",stream="weft",worker="build-3"} 0
	// weft_jobs_total{status="redelivered",stream="weft",worker="build-3"} 1
	// weft_jobs_total{status="started",stream="weft",worker="build-3"} 2
	// weft_jobs_total{status="succeeded",stream="weft",worker="build-3"} 1
	// weft_worker_up{stream="weft",worker="build-3"} 1
}
