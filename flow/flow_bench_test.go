package flow_test

import (
	"context"
	"sync"
	"testing"

	"github.com/weft-dev/weft/flow"
)

const (
	benchItems   = 300_000
	benchWorkers = 4
)

func ident(_ context.Context, v int) (int, error) { return v, nil }

// handMap is the hand-written baseline: a feeder goroutine, workers reading
// a jobs channel, a results channel closed when the workers are done.
func handMap(n, workers int, f func(context.Context, int) (int, error)) int {
	ctx := context.Background()
	jobs := make(chan int, workers)
	results := make(chan int, workers)
	go func() {
		defer close(jobs)
		for i := range n {
			jobs <- i
		}
	}()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for v := range jobs {
				r, _ := f(ctx, v)
				results <- r
			}
		})
	}
	go func() {
		wg.Wait()
		close(results)
	}()
	sum := 0
	for r := range results {
		sum += r
	}
	return sum
}

func upTo(n int) flow.Stream[int] {
	return func(yield func(int, error) bool) {
		for i := range n {
			if !yield(i, nil) {
				return
			}
		}
	}
}

// BenchmarkMap maps 300,000 no-op items on 4 workers: the hand-written
// fan-out/fan-in, Map and OrderedMap, in one run. One op is one item.
func BenchmarkMap(b *testing.B) {
	want := benchItems * (benchItems - 1) / 2
	run := func(b *testing.B, mapper func() int) {
		b.ReportAllocs()
		for b.Loop() {
			if got := mapper(); got != want {
				b.Fatalf("sum %d; want %d", got, want)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchItems), "ns/item")
		b.ReportMetric(0, "ns/op")
	}
	sum := func(s flow.Stream[int]) int {
		t := 0
		for v, err := range s {
			if err != nil {
				b.Fatal(err)
			}
			t += v
		}
		return t
	}
	ctx := context.Background()
	b.Run("impl=channel", func(b *testing.B) {
		run(b, func() int { return handMap(benchItems, benchWorkers, ident) })
	})
	b.Run("impl=map", func(b *testing.B) {
		run(b, func() int { return sum(flow.Map(ctx, upTo(benchItems), benchWorkers, ident)) })
	})
	b.Run("impl=ordered", func(b *testing.B) {
		run(b, func() int { return sum(flow.OrderedMap(ctx, upTo(benchItems), benchWorkers, ident)) })
	})
}
