package metrics

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/weft-dev/weft/fleet"
)

// Server is the http.Handler of a server's metrics, for weft serve. For
// each stream it serves:
//
//   - weft_queue_jobs{stream}: jobs waiting for a worker, and
//     weft_jobs_running{stream}: jobs handed to a worker and not yet
//     acknowledged (running, or pulled ahead by a worker), both read from
//     the job stream's consumer when the metrics are scraped;
//   - weft_jobs_total{stream,worker,status}: the jobs each worker reported
//     as succeeded or failed, counted by following the results stream with
//     an ordered consumer from its start (so the results kept, 24 hours,
//     are counted again after a restart, as a counter reset). Its memory
//     is a pair of counts per worker name, whatever the number of runs and
//     jobs.
//
// Its methods are safe for concurrent use by multiple goroutines.
type Server struct {
	js      jetstream.JetStream
	streams []string
	h       http.Handler
	follows []jetstream.ConsumeContext

	queue, running, jobs *prometheus.Desc

	mu     sync.Mutex
	counts map[reporter]*[2]float64 // succeeded, failed

	counted func() // if set, called after each result taken (for tests)
}

// reporter is a worker of a stream.
type reporter struct{ stream, worker string }

// NewServer returns the metrics of the given streams of the server js is
// connected to, once it has counted the results the server keeps, and
// goes on following them. The connection needs
// to read the job streams' consumers and to create consumers on the
// results streams: weft serve's own (fleet.Server.ConnectInProcess with
// fleet.RoleAdmin) may. Close stops following.
func NewServer(ctx context.Context, js jetstream.JetStream, streams []string) (*Server, error) {
	return newServer(ctx, js, streams, nil, nil)
}

// NewServerFed is NewServer for streams and fed, except that it does not
// follow the results of the streams in fed: whoever calls it hands each
// of their reports to Count instead, from the stream's start (weft serve's
// dashboard, which follows them already).
func NewServerFed(ctx context.Context, js jetstream.JetStream, streams, fed []string) (*Server, error) {
	return newServer(ctx, js, streams, fed, nil)
}

// Count counts one message of stream's results stream (see NewServerFed).
func (s *Server) Count(stream string, data []byte) { s.take(stream, data) }

// newServer is NewServerFed, calling counted after each result it takes.
func newServer(ctx context.Context, js jetstream.JetStream, streams, fed []string, counted func()) (*Server, error) {
	s := &Server{
		js: js, streams: streams, counts: map[reporter]*[2]float64{}, counted: counted,
		queue:   prometheus.NewDesc("weft_queue_jobs", "Jobs waiting in the stream for a worker.", []string{"stream"}, nil),
		running: prometheus.NewDesc("weft_jobs_running", "Jobs handed to a worker and not yet acknowledged: running, or pulled ahead by the worker.", []string{"stream"}, nil),
		jobs:    prometheus.NewDesc("weft_jobs_total", "Jobs the workers reported, by worker and status (succeeded, failed), among the results the server keeps.", []string{"stream", "worker", "status"}, nil),
	}
	s.streams = append(slices.Clone(streams), fed...)
	for _, name := range streams {
		if err := s.follow(ctx, name); err != nil {
			s.Close()
			return nil, err
		}
	}
	reg := prometheus.NewRegistry()
	if err := reg.Register(s); err != nil {
		s.Close()
		return nil, err
	}
	s.h = promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
	return s, nil
}

// result is what the counts need of a remote.Result.
type result struct {
	Skipped       bool   `json:"skipped"`
	Host          string `json:"host"`
	Exit          int    `json:"exit"`
	Signal        int    `json:"signal"`
	FailedToStart string `json:"failed_to_start"`
}

// follow counts the reports of stream's results stream, from its start.
func (s *Server) follow(ctx context.Context, stream string) error {
	set, err := fleet.Open(ctx, s.js, stream)
	if err != nil {
		return fmt.Errorf("metrics of stream %s: %w", stream, err)
	}
	cons, err := s.js.OrderedConsumer(ctx, set.Results.CachedInfo().Config.Name, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{stream + ".results.>"},
	})
	if err != nil {
		return fmt.Errorf("metrics of stream %s: following its results: %w", stream, err)
	}
	// The results kept when it starts are counted before NewServer returns.
	kept := cons.CachedInfo().NumPending
	var seen atomic.Uint64
	caughtUp := make(chan struct{})
	if kept == 0 {
		close(caughtUp)
	}
	cc, err := cons.Consume(func(m jetstream.Msg) {
		s.take(stream, m.Data())
		if s.counted != nil {
			s.counted()
		}
		if seen.Add(1) == kept {
			close(caughtUp)
		}
	})
	if err != nil {
		return fmt.Errorf("metrics of stream %s: following its results: %w", stream, err)
	}
	s.follows = append(s.follows, cc)
	select {
	case <-caughtUp:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("metrics of stream %s: counting the %d results kept: %w", stream, kept, ctx.Err())
	}
}

// take counts one report of stream's results.
func (s *Server) take(stream string, data []byte) {
	var r result
	if json.Unmarshal(data, &r) != nil || r.Skipped {
		return // not a report, or a job handed back unrun
	}
	i := 0
	if r.Exit != 0 || r.Signal != 0 || r.FailedToStart != "" {
		i = 1
	}
	k := reporter{stream, r.Host}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.counts[k]
	if c == nil {
		c = new([2]float64)
		s.counts[k] = c
	}
	c[i]++
}

// ServeHTTP writes the metrics in the Prometheus exposition format.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.h.ServeHTTP(w, r) }

// Close stops following the results, and waits until no report is being
// counted.
func (s *Server) Close() {
	for _, cc := range s.follows {
		cc.Stop()
	}
	for _, cc := range s.follows {
		<-cc.Closed()
	}
	s.follows = nil
}

// Describe sends the descriptions of the server's metrics.
func (s *Server) Describe(ch chan<- *prometheus.Desc) {
	ch <- s.queue
	ch <- s.running
	ch <- s.jobs
}

// Collect reads each job stream's consumer and sends the metrics. A stream
// whose consumer cannot be read gives an error for that stream alone.
func (s *Server) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, stream := range s.streams {
		c, err := s.js.Consumer(ctx, stream, stream)
		if err != nil {
			ch <- prometheus.NewInvalidMetric(s.queue, fmt.Errorf("reading the consumer of stream %s: %w", stream, err))
			continue
		}
		info := c.CachedInfo()
		ch <- prometheus.MustNewConstMetric(s.queue, prometheus.GaugeValue, float64(info.NumPending), stream)
		ch <- prometheus.MustNewConstMetric(s.running, prometheus.GaugeValue, float64(info.NumAckPending), stream)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, c := range s.counts {
		ch <- prometheus.MustNewConstMetric(s.jobs, prometheus.CounterValue, c[0], k.stream, k.worker, "succeeded")
		ch <- prometheus.MustNewConstMetric(s.jobs, prometheus.CounterValue, c[1], k.stream, k.worker, "failed")
	}
}
