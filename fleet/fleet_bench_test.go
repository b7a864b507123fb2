package fleet_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/weft-dev/weft/fleet"
)

// benchConnect returns a connection to srv as role over loopback TCP (with
// the credentials As finds, or those in creds), or in process.
func benchConnect(b *testing.B, srv *fleet.Server, transport string, role fleet.Role, creds string) jetstream.JetStream {
	b.Helper()
	var js jetstream.JetStream
	var err error
	switch {
	case transport == "inproc":
		js, err = srv.ConnectInProcess(role)
	case creds != "":
		js, err = fleet.Connect(context.Background(), srv.URL(), fleet.WithCredentials(creds))
	default:
		js, err = fleet.Connect(context.Background(), srv.URL(), fleet.As(role))
	}
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(js.Conn().Close)
	return js
}

// rawWorker is the baseline: a plain JetStream pull worker on a durable
// consumer, acking each message, as one would write it by hand.
func rawWorker(b *testing.B, ctx context.Context, js jetstream.JetStream, handle func(jetstream.Msg)) func() {
	b.Helper()
	c, err := js.CreateOrUpdateConsumer(context.Background(), "jobs", jetstream.ConsumerConfig{Durable: "raw", AckPolicy: jetstream.AckExplicitPolicy, MaxAckPending: 1000})
	if err != nil {
		b.Fatal(err)
	}
	it, err := c.Messages()
	if err != nil {
		b.Fatal(err)
	}
	context.AfterFunc(ctx, it.Stop)
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			msg, err := it.Next()
			if err != nil {
				return
			}
			handle(msg)
			msg.Ack()
		}
	})
	return wg.Wait
}

// BenchmarkThroughput drains pre-published no-op jobs through 1, 2 and 4
// workers, each on its own connection to an embedded server without
// authentication or TLS, over loopback TCP or in process: fleet's Worker
// (each with 16 handlers at once, decoding each job's JSON payload) against
// a plain JetStream work queue whose pull workers ack each message
// (impl=jetstream), and the same that also decodes the payload
// (impl=jetstream-json), in the same run. One op is one job; jobs/s is
// reported.
func BenchmarkThroughput(b *testing.B) {
	for _, transport := range []string{"tcp", "inproc"} {
		for _, workers := range []int{1, 2, 4} {
			for _, impl := range []string{"jetstream", "jetstream-json", "fleet"} {
				b.Run(fmt.Sprintf("transport=%s/workers=%d/impl=%s", transport, workers, impl), func(b *testing.B) {
					srv, _ := benchServer(b, "none")
					benchThroughput(b, srv, "", transport, workers, impl)
				})
			}
		}
	}
}

// BenchmarkSecurity is BenchmarkThroughput's fleet over loopback TCP, on a
// server without authentication or TLS (security=none), with
// authentication alone (security=auth: each connection a submitter's or a
// worker's, with their permissions), and with authentication and TLS, as
// servers are by default (security=auth+tls), in the same run; and, to
// tell what the permissions cost, with authentication and workers holding
// an admin's credential, which has no permissions for the server to check
// (security=auth-admin).
func BenchmarkSecurity(b *testing.B) {
	for _, workers := range []int{1, 2, 4} {
		for _, security := range []string{"none", "auth-admin", "auth", "auth+tls"} {
			b.Run(fmt.Sprintf("workers=%d/security=%s", workers, security), func(b *testing.B) {
				srv, dir := benchServer(b, security)
				var creds string
				if security == "auth-admin" {
					data, err := fleet.Credentials(dir, fleet.RoleAdmin, fleet.CredentialsConfig{})
					if err != nil {
						b.Fatal(err)
					}
					creds = filepath.Join(b.TempDir(), "admin.creds")
					if err := os.WriteFile(creds, data, 0o600); err != nil {
						b.Fatal(err)
					}
				}
				benchThroughput(b, srv, creds, "tcp", workers, "fleet")
			})
		}
	}
}

// benchServer starts an embedded server for one benchmark, and returns it
// with its store directory. With authentication, the server sets the stream
// set "jobs" up; without, the first producer and worker create the job
// stream and its consumer, with the same configuration.
func benchServer(b *testing.B, security string) (*fleet.Server, string) {
	b.Helper()
	cfg := fleet.ServerConfig{Dir: b.TempDir(), Streams: []fleet.StreamConfig{{Name: "jobs"}}}
	switch security {
	case "none":
		cfg.InsecureNoAuth, cfg.InsecureNoTLS, cfg.Streams = true, true, nil
	case "auth", "auth-admin":
		cfg.InsecureNoTLS = true
	}
	srv, err := fleet.StartServer(cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(srv.Shutdown)
	return srv, cfg.Dir
}

// benchThroughput measures how fast workers drain jobs; they connect with
// the credentials in workerCreds if given.
func benchThroughput(b *testing.B, srv *fleet.Server, workerCreds, transport string, workers int, impl string) {
	b.ReportAllocs()
	ctx := context.Background()
	pubJS := benchConnect(b, srv, transport, fleet.RoleSubmitter, "")
	if _, err := fleet.NewProducer[work](ctx, pubJS, "jobs", nil); err != nil { // creates the stream, or finds it
		b.Fatal(err)
	}
	// The jobs are published before the clock starts, asynchronously (the
	// same messages Submit would publish, with their IDs), as the drain is
	// what is measured.
	for i := range b.N {
		// A loaded machine may take a while to store the window ahead.
		if _, err := pubJS.PublishAsync("jobs.jobs", fmt.Appendf(nil, `{"N":%d}`, i), jetstream.WithMsgID(fmt.Sprint("job-", i)), jetstream.WithStallWait(time.Minute)); err != nil {
			b.Fatal(err)
		}
	}
	select {
	case <-pubJS.PublishAsyncComplete():
	case <-time.After(time.Minute):
		b.Fatal("publishing the jobs took more than a minute")
	}
	var done atomic.Int64
	all := make(chan struct{})
	count := func() {
		if done.Add(1) == int64(b.N) {
			close(all)
		}
	}
	runCtx, cancel := context.WithCancel(ctx)
	var stops []func()
	b.ResetTimer()
	start := time.Now()
	for range workers {
		js := benchConnect(b, srv, transport, fleet.RoleWorker, workerCreds)
		switch impl {
		case "jetstream":
			stops = append(stops, rawWorker(b, runCtx, js, func(jetstream.Msg) { count() }))
			continue
		case "jetstream-json":
			stops = append(stops, rawWorker(b, runCtx, js, func(m jetstream.Msg) {
				var w work
				if err := json.Unmarshal(m.Data(), &w); err != nil {
					panic(err)
				}
				count()
			}))
			continue
		}
		w, err := fleet.NewWorker(ctx, js, "jobs", 16, func(context.Context, fleet.Job[work]) error { count(); return nil }, fleet.WorkerConfig{})
		if err != nil {
			b.Fatal(err)
		}
		var wg sync.WaitGroup
		wg.Go(func() { w.Run(runCtx) })
		stops = append(stops, wg.Wait)
	}
	<-all
	elapsed := time.Since(start)
	b.StopTimer()
	cancel()
	for _, stop := range stops {
		stop()
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "jobs/s")
}

// BenchmarkLatency measures the time from submit to start: one op submits a
// job to an idle worker and waits until its handler starts. fleet's
// Producer and Worker against a plain publish and pull worker, in the same
// run, over loopback TCP or in process, on a server without authentication
// or TLS.
func BenchmarkLatency(b *testing.B) {
	for _, transport := range []string{"tcp", "inproc"} {
		for _, impl := range []string{"jetstream", "fleet"} {
			b.Run(fmt.Sprintf("transport=%s/impl=%s", transport, impl), func(b *testing.B) {
				b.ReportAllocs()
				srv, _ := benchServer(b, "none")
				ctx := context.Background()
				pubJS := benchConnect(b, srv, transport, fleet.RoleSubmitter, "")
				p, err := fleet.NewProducer[work](ctx, pubJS, "jobs", nil)
				if err != nil {
					b.Fatal(err)
				}
				started := make(chan struct{})
				runCtx, cancel := context.WithCancel(ctx)
				var stop func()
				js := benchConnect(b, srv, transport, fleet.RoleWorker, "")
				if impl == "jetstream" {
					stop = rawWorker(b, runCtx, js, func(jetstream.Msg) { started <- struct{}{} })
				} else {
					w, err := fleet.NewWorker(ctx, js, "jobs", 1, func(context.Context, fleet.Job[work]) error { started <- struct{}{}; return nil }, fleet.WorkerConfig{})
					if err != nil {
						b.Fatal(err)
					}
					var wg sync.WaitGroup
					wg.Go(func() { w.Run(runCtx) })
					stop = wg.Wait
				}
				b.ResetTimer()
				for i := range b.N {
					if impl == "jetstream" {
						if _, err := pubJS.Publish(ctx, "jobs.jobs", []byte(`{"N":1}`), jetstream.WithMsgID(fmt.Sprint("job-", i))); err != nil {
							b.Fatal(err)
						}
					} else if err := p.Submit(ctx, fmt.Sprint("job-", i), work{N: i}); err != nil {
						b.Fatal(err)
					}
					<-started
				}
				b.StopTimer()
				cancel()
				stop()
			})
		}
	}
}
