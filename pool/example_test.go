package pool_test

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/weft-dev/weft/pool"
)

// Example shows the worker pool: jobs go in, results come out, and Wait
// waits for all of them.
func Example() {
	p, err := pool.New(3)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()

	var mu sync.Mutex
	var results []int
	for job := 1; job <= 5; job++ {
		p.Go(func() {
			r := job * 10 // the work
			mu.Lock()
			results = append(results, r)
			mu.Unlock()
		})
	}
	if err := p.Wait(); err != nil {
		fmt.Println(err)
	}
	slices.Sort(results) // workers finish in any order
	fmt.Println(results)
	// Output: [10 20 30 40 50]
}

// ExampleCall shows typed results: each Future holds one function's value
// and error.
func ExampleCall() {
	ctx := context.Background()
	p, _ := pool.New(2)
	defer p.Close()
	square := func(n int) *pool.Future[int] {
		return pool.Call(ctx, p, func(context.Context) (int, error) { return n * n, nil })
	}
	a, b := square(3), square(4)
	x, _ := a.Wait(ctx)
	y, _ := b.Wait(ctx)
	fmt.Println(x + y)
	// Output: 25
}

// ExamplePool_TryGo shows load shedding: TryGo refuses at once when the
// queue is full instead of blocking.
func ExamplePool_TryGo() {
	p, _ := pool.New(1, pool.WithQueue(0))
	defer p.Close()
	release := make(chan struct{})
	started := make(chan struct{})
	p.Go(func() { close(started); <-release })
	<-started
	fmt.Println(p.TryGo(func() {}))
	close(release)
	// Output: pool: queue full
}
