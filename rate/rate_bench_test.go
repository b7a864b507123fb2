package rate_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/weft-dev/weft/rate"
)

// mutexBucket is the hand-written baseline: a token bucket behind a mutex,
// refilled on each call from the clock as such buckets are usually written,
// with time.Now and Time.Sub.
type mutexBucket struct {
	mu     sync.Mutex
	last   time.Time
	tokens float64
	rate   float64 // tokens per second
	burst  float64
}

func newMutexBucket(perSecond float64, burst int) *mutexBucket {
	return &mutexBucket{last: time.Now(), tokens: float64(burst), rate: perSecond, burst: float64(burst)}
}

func (b *mutexBucket) Allow() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// monoBucket is the same bucket reading only the monotonic clock, as weft's
// limiter does: the fairest baseline for the cost of the algorithm itself.
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
	defer b.mu.Unlock()
	now := time.Since(b.origin)
	b.tokens = min(b.burst, b.tokens+float64(now-b.last)*b.rate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// A rate high enough that every call is allowed: the benchmarks measure the
// cost of admitting, and check that every call was admitted.
const (
	benchRate  = 1e9
	benchBurst = 1 << 30
)

// BenchmarkAllow measures one admission: weft's Limiter against a mutex
// token bucket as usually written (time.Now), the same bucket on the
// monotonic clock, and one monotonic clock read (time.Since on a monotonic
// origin, as weft's limiter does), with 1 goroutine and with GOMAXPROCS
// goroutines, in one run.
func BenchmarkAllow(b *testing.B) {
	origin := time.Now()
	var sink atomic.Int64
	impls := []struct {
		name  string
		allow func() func() bool
	}{
		{"clock", func() func() bool {
			return func() bool { sink.Store(int64(time.Since(origin))); return true }
		}},
		{"mutex", func() func() bool { return newMutexBucket(benchRate, benchBurst).Allow }},
		{"mutexmono", func() func() bool { return newMonoBucket(benchRate, benchBurst).Allow }},
		{"weft", func() func() bool {
			l, err := rate.NewLimiter(benchRate, benchBurst)
			if err != nil {
				b.Fatal(err)
			}
			return l.Allow
		}},
	}
	for _, par := range []bool{false, true} {
		for _, impl := range impls {
			b.Run(fmt.Sprintf("parallel=%v/impl=%s", par, impl.name), func(b *testing.B) {
				b.ReportAllocs()
				allow := impl.allow()
				var denied atomic.Int64
				if par {
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							if !allow() {
								denied.Add(1)
							}
						}
					})
				} else {
					for b.Loop() {
						if !allow() {
							denied.Add(1)
						}
					}
				}
				if denied.Load() != 0 {
					b.Fatalf("%d calls denied; the benchmark must admit every call", denied.Load())
				}
			})
		}
	}
}

// BenchmarkKeyed measures Allow over 1,024 keys from GOMAXPROCS goroutines.
func BenchmarkKeyed(b *testing.B) {
	const keys = 1024
	names := make([]string, keys)
	for i := range names {
		names[i] = fmt.Sprint("client-", i)
	}
	b.Run("impl=weft", func(b *testing.B) {
		b.ReportAllocs()
		k, err := rate.NewKeyed[string](benchRate, benchBurst, keys)
		if err != nil {
			b.Fatal(err)
		}
		var denied atomic.Int64
		var seq atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			i := int(seq.Add(1)) * 7919
			for pb.Next() {
				i++
				if !k.Allow(names[i%keys]) {
					denied.Add(1)
				}
			}
		})
		if denied.Load() != 0 {
			b.Fatalf("%d calls denied", denied.Load())
		}
	})
}
