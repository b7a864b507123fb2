package rate_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/weft-dev/weft/rate"
)

func newKeyed(t testing.TB, r rate.Limit, burst, maxKeys int, opts ...rate.Option) *rate.Keyed[string] {
	t.Helper()
	k, err := rate.NewKeyed[string](r, burst, maxKeys, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestNewKeyedRejectsBadInput(t *testing.T) {
	for _, tt := range []struct {
		r       rate.Limit
		burst   int
		maxKeys int
		want    string
	}{
		{1, 1, 0, "rate: maxKeys must be >= 1, got 0"},
		{1, -1, 5, "rate: burst must be >= 0, got -1"},
		{-3, 1, 5, "rate: limit must be >= 0 events per second, got -3"},
	} {
		if _, err := rate.NewKeyed[int](tt.r, tt.burst, tt.maxKeys); err == nil || err.Error() != tt.want {
			t.Errorf("NewKeyed: got %v; want %q", err, tt.want)
		}
	}
}

func TestKeysAreLimitedSeparately(t *testing.T) {
	var c manualClock
	k := newKeyed(t, rate.PerSecond(1), 2, 100, rate.WithClock(&c))
	for _, key := range []string{"alice", "bob"} {
		if !k.Allow(key) || !k.Allow(key) {
			t.Errorf("%s: burst of 2 not allowed", key)
		}
		if k.Allow(key) {
			t.Errorf("%s: third event allowed within the second", key)
		}
	}
	c.advance(time.Second)
	if !k.Allow("alice") || k.Allow("alice") {
		t.Error("alice after 1s: want exactly one more")
	}
}

func TestKeyedHitAllocatesNothing(t *testing.T) {
	k := newKeyed(t, rate.PerSecond(1e9), 1<<20, 1024)
	k.Allow("client-7")
	if allocs := testing.AllocsPerRun(1000, func() { k.Allow("client-7") }); allocs != 0 {
		t.Errorf("Allow on a known key: %v allocations; want 0", allocs)
	}
}

func TestKeyedMemoryIsBounded(t *testing.T) {
	k := newKeyed(t, rate.PerSecond(10), 1, 100)
	for i := range 10_000 {
		k.Allow(fmt.Sprint("key", i))
	}
	if n := k.Len(); n > 100 {
		t.Errorf("Len after 10,000 keys: got %d; want <= 100", n)
	}
}

// TestKeyedHeapIsBounded pins that memory, not only Len, stays bounded by
// maxKeys: 200,000 distinct keys through a limiter of 100 leave the live
// heap within 1 MiB of where it started (keeping them all would take some
// 20 MiB).
func TestKeyedHeapIsBounded(t *testing.T) {
	k, err := rate.NewKeyed[int](rate.PerSecond(10), 1, 100)
	if err != nil {
		t.Fatal(err)
	}
	heap := func() uint64 {
		var m runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	for i := range 200_000 {
		k.Allow(i)
	}
	after := heap()
	if after > before+1<<20 {
		t.Errorf("live heap grew by %d KiB over 200,000 keys with maxKeys 100; want < 1 MiB", (after-before)>>10)
	}
	runtime.KeepAlive(k)
}

func TestEvictionPrefersIdleKeysAndNeverForgivesDebt(t *testing.T) {
	var c manualClock
	// One shard of two keys, so that eviction is forced and observable.
	k := newKeyed(t, rate.PerSecond(1), 1, 2, rate.WithClock(&c))
	k.Allow("idle") // takes its one event...
	c.advance(time.Second)
	k.Allow("busy") // ...and is idle again a second later; busy owes a second
	k.Allow("new")  // evicts one key: the idle one
	if k.Allow("busy") {
		t.Error("busy was allowed again at once: its state was lost")
	}
	// Now push busy out while it owes; it must not come back fresh.
	k.Allow("x1")
	k.Allow("x2")
	if k.Allow("busy") {
		t.Error("busy, evicted while owing, was allowed again at once")
	}
	c.advance(time.Second)
	if !k.Allow("busy") {
		t.Error("busy after its debt has passed: got false")
	}
}

func TestKeyedWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		k := newKeyed(t, rate.PerSecond(10), 1, 10)
		start := time.Now()
		for range 3 {
			if err := k.Wait(context.Background(), "a"); err != nil {
				t.Fatal(err)
			}
		}
		if err := k.Wait(context.Background(), "b"); err != nil {
			t.Fatal(err)
		}
		if got := time.Since(start); got != 200*time.Millisecond {
			t.Errorf("3 Waits for a and 1 for b took %v; want 200ms", got)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		if err := k.Wait(ctx, "a"); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Wait past the deadline: got %v; want DeadlineExceeded at once", err)
		}
		zero := newKeyed(t, 0, 1, 10)
		if err := zero.Wait(context.Background(), "a"); !errors.Is(err, rate.ErrNever) {
			t.Errorf("Wait at limit 0: got %v; want ErrNever", err)
		}
	})
}

// TestKeyedGrowthLosesNoKey adds keys from four goroutines until every shard
// has outgrown its first table (replaced by a larger one holding copies of
// its entries), while the same goroutines hit keys already added, without a
// lock, as the tables are replaced under them. The clock stands still at a
// rate of 1/s with a burst of 1, so each key is admitted exactly once: a key
// that a hit failed to find and added again, or whose state a copy lost,
// would be admitted twice.
func TestKeyedGrowthLosesNoKey(t *testing.T) {
	const (
		workers = 4
		keys    = 300_000 // 64 shards of 4,096 slots to start with
	)
	var c manualClock
	k, err := rate.NewKeyed[int](rate.PerSecond(1), 1, 1<<20, rate.WithClock(&c))
	if err != nil {
		t.Fatal(err)
	}
	admitted := make([]atomic.Int32, keys)
	var wg sync.WaitGroup
	for g := range workers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 3))
			for key := g; key < keys; key += workers {
				if k.Allow(key) {
					admitted[key].Add(1)
				}
				if old := rng.IntN(key + 1); k.Allow(old) {
					admitted[old].Add(1) // old may be new yet, if another goroutine's
				}
			}
		})
	}
	wg.Wait()
	for key := range admitted {
		if n := admitted[key].Load(); n != 1 {
			t.Fatalf("key %d admitted %d times; want 1 (burst 1, the clock standing still)", key, n)
		}
	}
	if n := k.Len(); n != keys {
		t.Errorf("Len: got %d; want %d", n, keys)
	}
}
