package flow_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/weft-dev/weft/flow"
)

const benchItems = 300_000

func ident(_ context.Context, v int) (int, error) { return v, nil }

// spin does about a microsecond of work on the benchmark machine (the
// calibration is in BenchmarkSpin) and returns v, so that the result can be
// checked.
func spin(_ context.Context, v int) (int, error) {
	x := uint64(v) | 1
	for range spinRounds {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
	}
	if x == 0 { // never: xorshift keeps a non-zero state non-zero
		return 0, fmt.Errorf("spin: %d", v)
	}
	return v, nil
}

const spinRounds = 500

// BenchmarkSpin calibrates spin: one op is one call.
func BenchmarkSpin(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		spin(nil, i)
	}
}

// handMap is the hand-written fan-out/fan-in: a feeder goroutine sends on a
// jobs channel, workers send results on a results channel, closed once the
// workers are done; both channels have the given buffer.
func handMap(n, workers, buffer int, f func(context.Context, int) (int, error)) int {
	ctx := context.Background()
	jobs := make(chan int, buffer)
	results := make(chan int, buffer)
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

// BenchmarkMap maps 300,000 items on 2, 4 and 16 workers, each item either
// a no-op or about a microsecond of work: the hand-written fan-out/fan-in
// with channels of buffer 0, workers and 64, then Map and OrderedMap, in one
// run. One op is one item; compare with benchstat -col /impl.
func BenchmarkMap(b *testing.B) {
	want := benchItems * (benchItems - 1) / 2
	ctx := context.Background()
	sum := func(b *testing.B, s flow.Stream[int]) int {
		t := 0
		for v, err := range s {
			if err != nil {
				b.Fatal(err)
			}
			t += v
		}
		return t
	}
	ordered := func(b *testing.B, s flow.Stream[int]) int {
		t, next := 0, 0
		for v, err := range s {
			if err != nil {
				b.Fatal(err)
			}
			if v != next {
				b.Fatalf("got %d; want %d: out of order", v, next)
			}
			next++
			t += v
		}
		return t
	}
	for _, work := range []struct {
		name string
		f    func(context.Context, int) (int, error)
	}{{"noop", ident}, {"1us", spin}} {
		for _, workers := range []int{2, 4, 16} {
			impls := []struct {
				name string
				run  func(b *testing.B) int
			}{
				{"channel0", func(*testing.B) int { return handMap(benchItems, workers, 0, work.f) }},
				{"channelW", func(*testing.B) int { return handMap(benchItems, workers, workers, work.f) }},
				{"channel64", func(*testing.B) int { return handMap(benchItems, workers, 64, work.f) }},
				{"map", func(b *testing.B) int { return sum(b, flow.Map(ctx, upTo(benchItems), workers, work.f)) }},
				{"ordered", func(b *testing.B) int { return ordered(b, flow.OrderedMap(ctx, upTo(benchItems), workers, work.f)) }},
			}
			for _, impl := range impls {
				b.Run(fmt.Sprintf("work=%s/workers=%d/impl=%s", work.name, workers, impl.name), func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						if got := impl.run(b); got != want {
							b.Fatalf("sum %d; want %d", got, want)
						}
					}
					b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchItems), "ns/item")
					b.ReportMetric(0, "ns/op")
				})
			}
		}
	}
}
