package rate_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/weft-dev/weft/pool"
	"github.com/weft-dev/weft/rate"
)

// ExamplePacer shows the ticker loop of rate limiting: handle requests at
// 10 per second, evenly spaced, without the drift of sleeping in the loop.
func ExamplePacer() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	requests := []string{"a", "b", "c"}
	p, err := rate.NewPacer(rate.PerSecond(10))
	if err != nil {
		fmt.Println(err)
		return
	}
	start := time.Now()
	for k := range p.Ticks(ctx) {
		fmt.Println("handle", requests[k])
		if k == len(requests)-1 {
			break
		}
	}
	fmt.Println("third permit at 200ms or later:", time.Since(start) >= 200*time.Millisecond)
	// Output:
	// handle a
	// handle b
	// handle c
	// third permit at 200ms or later: true
}

// ExampleLimiter_Wait shows Wait with a deadline: when the permit would come
// after the deadline, Wait says so at once instead of sleeping in vain.
func ExampleLimiter_Wait() {
	lim, _ := rate.NewLimiter(rate.Every(time.Second), 1)
	lim.Allow() // the burst is spent: the next permit is a second away
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := lim.Wait(ctx)
	fmt.Println(errors.Is(err, context.DeadlineExceeded), time.Since(start) < 500*time.Millisecond)
	// Output: true true
}

// ExampleKeyed shows a limiter per client: each client gets its own burst
// and rate, and memory stays bounded however many clients come.
func ExampleKeyed() {
	perClient, _ := rate.NewKeyed[string](rate.PerSecond(1), 2, 10_000)
	for _, client := range []string{"alice", "alice", "alice", "bob"} {
		fmt.Println(client, perClient.Allow(client))
	}
	// Output:
	// alice true
	// alice true
	// alice false
	// bob true
}

// Example_pool shows a rate-limited pool: tasks start no faster than the
// limiter allows, however many workers are free.
func Example_pool() {
	lim, _ := rate.NewLimiter(rate.PerSecond(50), 1)
	p, _ := pool.New(4, pool.WithRate(lim))
	defer p.Close()
	var started atomic.Int64
	begin := time.Now()
	for range 6 {
		p.Go(func() { started.Add(1) })
	}
	p.Wait()
	// 6 starts at 50/s with a burst of 1 take at least 5 intervals of 20ms.
	fmt.Println(started.Load(), time.Since(begin) >= 100*time.Millisecond)
	// Output: 6 true
}
