package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/alitto/pond/v2"
	"github.com/gammazero/workerpool"
	"github.com/panjf2000/ants/v2"
	concpool "github.com/sourcegraph/conc/pool"
	"golang.org/x/sync/errgroup"

	"github.com/weft-dev/weft/group"
	"github.com/weft-dev/weft/pool"
)

// poolImpl opens a worker pool of one implementation: submit hands it a
// task, wait waits for every task submitted, and close releases it.
type poolImpl struct {
	name string
	// queues reports whether tasks can wait in a queue (else submit blocks
	// until a worker is free, so no task can be queued behind a busy one).
	queues bool
	open   func(workers, queue int) (submit func(func()) error, wait func() error, close func())
}

var poolImpls = []poolImpl{
	{"weft", true, func(workers, queue int) (func(func()) error, func() error, func()) {
		p, err := pool.New(workers, pool.WithQueue(queue))
		if err != nil {
			panic(err)
		}
		return p.Go, p.Wait, func() { p.Close() }
	}},
	{"channel", true, func(workers, queue int) (func(func()) error, func() error, func()) {
		tasks := make(chan func(), queue)
		var pending, exited sync.WaitGroup
		exited.Add(workers)
		for range workers {
			go func() {
				defer exited.Done()
				for f := range tasks {
					f()
					pending.Done()
				}
			}()
		}
		submit := func(f func()) error { pending.Add(1); tasks <- f; return nil }
		return submit, func() error { pending.Wait(); return nil }, func() { close(tasks); exited.Wait() }
	}},
	{"ants", false, func(workers, _ int) (func(func()) error, func() error, func()) {
		p, err := ants.NewPool(workers)
		if err != nil {
			panic(err)
		}
		var wg sync.WaitGroup // ants has no wait: its users add a WaitGroup
		submit := func(f func()) error {
			wg.Add(1)
			return p.Submit(func() { f(); wg.Done() })
		}
		return submit, func() error { wg.Wait(); return nil }, p.Release
	}},
	{"pond", true, func(workers, _ int) (func(func()) error, func() error, func()) {
		p := pond.NewPool(workers)
		// pond waits only by stopping: a run ends with StopAndWait.
		return p.Go, func() error { p.StopAndWait(); return nil }, func() {}
	}},
	{"conc", false, func(workers, _ int) (func(func()) error, func() error, func()) {
		p := concpool.New().WithMaxGoroutines(workers)
		return func(f func()) error { p.Go(f); return nil }, func() error { p.Wait(); return nil }, func() {}
	}},
	{"workerpool", true, func(workers, _ int) (func(func()) error, func() error, func()) {
		wp := workerpool.New(workers)
		return func(f func()) error { wp.Submit(f); return nil }, func() error { wp.StopWait(); return nil }, func() {}
	}},
	{"errgroup", false, func(workers, _ int) (func(func()) error, func() error, func()) {
		var g errgroup.Group
		g.SetLimit(workers)
		return func(f func()) error { g.Go(func() error { f(); return nil }); return nil }, g.Wait, func() {}
	}},
	{"go+waitgroup", false, func(_, _ int) (func(func()) error, func() error, func()) {
		var wg sync.WaitGroup // unbounded: one goroutine per task
		return func(f func()) error { wg.Go(f); return nil }, func() error { wg.Wait(); return nil }, func() {}
	}},
}

// submitAll runs n tasks through impl from submitters goroutines and
// returns how many ran.
func submitAll(impl poolImpl, workers, n, submitters int, task func(*atomic.Int64)) (int64, error) {
	submit, wait, closePool := impl.open(workers, 1024)
	defer closePool()
	var ran atomic.Int64
	f := func() { task(&ran) }
	var wg sync.WaitGroup
	var firstErr atomic.Value
	for s := range submitters {
		wg.Go(func() {
			for i := s; i < n; i += submitters {
				if err := submit(f); err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := wait(); err != nil {
		return ran.Load(), err
	}
	if err, _ := firstErr.Load().(error); err != nil {
		return ran.Load(), err
	}
	return ran.Load(), nil
}

func count(ran *atomic.Int64) { ran.Add(1) }

func poolWorkloads(quick bool) []*workload {
	n, sleepers := 1_000_000, 100_000
	if quick {
		n, sleepers = 20_000, 2_000
	}
	w1 := &workload{id: "PoolOneSubmitter", title: fmt.Sprintf("1. %d no-op tasks, 100 workers, one submitter", n),
		unit: "ns/task", items: int64(n), perItem: true, want: int64(n)}
	w2 := &workload{id: "PoolManySubmitters", title: fmt.Sprintf("2. %d no-op tasks, 100 workers, 100 submitters", n),
		unit: "ns/task", items: int64(n), perItem: true, want: int64(n)}
	floor := float64(sleepers) / 100 // ms: sleepers * 1ms / 100 workers
	w3 := &workload{id: "PoolSleep", title: fmt.Sprintf("3. %d tasks sleeping 1 ms, 100 workers (floor %.0f ms)", sleepers, floor),
		unit: "ms", items: int64(sleepers), want: int64(sleepers), floor: floor}
	for _, impl := range poolImpls {
		w1.contenders = append(w1.contenders, contender{name: impl.name, run: func() (int64, error) {
			return submitAll(impl, 100, n, 1, count)
		}})
		w2.contenders = append(w2.contenders, contender{name: impl.name, run: func() (int64, error) {
			return submitAll(impl, 100, n, 100, count)
		}})
		if impl.name == "go+waitgroup" {
			continue // unbounded: not a 100-worker pool
		}
		w3.contenders = append(w3.contenders, contender{name: impl.name, run: func() (int64, error) {
			return submitAll(impl, 100, sleepers, 1, func(ran *atomic.Int64) { time.Sleep(time.Millisecond); ran.Add(1) })
		}})
	}
	return []*workload{w1, w2, w3}
}

// groupWorkload: 100,000 tasks of the error-returning kind, limit 100; every
// task must run. They all return nil: pond's group, like weft's default
// mode, stops starting tasks after the first error, so a failing task would
// make the contenders do different amounts of work.
func groupWorkload(quick bool) *workload {
	n := 100_000
	if quick {
		n = 5_000
	}
	task := func(_ int, ran *atomic.Int64) error {
		ran.Add(1)
		return nil
	}
	check := func(ran *atomic.Int64, err error) (int64, error) {
		if err != nil {
			return 0, fmt.Errorf("unexpected error: %v", err)
		}
		return ran.Load(), nil
	}
	w := &workload{id: "Group", title: fmt.Sprintf("5. scoped group: %d error-returning tasks, limit 100", n),
		unit: "ns/task", items: int64(n), perItem: true, want: int64(n),
		note: "channel is hand-written: 100 goroutines reading the tasks from a channel buffered to 1,024, keeping the first error (no context to cancel). Every task returns nil: pond's group, like weft's default fail-fast mode, starts no task after the first error, so failing tasks would make the contenders do different work."}
	w.contenders = []contender{
		{name: "weft", run: func() (int64, error) {
			var ran atomic.Int64
			g, err := group.New(context.Background(), group.WithLimit(100))
			if err != nil {
				return 0, err
			}
			for i := range n {
				g.Go(func(context.Context) error { return task(i, &ran) })
			}
			return check(&ran, g.Wait())
		}},
		{name: "errgroup", run: func() (int64, error) {
			var ran atomic.Int64
			var g errgroup.Group
			g.SetLimit(100)
			for i := range n {
				g.Go(func() error { return task(i, &ran) })
			}
			return check(&ran, g.Wait())
		}},
		{name: "channel", run: func() (int64, error) {
			// Hand-written: 100 goroutines over a channel of 1,024 tasks,
			// the first error kept.
			var ran atomic.Int64
			tasks := make(chan func() error, 1024)
			var once sync.Once
			var first error
			var wg sync.WaitGroup
			for range 100 {
				wg.Go(func() {
					for f := range tasks {
						if err := f(); err != nil {
							once.Do(func() { first = err })
						}
					}
				})
			}
			for i := range n {
				tasks <- func() error { return task(i, &ran) }
			}
			close(tasks)
			wg.Wait()
			return check(&ran, first)
		}},
		{name: "conc", run: func() (int64, error) {
			var ran atomic.Int64
			p := concpool.New().WithErrors().WithMaxGoroutines(100)
			for i := range n {
				p.Go(func() error { return task(i, &ran) })
			}
			return check(&ran, p.Wait())
		}},
		{name: "pond", run: func() (int64, error) {
			var ran atomic.Int64
			p := pond.NewPool(100)
			g := p.NewGroup()
			for i := range n {
				g.SubmitErr(func() error { return task(i, &ran) })
			}
			err := g.Wait()
			p.StopAndWait()
			return check(&ran, err)
		}},
	}
	return w
}
