package fleet_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/weft-dev/weft/fleet"
)

// BenchmarkThroughput drains pre-published no-op jobs through 1, 2 and 4
// workers over loopback TCP to an embedded server: fleet's Worker (each with
// 16 handlers at once) against a plain JetStream work queue whose pull
// workers ack each message, in the same run. One op is one job; jobs/s is
// reported.
func BenchmarkThroughput(b *testing.B) {
	for _, workers := range []int{1, 2, 4} {
		for _, impl := range []string{"jetstream", "fleet"} {
			b.Run(fmt.Sprintf("workers=%d/impl=%s", workers, impl), func(b *testing.B) {
				srv, err := fleet.StartServer(fleet.ServerConfig{Dir: b.TempDir()})
				if err != nil {
					b.Fatal(err)
				}
				defer srv.Shutdown()
				ctx := context.Background()
				pubJS, err := fleet.Connect(ctx, srv.URL())
				if err != nil {
					b.Fatal(err)
				}
				defer pubJS.Conn().Close()
				p, err := fleet.NewProducer[work](ctx, pubJS, "jobs", nil)
				if err != nil {
					b.Fatal(err)
				}
				for i := range b.N {
					if err := p.Submit(ctx, fmt.Sprint("job-", i), work{N: i}); err != nil {
						b.Fatal(err)
					}
				}
				var done atomic.Int64
				all := make(chan struct{})
				count := func() {
					if done.Add(1) == int64(b.N) {
						close(all)
					}
				}
				runCtx, cancel := context.WithCancel(ctx)
				var wg sync.WaitGroup
				b.ResetTimer()
				start := time.Now()
				for range workers {
					js, err := fleet.Connect(ctx, srv.URL())
					if err != nil {
						b.Fatal(err)
					}
					defer js.Conn().Close()
					if impl == "fleet" {
						w, err := fleet.NewWorker(ctx, js, "jobs", 16, func(context.Context, fleet.Job[work]) error { count(); return nil }, fleet.WorkerConfig{})
						if err != nil {
							b.Fatal(err)
						}
						wg.Go(func() { w.Run(runCtx) })
						continue
					}
					c, err := js.CreateOrUpdateConsumer(ctx, "jobs", jetstream.ConsumerConfig{Durable: "raw", AckPolicy: jetstream.AckExplicitPolicy, MaxAckPending: 1000})
					if err != nil {
						b.Fatal(err)
					}
					it, err := c.Messages()
					if err != nil {
						b.Fatal(err)
					}
					context.AfterFunc(runCtx, it.Stop)
					wg.Go(func() {
						for {
							msg, err := it.Next()
							if err != nil {
								return
							}
							msg.Ack()
							count()
						}
					})
				}
				<-all
				elapsed := time.Since(start)
				b.StopTimer()
				cancel()
				wg.Wait()
				b.ReportMetric(float64(b.N)/elapsed.Seconds(), "jobs/s")
			})
		}
	}
}
