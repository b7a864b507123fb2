package errgroup_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/weft-dev/weft/errgroup"
)

// Example shows fan-out with the first error: the failing lookup cancels
// the others' Context, with its error as the cause, and Wait returns it.
func Example() {
	errNotFound := errors.New("not found")
	g, ctx := errgroup.WithContext(context.Background())
	g.SetLimit(3)
	for _, name := range []string{"a", "bad", "c"} {
		g.Go(func() error {
			if name == "bad" {
				return fmt.Errorf("lookup %s: %w", name, errNotFound)
			}
			<-ctx.Done() // the others wait until the group gives up
			return ctx.Err()
		})
	}
	err := g.Wait()
	fmt.Println(err)
	fmt.Println(errors.Is(context.Cause(ctx), errNotFound))
	// Output:
	// lookup bad: not found
	// true
}

// ExampleGroup shows the zero Group: no Context, no limit. Each function
// writes its own slot, which is safe to read once Wait returns.
func ExampleGroup() {
	var g errgroup.Group
	words := []string{"share", "memory", "by", "communicating"}
	lens := make([]int, len(words))
	for i, w := range words {
		g.Go(func() error { lens[i] = len(w); return nil })
	}
	fmt.Println(lens, g.Wait())
	// Output: [5 6 2 13] <nil>
}

// ExampleGroup_SetLimit runs a thousand functions on at most four reused
// workers; Go blocks while four are active.
func ExampleGroup_SetLimit() {
	var g errgroup.Group
	g.SetLimit(4)
	var active, peak, sum atomic.Int64
	for i := 1; i <= 1000; i++ {
		g.Go(func() error {
			n := active.Add(1)
			for m := peak.Load(); n > m && !peak.CompareAndSwap(m, n); m = peak.Load() {
			}
			sum.Add(int64(i))
			active.Add(-1)
			return nil
		})
	}
	err := g.Wait()
	fmt.Println(sum.Load(), peak.Load() <= 4, err)
	// Output: 500500 true <nil>
}

// ExampleGroup_TryGo starts a function only when there is room, and runs
// the work inline otherwise.
func ExampleGroup_TryGo() {
	var g errgroup.Group
	g.SetLimit(1)
	release := make(chan struct{})
	g.Go(func() error { <-release; return nil })
	inline := 0
	if !g.TryGo(func() error { return nil }) {
		inline++ // no room: the caller does the work itself
	}
	close(release)
	fmt.Println(inline, g.Wait())
	// Output: 1 <nil>
}
