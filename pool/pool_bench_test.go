package pool_test

import (
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/weft-dev/weft/pool"
)

const benchWorkers = 100

// chanPool is the hand-written baseline: workers ranging over one channel of
// tasks. It keeps no per-task count: waiting for the tasks means closing the
// channel and waiting for the workers to exit, which is the cheapest way a
// channel pool can know that every task has run.
type chanPool struct {
	tasks chan func()
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
			}
		}()
	}
	return c
}

func (c *chanPool) Go(f func()) { c.tasks <- f }

// Close runs every queued task and waits for the workers to exit.
func (c *chanPool) Close() { close(c.tasks); c.exit.Wait() }

// chanBuffers are the channel capacities the baseline is measured with:
// unbuffered, one slot per worker, and the pool's default queue.
var chanBuffers = []int{0, benchWorkers, pool.DefaultQueue}

// BenchmarkGo measures the cost per task of Go with 100 workers, each task
// the same closure adding to a counter, submitted by one goroutine and by 100
// goroutines at once; weft's pool against the hand-written channel pool with
// the same workers and each of chanBuffers. Run it with -benchtime 1000000x
// for 1,000,000 tasks per measurement. Every measurement checks that every
// task ran.
func BenchmarkGo(b *testing.B) {
	for _, subs := range []int{1, 100} {
		for _, buf := range chanBuffers {
			name := "submitters=" + strconv.Itoa(subs) + "/impl=channel" + strconv.Itoa(buf)
			b.Run(name, func(b *testing.B) {
				b.ReportAllocs()
				var ran atomic.Int64
				task := func() { ran.Add(1) }
				c := newChanPool(benchWorkers, buf)
				submitInParallel(b, subs, func() { c.Go(task) })
				c.Close()
				if got := ran.Load(); got != int64(b.N) {
					b.Fatalf("ran %d tasks; want %d", got, b.N)
				}
			})
		}
		b.Run("submitters="+strconv.Itoa(subs)+"/impl=weft", func(b *testing.B) {
			b.ReportAllocs()
			var ran atomic.Int64
			task := func() { ran.Add(1) }
			p, err := pool.New(benchWorkers)
			if err != nil {
				b.Fatal(err)
			}
			submitInParallel(b, subs, func() {
				if err := p.Go(task); err != nil {
					b.Error(err)
				}
			})
			if err := p.Close(); err != nil {
				b.Fatal(err)
			}
			if got := ran.Load(); got != int64(b.N) {
				b.Fatalf("ran %d tasks; want %d", got, b.N)
			}
		})
	}
}

// submitInParallel calls submit b.N times in all, from subs goroutines that
// start together, and returns when every call has returned.
func submitInParallel(b *testing.B, subs int, submit func()) {
	b.Helper()
	if subs == 1 {
		b.ResetTimer()
		for range b.N {
			submit()
		}
		return
	}
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	ready.Add(subs)
	done.Add(subs)
	for i := range subs {
		n := b.N / subs
		if i < b.N%subs {
			n++
		}
		go func() {
			defer done.Done()
			ready.Done()
			<-start
			for range n {
				submit()
			}
		}()
	}
	ready.Wait()
	b.ResetTimer()
	close(start)
	done.Wait()
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

func noop() {}
