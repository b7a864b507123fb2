package rate_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/weft-dev/weft/rate"
)

// The hand-written baselines: a token bucket behind a mutex, refilled on
// each call from the clock, as such buckets are usually written. None is
// sharded or batched: each is one bucket, as the limiter is.

// nowBucket reads time.Now under its lock, as most hand-written buckets do
// (and as x/time/rate does, outside its lock).
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
	b.mu.Unlock() // not deferred: a few ns less under the lock
	return ok
}

// monoBucket reads only the monotonic clock, once per call, as weft's
// limiter does: the cheapest clock read there is. Reading it under the lock
// keeps readings in order.
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

// AllowEarly reads the clock before taking the lock, so that the lock is
// held for less time (a reading older than the last one refills nothing).
// Which of the two is faster depends on the number of goroutines; the
// benchmarks run both.
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
// on the monotonic clock, read before the lock, no floating point. It is the
// leanest locked limiter we could write, to compare the lock-free one with.
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

// parallel runs b.N calls of the function newWorker returns, spread over g
// goroutines (each with its own function), and returns how many returned
// true. With g == 1 the calls run on the benchmark's goroutine. State that
// a worker's function writes must be padded apart from the others' (see
// walker), or the workers slow each other down through false sharing.
func parallel(b *testing.B, g int, newWorker func(worker int) func() bool) int64 {
	b.ReportAllocs()
	if g == 1 {
		call := newWorker(0)
		n := int64(0)
		for b.Loop() {
			if call() {
				n++
			}
		}
		return n
	}
	calls := make([]func() bool, g)
	for w := range calls {
		calls[w] = newWorker(w)
	}
	var (
		wg       sync.WaitGroup
		admitted atomic.Int64
	)
	b.ResetTimer()
	for w, call := range calls {
		n := b.N / g
		if w < b.N%g {
			n++
		}
		wg.Go(func() {
			k := int64(0)
			for range n {
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

// allowImpls are the contenders of BenchmarkAllow and BenchmarkAllowDenied,
// each made for a rate and burst.
var allowImpls = []struct {
	name string
	make func(b *testing.B, perSecond float64, burst int) func() bool
}{
	{"clock", func(*testing.B, float64, int) func() bool {
		origin := time.Now()
		return func() bool { return time.Since(origin) >= 0 } // one read, nothing else
	}},
	{"mutex", func(_ *testing.B, r float64, burst int) func() bool { return newNowBucket(r, burst).Allow }},
	{"mutexmono", func(_ *testing.B, r float64, burst int) func() bool { return newMonoBucket(r, burst).Allow }},
	{"mutexmonoearly", func(_ *testing.B, r float64, burst int) func() bool { return newMonoBucket(r, burst).AllowEarly }},
	{"mutextat", func(_ *testing.B, r float64, burst int) func() bool { return newTATBucket(r, burst).Allow }},
	{"weft", func(b *testing.B, r float64, burst int) func() bool {
		l, err := rate.NewLimiter(rate.Limit(r), burst)
		if err != nil {
			b.Fatal(err)
		}
		return l.Allow
	}},
}

// BenchmarkAllow measures an admission from 1, 2, 4 and 8 goroutines: weft's
// Limiter against one monotonic clock read and the mutex buckets, at a rate
// so high (1e9/s, burst 2^30) that every call is admitted, which it checks.
func BenchmarkAllow(b *testing.B) {
	const perSecond, burst = 1e9, 1 << 30
	for _, g := range []int{1, 2, 4, 8} {
		for _, impl := range allowImpls {
			b.Run(fmt.Sprintf("goroutines=%d/impl=%s", g, impl.name), func(b *testing.B) {
				allow := impl.make(b, perSecond, burst)
				if n := parallel(b, g, func(int) func() bool { return allow }); n != int64(b.N) {
					b.Fatalf("%d of %d calls denied; the benchmark must admit every call", int64(b.N)-n, b.N)
				}
			})
		}
	}
}

// BenchmarkAllowDenied is BenchmarkAllow at 1,000 events per second with a
// burst of 10: the calls come far faster than that, and nearly all are
// denied. It checks that no contender admitted more than the rate allows.
func BenchmarkAllowDenied(b *testing.B) {
	const perSecond, burst = 1000, 10
	for _, g := range []int{1, 2, 4, 8} {
		for _, impl := range allowImpls {
			b.Run(fmt.Sprintf("goroutines=%d/impl=%s", g, impl.name), func(b *testing.B) {
				allow := impl.make(b, perSecond, burst)
				start := time.Now()
				n := parallel(b, g, func(int) func() bool { return allow })
				if impl.name == "clock" {
					return
				}
				if limit := int64(time.Since(start).Seconds()*perSecond) + burst + 1; n > limit {
					b.Fatalf("%d calls admitted; want <= %d", n, limit)
				}
			})
		}
	}
}

// keyedImpls are the contenders of BenchmarkKeyed: weft's Keyed against a
// sync.Map and a map under a sync.RWMutex, each holding one mutex bucket per
// key (on time.Now, as x/time/rate's limiter does; the bench module compares
// against x/time/rate itself).
var keyedImpls = []struct {
	name string
	make func(b *testing.B, keys int) func(string) bool
}{
	{"weft", func(b *testing.B, keys int) func(string) bool {
		k, err := rate.NewKeyed[string](1e9, 1<<30, keys)
		if err != nil {
			b.Fatal(err)
		}
		return k.Allow
	}},
	{"syncmap", func(*testing.B, int) func(string) bool {
		var m sync.Map
		return func(key string) bool {
			v, ok := m.Load(key)
			if !ok {
				v, _ = m.LoadOrStore(key, newNowBucket(1e9, 1<<30))
			}
			return v.(*nowBucket).Allow()
		}
	}},
	{"rwmutex", func(_ *testing.B, keys int) func(string) bool {
		var mu sync.RWMutex
		m := make(map[string]*nowBucket, keys)
		return func(key string) bool {
			mu.RLock()
			bk := m[key]
			mu.RUnlock()
			if bk == nil {
				mu.Lock()
				if bk = m[key]; bk == nil {
					bk = newNowBucket(1e9, 1<<30)
					m[key] = bk
				}
				mu.Unlock()
			}
			return bk.Allow()
		}
	}},
}

// walker is a worker's place in the keys, on cache lines of its own.
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

// BenchmarkKeyed measures Allow on known keys (every key is added before
// the clock starts) over 1,024 and 100,000 keys from 2 and 8 goroutines,
// each walking all the keys from its own starting point. The rate admits
// every call, which it checks.
func BenchmarkKeyed(b *testing.B) {
	for _, keys := range []int{1024, 100_000} {
		names := make([]string, keys)
		for i := range names {
			names[i] = fmt.Sprint("client-", i)
		}
		for _, g := range []int{2, 8} {
			for _, impl := range keyedImpls {
				b.Run(fmt.Sprintf("keys=%d/goroutines=%d/impl=%s", keys, g, impl.name), func(b *testing.B) {
					allow := impl.make(b, keys)
					for _, name := range names {
						allow(name)
					}
					n := parallel(b, g, func(w int) func() bool {
						at := &walker{i: w * keys / g}
						return func() bool { return allow(names[at.next(keys)]) }
					})
					if n != int64(b.N) {
						b.Fatalf("%d of %d calls denied", int64(b.N)-n, b.N)
					}
				})
			}
		}
	}
}
