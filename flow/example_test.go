package flow_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/weft-dev/weft/flow"
)

// Example shows the fan-out/fan-in pattern: several workers square numbers
// from one source, and one loop gathers the results.
func Example() {
	ctx := context.Background()
	squares := flow.Map(ctx, flow.FromSlice([]int{1, 2, 3, 4, 5}), 3, func(_ context.Context, n int) (int, error) {
		return n * n, nil
	})
	var got []int
	for sq, err := range squares {
		if err != nil {
			fmt.Println(err)
			return
		}
		got = append(got, sq)
	}
	slices.Sort(got) // fan-in yields results as they complete
	fmt.Println(got)
	// Output: [1 4 9 16 25]
}

// Example_errorStopsEverything shows a three-stage pipeline (parse, check,
// store) in which one bad record stops the whole pipeline: ForEach returns
// the first error, and every stage's goroutines have exited by then.
func Example_errorStopsEverything() {
	ctx := context.Background()
	records := flow.FromSlice([]string{"1", "2", "x", "4", "5"})
	parsed := flow.OrderedMap(ctx, records, 2, func(_ context.Context, s string) (int, error) {
		var n int
		_, err := fmt.Sscan(s, &n)
		if err != nil {
			return 0, fmt.Errorf("parse %q: %w", s, errors.ErrUnsupported)
		}
		return n, nil
	})
	checked := flow.Filter(ctx, parsed, func(_ context.Context, n int) (bool, error) { return n > 0, nil })
	err := flow.ForEach(ctx, checked, 2, func(_ context.Context, n int) error {
		return nil // store n
	})
	fmt.Println(err)
	// Output: parse "x": unsupported operation
}

// ExampleOrderedMap shows an ordered parallel map: items are processed
// concurrently and come out in input order.
func ExampleOrderedMap() {
	ctx := context.Background()
	words := flow.FromSlice(strings.Fields("share memory by communicating"))
	upper := flow.OrderedMap(ctx, words, 4, func(_ context.Context, w string) (string, error) {
		return strings.ToUpper(w), nil
	})
	got, err := flow.Collect(upper)
	fmt.Println(got, err)
	// Output: [SHARE MEMORY BY COMMUNICATING] <nil>
}

// ExampleBatch shows batching by size and by time: a batch is yielded when
// it holds 3 values or 20ms after its first value, whichever comes first.
func ExampleBatch() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events := make(chan int)
	go func() {
		defer close(events)
		for i := 1; i <= 4; i++ {
			events <- i // 1, 2, 3 fill a batch; 4 waits for the timer
		}
		time.Sleep(300 * time.Millisecond)
		events <- 5
	}()
	for batch, err := range flow.Batch(flow.FromChan(ctx, events), 3, 20*time.Millisecond) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(batch)
	}
	// Output:
	// [1 2 3]
	// [4]
	// [5]
}

// ExampleMerge shows merging channels: values from every channel, as they
// come; the loop ends when all of them are closed.
func ExampleMerge() {
	ctx := context.Background()
	a, b := make(chan string, 2), make(chan string, 1)
	a <- "a1"
	a <- "a2"
	b <- "b1"
	close(a)
	close(b)
	got, err := flow.Collect(flow.Merge(ctx, flow.FromChan(ctx, a), flow.FromChan(ctx, b)))
	slices.Sort(got)
	fmt.Println(got, err)
	// Output: [a1 a2 b1] <nil>
}
