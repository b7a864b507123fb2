package main

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sethvargo/go-limiter/memorystore"
	"go.uber.org/ratelimit"
	xrate "golang.org/x/time/rate"

	"github.com/weft-dev/weft/rate"
)

// A rate high enough that every call is admitted: the admitted workloads
// measure the cost of admitting, and check that every call was admitted.
const (
	highRate  = 1e9
	highBurst = 1 << 30
)

// The denied workloads run at a rate far below the call rate, so that
// nearly every call is denied, and check that no contender admitted more
// than the rate allows.
const (
	lowRate  = 1000
	lowBurst = 10
)

// The hand-written baselines: one token bucket behind a mutex, refilled on
// each call from the clock. None is sharded or batched.

// nowBucket reads time.Now under its lock, as most hand-written buckets do.
type nowBucket struct {
	mu     sync.Mutex
	last   time.Time
	tokens float64
	rate   float64 // tokens per second
	burst  float64
}

func newNowBucket(perSecond float64, burst int) *nowBucket {
	return &nowBucket{last: time.Now(), tokens: float64(burst), rate: perSecond, burst: float64(burst)}
}

func (b *nowBucket) Allow() bool {
	b.mu.Lock()
	now := time.Now()
	b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	b.last = now
	ok := b.tokens >= 1
	if ok {
		b.tokens--
	}
	b.mu.Unlock()
	return ok
}

// monoBucket reads only the monotonic clock, once per call, as weft does.
type monoBucket struct {
	mu     sync.Mutex
	origin time.Time
	last   time.Duration
	tokens float64
	rate   float64 // tokens per nanosecond
	burst  float64
}

func newMonoBucket(perSecond float64, burst int) *monoBucket {
	return &monoBucket{origin: time.Now(), tokens: float64(burst), rate: perSecond / 1e9, burst: float64(burst)}
}

// Allow reads the clock under the lock.
func (b *monoBucket) Allow() bool {
	b.mu.Lock()
	now := time.Since(b.origin)
	b.tokens = min(b.burst, b.tokens+float64(now-b.last)*b.rate)
	b.last = now
	ok := b.tokens >= 1
	if ok {
		b.tokens--
	}
	b.mu.Unlock()
	return ok
}

// AllowEarly reads the clock before taking the lock (a reading older than
// the last refills nothing): less time under the lock.
func (b *monoBucket) AllowEarly() bool {
	now := time.Since(b.origin)
	b.mu.Lock()
	if now > b.last {
		b.tokens = min(b.burst, b.tokens+float64(now-b.last)*b.rate)
		b.last = now
	}
	ok := b.tokens >= 1
	if ok {
		b.tokens--
	}
	b.mu.Unlock()
	return ok
}

// tatBucket is the limiter's own algorithm behind a mutex: an integer TAT
// on the monotonic clock, read before the lock, no floating point.
type tatBucket struct {
	mu       sync.Mutex
	origin   time.Time
	tat      int64 // nanoseconds since origin
	interval int64
	tau      int64
}

func newTATBucket(perSecond float64, burst int) *tatBucket {
	iv := int64(1e9 / perSecond)
	return &tatBucket{origin: time.Now(), interval: iv, tau: iv * int64(burst)}
}

func (b *tatBucket) Allow() bool {
	now := int64(time.Since(b.origin))
	b.mu.Lock()
	next := max(b.tat, now) + b.interval
	ok := next-now <= b.tau
	if ok {
		b.tat = next
	}
	b.mu.Unlock()
	return ok
}

// hammer makes n calls from g goroutines, each calling the function that
// newWorker returns for it, and returns how many calls returned true.
func hammer(n, g int, newWorker func(worker int) func() bool) int64 {
	calls := make([]func() bool, g)
	for w := range calls {
		calls[w] = newWorker(w)
	}
	var admitted atomic.Int64
	var wg sync.WaitGroup
	for w, call := range calls {
		share := n / g
		if w < n%g {
			share++
		}
		wg.Go(func() {
			k := int64(0)
			for range share {
				if call() {
					k++
				}
			}
			admitted.Add(k)
		})
	}
	wg.Wait()
	return admitted.Load()
}

// walker is a worker's place in the keys, on cache lines of its own (bare
// counters of different workers side by side would be false sharing).
type walker struct {
	i int
	_ [120]byte
}

func (w *walker) next(keys int) int {
	if w.i++; w.i == keys {
		w.i = 0
	}
	return w.i
}

// allowContender is a limiter made for a rate and burst.
type allowContender struct {
	name string
	make func(perSecond float64, burst int) func() bool
}

var allowContenders = []allowContender{
	{"weft", func(r float64, burst int) func() bool {
		l, err := rate.NewLimiter(rate.Limit(r), burst)
		if err != nil {
			panic(err)
		}
		return l.Allow
	}},
	{"x/time/rate", func(r float64, burst int) func() bool { return xrate.NewLimiter(xrate.Limit(r), burst).Allow }},
	{"mutex", func(r float64, burst int) func() bool { return newNowBucket(r, burst).Allow }},
	{"mutexmono", func(r float64, burst int) func() bool { return newMonoBucket(r, burst).Allow }},
	{"mutexmonoearly", func(r float64, burst int) func() bool { return newMonoBucket(r, burst).AllowEarly }},
	{"mutextat", func(r float64, burst int) func() bool { return newTATBucket(r, burst).Allow }},
	{"clock", func(float64, int) func() bool {
		origin := time.Now()
		return func() bool { return time.Since(origin) >= 0 } // one read, nothing else
	}},
}

const allowNote = "mutex is a token bucket behind a sync.Mutex reading time.Now; mutexmono the same on the monotonic clock (one read per call, as weft), read under the lock; mutexmonoearly reads it before taking the lock; mutextat is weft's algorithm (an integer TAT, the clock read before the lock) behind a mutex. clock is one monotonic clock read and nothing else: the floor."

func limitWorkloads(quick bool) []*workload {
	n := 2_000_000
	if quick {
		n = 100_000
	}
	var out []*workload
	for _, g := range []int{1, 2, 4, 8} {
		w := &workload{id: fmt.Sprintf("Allow/goroutines=%d", g),
			title: fmt.Sprintf("8. rate limiter Allow, %d goroutine(s), %d calls, every call admitted", g, n),
			unit:  "ns/call", items: int64(n), perItem: true, want: int64(n),
			note: allowNote + " uber-ratelimit has no Allow: its Take is measured (it never has to sleep at this rate)."}
		for _, a := range allowContenders {
			w.contenders = append(w.contenders, contender{name: a.name, run: func() (int64, error) {
				allow := a.make(highRate, highBurst)
				return hammer(n, g, func(int) func() bool { return allow }), nil
			}})
			if a.name == "x/time/rate" {
				w.contenders = append(w.contenders, contender{name: "uber-ratelimit", run: func() (int64, error) {
					l := ratelimit.New(highRate, ratelimit.WithoutSlack)
					return hammer(n, g, func(int) func() bool { return func() bool { l.Take(); return true } }), nil
				}})
			}
		}
		out = append(out, w)
	}
	for _, g := range []int{1, 2, 4, 8} {
		w := &workload{id: fmt.Sprintf("AllowDenied/goroutines=%d", g),
			title: fmt.Sprintf("8. rate limiter Allow, %d goroutine(s), %d calls at %d/s, burst %d: nearly all denied", g, n, lowRate, lowBurst),
			unit:  "ns/call", items: int64(n), perItem: true, want: int64(n),
			note: allowNote + " Each contender's admissions are checked against the rate."}
		for _, a := range allowContenders {
			w.contenders = append(w.contenders, contender{name: a.name, run: func() (int64, error) {
				allow := a.make(lowRate, lowBurst)
				start := time.Now()
				admitted := hammer(n, g, func(int) func() bool { return allow })
				if limit := int64(time.Since(start).Seconds()*lowRate) + lowBurst + 1; a.name != "clock" && admitted > limit {
					return 0, fmt.Errorf("admitted %d calls; the rate allows %d", admitted, limit)
				}
				return int64(n), nil
			}})
		}
		out = append(out, w)
	}
	for _, keys := range []int{1024, 100_000} {
		for _, g := range []int{2, 8} {
			out = append(out, keyedWorkload(n, keys, g))
		}
	}
	return out
}

// keyedPeer is a limiter per key, made for a number of keys.
type keyedPeer struct {
	name string
	make func(keys int) (allow func(string) bool, stop func())
}

var keyedPeers = []keyedPeer{
	{"weft", func(keys int) (func(string) bool, func()) {
		k, err := rate.NewKeyed[string](highRate, highBurst, keys)
		if err != nil {
			panic(err)
		}
		return k.Allow, func() {}
	}},
	{"x/time/rate+sync.Map", func(int) (func(string) bool, func()) {
		var m sync.Map
		return func(key string) bool {
			l, ok := m.Load(key)
			if !ok {
				l, _ = m.LoadOrStore(key, xrate.NewLimiter(highRate, highBurst))
			}
			return l.(*xrate.Limiter).Allow()
		}, func() {}
	}},
	{"x/time/rate+RWMutex", func(keys int) (func(string) bool, func()) {
		var mu sync.RWMutex
		m := make(map[string]*xrate.Limiter, keys)
		return func(key string) bool {
			mu.RLock()
			l := m[key]
			mu.RUnlock()
			if l == nil {
				mu.Lock()
				if l = m[key]; l == nil {
					l = xrate.NewLimiter(highRate, highBurst)
					m[key] = l
				}
				mu.Unlock()
			}
			return l.Allow()
		}, func() {}
	}},
	{"sethvargo/go-limiter", func(int) (func(string) bool, func()) {
		store, err := memorystore.New(&memorystore.Config{Tokens: 1 << 40, Interval: time.Second})
		if err != nil {
			panic(err)
		}
		ctx := context.Background()
		return func(key string) bool {
			_, _, _, ok, _ := store.Take(ctx, key)
			return ok
		}, func() { store.Close(ctx) }
	}},
}

// keyedWorkload measures hits: every key is added before the clock starts,
// then g goroutines make n calls, each walking all the keys in order from
// its own starting point.
func keyedWorkload(n, keys, g int) *workload {
	names := make([]string, keys)
	for i := range names {
		names[i] = fmt.Sprint("client-", i)
	}
	w := &workload{id: fmt.Sprintf("KeyedAllow/keys=%d/goroutines=%d", keys, g),
		title: fmt.Sprintf("8. keyed Allow on known keys, %d keys, %d goroutines, %d calls", keys, g, n),
		unit:  "ns/call", items: int64(n), perItem: true,
		note: "Every key is added before the clock starts; each goroutine then walks all the keys in order from its own starting point."}
	for _, p := range keyedPeers {
		w.contenders = append(w.contenders, contender{name: p.name, measure: func() (sample, error) {
			allow, stop := p.make(keys)
			defer stop()
			for _, name := range names {
				allow(name)
			}
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			start := time.Now()
			admitted := hammer(n, g, func(worker int) func() bool {
				at := &walker{i: worker * keys / g}
				return func() bool { return allow(names[at.next(keys)]) }
			})
			elapsed := time.Since(start)
			runtime.ReadMemStats(&after)
			if admitted != int64(n) {
				return sample{}, fmt.Errorf("%s admitted %d of %d calls; want all", p.name, admitted, n)
			}
			return sample{
				value:  float64(elapsed.Nanoseconds()) / float64(n),
				bytes:  float64(after.TotalAlloc-before.TotalAlloc) / float64(n),
				allocs: float64(after.Mallocs-before.Mallocs) / float64(n),
			}, nil
		}})
	}
	return w
}
