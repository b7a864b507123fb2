// Command tour runs every weft primitive once on a small example and prints
// what happened: goroutines and channels, a goroutine that owns its state, a
// worker pool, fan-out/fan-in with the first error, select with a timeout,
// rate limiting with a ticker, a pipeline, waiting for a group, and a panic
// turned into an error.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/weft-dev/weft"
	"github.com/weft-dev/weft/actor"
	"github.com/weft-dev/weft/chans"
	"github.com/weft-dev/weft/flow"
	"github.com/weft-dev/weft/group"
	"github.com/weft-dev/weft/pool"
	"github.com/weft-dev/weft/rate"
)

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "tour:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	for _, step := range []struct {
		title string
		run   func(context.Context) error
	}{
		{"goroutines and channels", channels},
		{"a goroutine that owns its state", counter},
		{"a worker pool", workerPool},
		{"fan-out/fan-in, first error wins", fanOut},
		{"select with a timeout", timeout},
		{"rate limiting with a ticker", pacing},
		{"a pipeline", pipeline},
		{"waiting for a group", waitGroup},
		{"a panic becomes an error", panics},
	} {
		fmt.Printf("== %s\n", step.title)
		if err := step.run(ctx); err != nil {
			return fmt.Errorf("%s: %w", step.title, err)
		}
	}
	return nil
}

func channels(ctx context.Context) error {
	words := make(chan string)
	go func() {
		defer close(words)
		for _, w := range strings.Fields("do not communicate by sharing memory") {
			if chans.Send(ctx, words, w) != nil {
				return
			}
		}
	}()
	var got []string
	for w := range chans.OrDone(ctx, words) {
		got = append(got, strings.ToUpper(w))
	}
	fmt.Println("received:", strings.Join(got, " "))
	return nil
}

func counter(ctx context.Context) error {
	count, err := actor.New(0)
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 250 {
				count.Do(ctx, func(n *int) { *n++ })
			}
		})
	}
	wg.Wait()
	n, err := actor.Ask(ctx, count, func(n *int) int { return *n })
	if err != nil {
		return err
	}
	fmt.Println("4 goroutines x 250 increments, owned by one goroutine:", n)
	return count.Stop(ctx, actor.Drain)
}

func workerPool(ctx context.Context) error {
	p, err := pool.New(3, pool.WithQueue(4))
	if err != nil {
		return err
	}
	defer p.Close()
	var futures []*pool.Future[int]
	for job := 1; job <= 9; job++ {
		futures = append(futures, pool.Call(ctx, p, func(context.Context) (int, error) {
			return job * job, nil
		}))
	}
	sum := 0
	for _, f := range futures {
		v, err := f.Wait(ctx)
		if err != nil {
			return err
		}
		sum += v
	}
	if err := p.Wait(); err != nil { // every task has finished: Stats are settled
		return err
	}
	s := p.Stats()
	fmt.Printf("9 jobs on 3 workers: sum of squares %d; submitted %d, completed %d\n", sum, s.Submitted, s.Completed)
	return p.Close()
}

func fanOut(ctx context.Context) error {
	g, err := group.New(ctx, group.WithLimit(2))
	if err != nil {
		return err
	}
	for _, host := range []string{"alpha", "beta", "gamma", "delta"} {
		g.Go(func(ctx context.Context) error {
			if host == "gamma" {
				return fmt.Errorf("%s: connection refused", host)
			}
			return nil
		})
	}
	err = g.Wait()
	fmt.Println("first error:", err)
	if err == nil {
		return errors.New("want an error from gamma")
	}
	return nil
}

func timeout(ctx context.Context) error {
	never := make(chan string)
	_, _, err := chans.RecvTimeout(ctx, never, 20*time.Millisecond)
	fmt.Println("waiting for a reply that never comes:", err)
	if !errors.Is(err, chans.ErrTimeout) {
		return fmt.Errorf("want a timeout, got %v", err)
	}
	return nil
}

func pacing(ctx context.Context) error {
	p, err := rate.NewPacer(rate.PerSecond(20))
	if err != nil {
		return err
	}
	start := time.Now()
	n := 0
	for range p.Ticks(ctx) {
		if n++; n == 5 {
			break
		}
	}
	elapsed := time.Since(start)
	fmt.Printf("5 permits at 20 per second, evenly spaced: %d, 200ms or more: %v\n", n, elapsed >= 200*time.Millisecond)
	return nil
}

func pipeline(ctx context.Context) error {
	words := flow.FromSlice(strings.Fields("goroutines channels select pools pipelines"))
	lengths := flow.OrderedMap(ctx, words, 3, func(_ context.Context, w string) (string, error) {
		return fmt.Sprintf("%s=%d", w, len(w)), nil
	})
	got, err := flow.Collect(lengths)
	if err != nil {
		return err
	}
	fmt.Println("ordered parallel map:", strings.Join(got, " "))
	return nil
}

func waitGroup(ctx context.Context) error {
	r, err := group.NewResults[string](ctx, group.WithLimit(3))
	if err != nil {
		return err
	}
	for _, name := range []string{"pool", "group", "actor", "chans"} {
		r.Go(func(context.Context) (string, error) { return name + " ok", nil })
	}
	got, err := r.Wait()
	if err != nil {
		return err
	}
	fmt.Println("in submission order:", strings.Join(got, ", "))
	return nil
}

func panics(ctx context.Context) error {
	g, err := group.New(ctx)
	if err != nil {
		return err
	}
	g.Go(func(context.Context) error {
		var m map[string]int
		m["boom"]++ // nil map write
		return nil
	})
	var pe *weft.PanicError
	if err := g.Wait(); !errors.As(err, &pe) {
		return fmt.Errorf("want a *weft.PanicError, got %v", err)
	}
	fmt.Println("recovered panic:", pe.Value)
	lines := slices.DeleteFunc(strings.Split(string(pe.Stack), "\n"), func(l string) bool {
		return !strings.Contains(l, ".panics.func")
	})
	fmt.Println("stack shows the culprit:", len(lines) > 0)
	return nil
}
