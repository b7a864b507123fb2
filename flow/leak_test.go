package flow_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/weft-dev/weft/flow"
)

const leakItems = 12

// stages builds every stage over in with the callback f, so that the leak
// tests can run each one the same way.
func stages() map[string]func(ctx context.Context, in flow.Stream[int], f func(context.Context, int) (int, error)) flow.Stream[int] {
	type fn = func(context.Context, int) (int, error)
	return map[string]func(context.Context, flow.Stream[int], fn) flow.Stream[int]{
		"Map": func(ctx context.Context, in flow.Stream[int], f fn) flow.Stream[int] { return flow.Map(ctx, in, 2, f) },
		"OrderedMap": func(ctx context.Context, in flow.Stream[int], f fn) flow.Stream[int] {
			return flow.OrderedMap(ctx, in, 3, f)
		},
		"FlatMap": func(ctx context.Context, in flow.Stream[int], f fn) flow.Stream[int] {
			return flow.FlatMap(ctx, in, 2, func(ctx context.Context, v int) ([]int, error) {
				r, err := f(ctx, v)
				return []int{r, r}, err
			})
		},
		"Partition": func(ctx context.Context, in flow.Stream[int], f fn) flow.Stream[int] {
			return flow.Partition(ctx, in, 3, func(v int) int { return v % 4 }, f)
		},
		"Filter": func(ctx context.Context, in flow.Stream[int], f fn) flow.Stream[int] {
			return flow.Filter(ctx, in, func(ctx context.Context, v int) (bool, error) {
				_, err := f(ctx, v)
				return v%3 != 0, err
			})
		},
		"Batch/size": func(ctx context.Context, in flow.Stream[int], f fn) flow.Stream[int] {
			return flow.Unbatch(flow.Batch(flow.Map(ctx, in, 2, f), 3, 0))
		},
		"Batch/time": func(ctx context.Context, in flow.Stream[int], f fn) flow.Stream[int] {
			return flow.Unbatch(flow.Batch(flow.Map(ctx, in, 2, f), 3, time.Millisecond))
		},
		"Merge": func(ctx context.Context, in flow.Stream[int], f fn) flow.Stream[int] {
			return flow.Merge(ctx, flow.Map(ctx, in, 2, f), flow.FromSlice([]int{100, 101}))
		},
		"Throttle": func(ctx context.Context, in flow.Stream[int], f fn) flow.Stream[int] {
			return flow.Throttle(ctx, flow.OrderedMap(ctx, in, 2, f), &countingWaiter{})
		},
		"Chain": func(ctx context.Context, in flow.Stream[int], f fn) flow.Stream[int] {
			sum := flow.Map(ctx, flow.Batch(in, 2, 0), 2, func(ctx context.Context, b []int) (int, error) {
				s := 0
				for _, v := range b {
					r, err := f(ctx, v)
					if err != nil {
						return 0, err
					}
					s += r
				}
				return s, nil
			})
			return flow.OrderedMap(ctx, sum, 2, plain)
		},
		"Tee": func(ctx context.Context, in flow.Stream[int], f fn) flow.Stream[int] {
			// Two branches, merged back: every branch is ranged.
			b := flow.Tee(ctx, flow.Map(ctx, in, 2, f), 2, 1)
			return flow.Merge(ctx, b[0], b[1])
		},
	}
}

func plain(_ context.Context, v int) (int, error) { return v, nil }

// TestNoLeakOnBreak breaks out of every stage at every position and checks
// that no goroutine is left behind.
func TestNoLeakOnBreak(t *testing.T) {
	for name, build := range stages() {
		for stop := 0; stop <= leakItems; stop++ {
			n := 0
			for range build(context.Background(), flow.FromSlice(ints(leakItems)), plain) {
				if n == stop {
					break
				}
				n++
			}
			if err := goleak.Find(); err != nil {
				t.Fatalf("%s, break after %d: %v", name, stop, err)
			}
		}
	}
}

// TestNoLeakOnCancel cancels the context part-way and ranges on: the stream
// must end, and leave nothing behind.
func TestNoLeakOnCancel(t *testing.T) {
	for name, build := range stages() {
		for at := 0; at < leakItems; at += 3 {
			ctx, cancel := context.WithCancel(context.Background())
			n := 0
			f := func(ctx context.Context, v int) (int, error) {
				if v == at {
					cancel()
				}
				return v, nil
			}
			for range build(ctx, flow.FromSlice(ints(leakItems)), f) {
				n++
			}
			cancel()
			if err := goleak.Find(); err != nil {
				t.Fatalf("%s, cancel at %d: %v", name, at, err)
			}
		}
	}
}

// TestNoLeakOnErrorOrPanic fails or panics in the callback at random items,
// consuming both to the end and with a sink that stops at the first error.
func TestNoLeakOnErrorOrPanic(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for name, build := range stages() {
		for round := range 6 {
			bad := rng.IntN(leakItems)
			f := func(_ context.Context, v int) (int, error) {
				if v == bad {
					if round%2 == 0 {
						panic(fmt.Sprint("panic at ", v))
					}
					return 0, errBad
				}
				return v, nil
			}
			sawErr := false
			for _, err := range build(context.Background(), flow.FromSlice(ints(leakItems)), f) {
				sawErr = sawErr || err != nil
			}
			_, err := flow.Collect(build(context.Background(), flow.FromSlice(ints(leakItems)), f))
			if !sawErr || err == nil {
				t.Errorf("%s, failure at %d: error seen while ranging %v, Collect error %v; want both", name, bad, sawErr, err)
			}
			if err := goleak.Find(); err != nil {
				t.Fatalf("%s, failure at %d: %v", name, bad, err)
			}
		}
	}
}

// TestNoLeakWhenTheLoopBodyPanics panics in the consumer's loop body: the
// panic reaches the consumer, and the pipeline's goroutines are gone.
func TestNoLeakWhenTheLoopBodyPanics(t *testing.T) {
	for name, build := range stages() {
		func() {
			defer func() {
				if v := recover(); v != "consumer" {
					t.Errorf("%s: recovered %v; want the consumer's panic", name, v)
				}
			}()
			for range build(context.Background(), flow.FromSlice(ints(leakItems)), plain) {
				panic("consumer")
			}
		}()
		if err := goleak.Find(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
}
