package pool_test

import (
	"runtime"
	"sync"
	"testing"

	"github.com/weft-dev/weft/pool"
)

const benchWorkers = 100

// chanPool is the hand-written baseline: workers ranging over a buffered
// channel of tasks, and a WaitGroup to wait for all of them.
type chanPool struct {
	tasks chan func()
	wg    sync.WaitGroup // tasks in flight
	exit  sync.WaitGroup // workers
}

func newChanPool(workers, queue int) *chanPool {
	c := &chanPool{tasks: make(chan func(), queue)}
	c.exit.Add(workers)
	for range workers {
		go func() {
			defer c.exit.Done()
			for f := range c.tasks {
				f()
				c.wg.Done()
			}
		}()
	}
	return c
}

func (c *chanPool) Go(f func()) { c.wg.Add(1); c.tasks <- f }
func (c *chanPool) Wait()       { c.wg.Wait() }
func (c *chanPool) Close()      { close(c.tasks); c.exit.Wait() }

func noop() {}

// BenchmarkGo measures the cost per no-op task submitted by one goroutine to
// 100 workers, weft's pool against the hand-written channel pool with the
// same number of workers and the same queue capacity.
func BenchmarkGo(b *testing.B) {
	b.Run("impl=channel", func(b *testing.B) {
		b.ReportAllocs()
		c := newChanPool(benchWorkers, pool.DefaultQueue)
		defer c.Close()
		b.ResetTimer()
		for range b.N {
			c.Go(noop)
		}
		c.Wait()
	})
	b.Run("impl=weft", func(b *testing.B) {
		b.ReportAllocs()
		p, err := pool.New(benchWorkers)
		if err != nil {
			b.Fatal(err)
		}
		defer p.Close()
		b.ResetTimer()
		for range b.N {
			if err := p.Go(noop); err != nil {
				b.Fatal(err)
			}
		}
		if err := p.Wait(); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkQueuedMemory queues 1,000,000 tasks behind one blocked worker and
// reports the heap they take, per task: the pool's queue slot (a 16-byte
// interface value) plus nothing else, since every task is the same func
// value and so allocates no closure.
func BenchmarkQueuedMemory(b *testing.B) {
	const queued = 1_000_000
	for b.Loop() {
		p, err := pool.New(1, pool.WithQueue(queued))
		if err != nil {
			b.Fatal(err)
		}
		release := make(chan struct{})
		p.Go(func() { <-release })
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for range queued {
			if err := p.TryGo(noop); err != nil {
				b.Fatal(err)
			}
		}
		runtime.GC() // count what is live, not the buffers the queue outgrew
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/queued, "B/queued-task")
		close(release)
		p.Close()
	}
}
