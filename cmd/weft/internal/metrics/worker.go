// Package metrics exposes what a weft fleet does to Prometheus: a worker's
// jobs (weft worker --metrics ADDR) and a server's queues (weft serve).
//
// A worker counts the jobs it runs, by stream, worker and status, times
// them and says whether it can reach its server:
//
//	m := metrics.NewWorker("weft", "build-3")
//	stop, addr, err := m.Listen("127.0.0.1:9464") // GET http://addr/metrics
//	defer stop()
//	m.Started(attempt)
//	m.Finished(elapsed, metrics.Succeeded)
//
// A server's handler reads each stream's queue from its consumer when it is
// scraped, and follows the results stream for the jobs each worker reported:
//
//	s, err := metrics.NewServer(ctx, js, []string{"weft"})
//	defer s.Close()
//	metrics.Mount(mux, s) // GET /metrics
//
// No metric is labelled by run: run IDs are without bound, and so would be
// the series. Each Worker and Server has a registry of its own; nothing is
// registered with the global one.
package metrics

import (
	"context"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Buckets are the upper bounds, in seconds, of weft_job_duration_seconds:
// from a millisecond (a job of `true`) to four hours (a build, a render).
var Buckets = []float64{0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 600, 1800, 3600, 7200, 14400}

// Status is how a job a worker started ended, as weft_jobs_total counts it.
type Status int

const (
	Succeeded Status = iota // exit status 0
	Failed                  // any other exit status, a signal, or no shell
	Stopped                 // stopped because the worker stops: handed back, not counted
)

// Worker holds the metrics of one weft worker. A nil *Worker is valid and
// records nothing, so that a worker without --metrics pays nothing. Its
// methods are safe for concurrent use by multiple goroutines.
type Worker struct {
	reg                                              *prometheus.Registry
	h                                                http.Handler
	started, succeeded, failed, redelivered, givenUp prometheus.Counter
	running                                          prometheus.Gauge
	duration                                         prometheus.Observer
	up                                               prometheus.Gauge
}

// NewWorker returns the metrics of the worker named worker taking jobs from
// stream, in a registry of their own with the Go runtime's and the
// process's collectors. The worker starts as up (connected).
func NewWorker(stream, worker string) *Worker {
	labels := prometheus.Labels{"stream": stream, "worker": worker}
	jobs := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "weft_jobs_total",
		Help: "Jobs this worker took, by status: started, succeeded, failed, redelivered (delivered before, to this worker or another), given_up (delivered too often without a report, reported failed by this worker).",
	}, []string{"stream", "worker", "status"}).MustCurryWith(labels)
	running := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "weft_jobs_running",
		Help: "Jobs running on this worker now.",
	}, []string{"stream", "worker"})
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "weft_job_duration_seconds",
		Help:    "How long each job this worker finished ran, retries included.",
		Buckets: Buckets,
	}, []string{"stream", "worker"})
	up := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "weft_worker_up",
		Help: "1 while this worker is connected to its NATS server, 0 while the server is unreachable.",
	}, []string{"stream", "worker"})
	reg := prometheus.NewRegistry()
	reg.MustRegister(jobs, running, duration, up,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	w := &Worker{
		reg:         reg,
		h:           promhttp.HandlerFor(reg, promhttp.HandlerOpts{}),
		started:     jobs.WithLabelValues("started"),
		succeeded:   jobs.WithLabelValues("succeeded"),
		failed:      jobs.WithLabelValues("failed"),
		redelivered: jobs.WithLabelValues("redelivered"),
		givenUp:     jobs.WithLabelValues("given_up"),
		running:     running.With(labels),
		duration:    duration.With(labels),
		up:          up.With(labels),
	}
	w.up.Set(1)
	return w
}

// Redelivered counts a job this worker got that was delivered before
// (attempt is its delivery, from 1); it counts nothing for a first delivery.
func (w *Worker) Redelivered(attempt int) {
	if w != nil && attempt > 1 {
		w.redelivered.Inc()
	}
}

// Started counts a job that starts running.
func (w *Worker) Started() {
	if w != nil {
		w.started.Inc()
		w.running.Inc()
	}
}

// Finished records the end of a job Started counted: how long it ran and
// how it ended. A Stopped job is no longer running and counts nowhere else.
func (w *Worker) Finished(elapsed time.Duration, s Status) {
	if w == nil {
		return
	}
	w.running.Dec()
	switch s {
	case Succeeded:
		w.succeeded.Inc()
	case Failed:
		w.failed.Inc()
	default:
		return
	}
	w.duration.Observe(elapsed.Seconds())
}

// GivenUp counts a job that was delivered too often without a report, which
// this worker reported as failed.
func (w *Worker) GivenUp() {
	if w != nil {
		w.givenUp.Inc()
	}
}

// SetUp records whether the server is reachable.
func (w *Worker) SetUp(up bool) {
	if w == nil {
		return
	}
	v := 0.0
	if up {
		v = 1
	}
	w.up.Set(v)
}

// Gatherer is the worker's registry, for tests and for other handlers.
func (w *Worker) Gatherer() prometheus.Gatherer { return w.reg }

// ServeHTTP writes the worker's metrics in the Prometheus exposition
// format.
func (w *Worker) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	w.h.ServeHTTP(rw, r)
}

// Listen serves w's metrics at /metrics on addr (host:port; port 0: any
// free one), and returns the address it listens on and a function that
// stops serving and waits until the serving goroutine has returned.
func (w *Worker) Listen(addr string) (stop func(), bound net.Addr, err error) {
	return listen(addr, w)
}

// listen serves h at /metrics on addr until stop is called.
func listen(addr string, h http.Handler) (stop func(), bound net.Addr, err error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, err
	}
	mux := http.NewServeMux()
	Mount(mux, h)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	var wg sync.WaitGroup
	// Serve returns http.ErrServerClosed once stopped; any other error
	// ends the metrics alone, not the jobs.
	wg.Go(func() { srv.Serve(l) })
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if srv.Shutdown(ctx) != nil {
			srv.Close()
		}
		wg.Wait()
	}, l.Addr(), nil
}

// Mount serves h at GET /metrics on mux.
func Mount(mux *http.ServeMux, h http.Handler) {
	mux.Handle("GET /metrics", h)
}
