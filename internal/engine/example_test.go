package engine_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/weft-dev/weft/internal/engine"
)

// Tasks pushed into an engine run on its workers; WaitQuiet waits for all
// of them, and Retire for the workers to exit.
func Example() {
	ctx := context.Background()
	var (
		mu  sync.Mutex
		ran []int
	)
	e := engine.New(engine.Config[int]{
		Workers:     2,
		Queue:       8,
		IdleTimeout: time.Second,
		Run: func(n int) {
			mu.Lock()
			ran = append(ran, n)
			mu.Unlock()
		},
	})
	for i := range 5 {
		if err := e.Push(ctx, i, true); err != nil {
			fmt.Println(err)
		}
	}
	if err := e.WaitQuiet(ctx); err != nil {
		fmt.Println(err)
	}
	if err := e.Retire(ctx, false); err != nil {
		fmt.Println(err)
	}
	mu.Lock()
	slices.Sort(ran)
	fmt.Println(ran, e.Stats().Completed, e.Stats().Live)
	mu.Unlock()
	// Output: [0 1 2 3 4] 5 0
}
