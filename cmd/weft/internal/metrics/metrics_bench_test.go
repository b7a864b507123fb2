package metrics

import (
	"testing"
	"time"
)

// BenchmarkWorkerJob is what a worker records for one job (a delivery
// checked for redelivery, started, finished with its duration), with
// metrics on against off (a nil *Worker: the baseline, what a worker
// without --metrics runs), on as many goroutines as GOMAXPROCS.
func BenchmarkWorkerJob(b *testing.B) {
	for _, on := range []bool{false, true} {
		name := "metrics=off"
		var w *Worker
		if on {
			name, w = "metrics=on", NewWorker("weft", "w1")
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					w.Redelivered(1)
					w.Started()
					w.Finished(3*time.Millisecond, Succeeded)
				}
			})
		})
	}
}
