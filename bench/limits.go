package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sethvargo/go-limiter/memorystore"
	"go.uber.org/ratelimit"
	xrate "golang.org/x/time/rate"

	"github.com/weft-dev/weft/rate"
)

// A rate high enough that every call is admitted: the workloads measure the
// cost of admitting, and check that every call was admitted.
const (
	highRate  = 1e9
	highBurst = 1 << 30
)

// mutexBucket is the hand-written baseline: a token bucket behind a mutex,
// refilled from time.Now on each call.
type mutexBucket struct {
	mu     sync.Mutex
	last   time.Time
	tokens float64
}

func (b *mutexBucket) Allow() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	b.tokens = min(highBurst, b.tokens+now.Sub(b.last).Seconds()*highRate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// hammer calls allow n times from g goroutines and returns how many calls
// were admitted.
func hammer(n, g int, allow func(i int) bool) int64 {
	var admitted atomic.Int64
	var wg sync.WaitGroup
	for s := range g {
		wg.Go(func() {
			local := int64(0)
			for i := s; i < n; i += g {
				if allow(i) {
					local++
				}
			}
			admitted.Add(local)
		})
	}
	wg.Wait()
	return admitted.Load()
}

func limitWorkloads(quick bool) []*workload {
	n := 2_000_000
	if quick {
		n = 100_000
	}
	type allowImpl struct {
		name string
		make func() func(int) bool
	}
	allows := []allowImpl{
		{"weft", func() func(int) bool {
			l, err := rate.NewLimiter(highRate, highBurst)
			if err != nil {
				panic(err)
			}
			return func(int) bool { return l.Allow() }
		}},
		{"x/time/rate", func() func(int) bool {
			l := xrate.NewLimiter(highRate, highBurst)
			return func(int) bool { return l.Allow() }
		}},
		{"uber-ratelimit", func() func(int) bool {
			l := ratelimit.New(highRate, ratelimit.WithoutSlack)
			return func(int) bool { l.Take(); return true }
		}},
		{"mutex", func() func(int) bool {
			b := &mutexBucket{last: time.Now(), tokens: highBurst}
			return func(int) bool { return b.Allow() }
		}},
	}
	var out []*workload
	for _, g := range []int{1, 2} {
		w := &workload{id: fmt.Sprintf("Allow/goroutines=%d", g),
			title: fmt.Sprintf("8. rate limiter Allow, %d goroutine(s), %d calls", g, n),
			unit:  "ns/call", items: int64(n), perItem: true, want: int64(n),
			note: "uber-ratelimit has no Allow: its Take is measured (it never has to sleep at this rate)."}
		for _, a := range allows {
			w.contenders = append(w.contenders, contender{name: a.name, run: func() (int64, error) {
				return hammer(n, g, a.make()), nil
			}})
		}
		out = append(out, w)
	}

	const keys = 1024
	names := make([]string, keys)
	for i := range names {
		names[i] = fmt.Sprint("client-", i)
	}
	w := &workload{id: "KeyedAllow", title: fmt.Sprintf("8. keyed Allow over %d keys, 2 goroutines, %d calls", keys, n),
		unit: "ns/call", items: int64(n), perItem: true, want: int64(n)}
	w.contenders = []contender{
		{name: "weft", run: func() (int64, error) {
			k, err := rate.NewKeyed[string](highRate, highBurst, keys)
			if err != nil {
				return 0, err
			}
			return hammer(n, 2, func(i int) bool { return k.Allow(names[i%keys]) }), nil
		}},
		{name: "x/time/rate+sync.Map", run: func() (int64, error) {
			var m sync.Map
			return hammer(n, 2, func(i int) bool {
				key := names[i%keys]
				l, ok := m.Load(key)
				if !ok {
					l, _ = m.LoadOrStore(key, xrate.NewLimiter(highRate, highBurst))
				}
				return l.(*xrate.Limiter).Allow()
			}), nil
		}},
		{name: "sethvargo/go-limiter", run: func() (int64, error) {
			store, err := memorystore.New(&memorystore.Config{Tokens: 1 << 40, Interval: time.Second})
			if err != nil {
				return 0, err
			}
			defer store.Close(context.Background())
			ctx := context.Background()
			return hammer(n, 2, func(i int) bool {
				_, _, _, ok, _ := store.Take(ctx, names[i%keys])
				return ok
			}), nil
		}},
	}
	return append(out, w)
}
