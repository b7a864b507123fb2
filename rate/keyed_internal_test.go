package rate

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// checkTables fails t unless every shard of k holds exactly its count of
// keys, each found by a lookup from its own slot (no free slot cut it off),
// with as many keys in all as Len says.
func checkTables[K comparable](t *testing.T, k *Keyed[K]) {
	t.Helper()
	total := 0
	for i := range k.shards {
		s := &k.shards[i]
		tab := s.table.Load()
		n := 0
		for j := range tab.slots {
			h := tab.slots[j].hash.Load()
			e, st := tab.slots[j].e.Load(), tab.slots[j].st.Load()
			if (h == 0) != (e == nil) || (e == nil) != (st == nil) || (e != nil && e.st != st) {
				t.Fatalf("shard %d slot %d: hash %#x, entry %p, state %p; want all set, the entry's state, or all clear", i, j, h, e, st)
			}
			if e == nil {
				continue
			}
			n++
			if got := tab.find(h, e.key); got != st {
				t.Fatalf("shard %d: key %v in slot %d not found from its own slot %d", i, e.key, j, h&tab.mask)
			}
			if got := k.lookup(h, e.key); got != st {
				t.Fatalf("key %v: lookup found %p; want its state %p", e.key, got, st)
			}
		}
		if n != s.n {
			t.Fatalf("shard %d: %d keys in the table; its count says %d", i, n, s.n)
		}
		if 4*n > 3*len(tab.slots) {
			t.Fatalf("shard %d: %d keys in %d slots; want at most 3/4 full", i, n, len(tab.slots))
		}
		total += n
	}
	if total != k.Len() {
		t.Fatalf("%d keys in the tables; Len says %d", total, k.Len())
	}
}

// TestKeyedTablesStayWhole adds and evicts keys at random in limiters
// small enough that shards fill, evict (moving keys back over the freed
// slots) and grow, and checks after every call that each key held is
// found from its own slot, and that the counts agree.
func TestKeyedTablesStayWhole(t *testing.T) {
	for _, maxKeys := range []int{1, 7, 40, 300} {
		// Each reading of the clock is 0.3s on: some keys owe, some are idle.
		c := &checkedClock{tick: int64(300 * time.Millisecond)}
		k, err := NewKeyed[int](PerSecond(1), 1, maxKeys, WithClock(c))
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(uint64(maxKeys), 5))
		for range 5000 {
			k.Allow(rng.IntN(3 * maxKeys))
			checkTables(t, k)
		}
		if k.Len() != maxKeys {
			t.Errorf("maxKeys %d: Len after 5,000 calls over %d keys: got %d; want %d", maxKeys, 3*maxKeys, k.Len(), maxKeys)
		}
	}
}

// FuzzKeyed drives a small keyed limiter with Allow and Wait on more keys
// than it holds, at random times, so that keys are added, evicted (owing
// or idle), moved back in their tables and added again. After every call
// it checks the tables (checkTables) and that no key was ever admitted
// more than the rate allows given its own earlier admissions: eviction
// never forgives debt.
func FuzzKeyed(f *testing.F) {
	f.Add([]byte{3, 1, 0, 0, 1, 0, 2, 0, 3, 0, 0, 0, 4, 100, 1, 0, 5, 0, 0, 200})
	f.Add([]byte{0, 3, 1, 0, 0, 10, 1, 10, 0, 0, 129, 0, 1, 0, 0, 255, 0, 0, 1, 1})
	f.Add([]byte{19, 2, 7, 5, 30, 1, 131, 9, 44, 0, 12, 250, 3, 3, 150, 7, 59, 2, 8, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 2 {
			return
		}
		const perSecond = 10
		maxKeys, burst := int(data[0])%20+1, int(data[1])%4+1
		c := &checkedClock{giveUp: time.Second}
		k, err := NewKeyed[int](PerSecond(perSecond), burst, maxKeys, WithClock(c))
		if err != nil {
			t.Fatal(err)
		}
		iv := int64(time.Second / perSecond)
		tau := iv * int64(burst)
		tat := map[int]int64{} // each key's TAT from its admissions alone
		for data = data[2:]; len(data) >= 2; data = data[2:] {
			key, wait := int(data[0]&0x7f)%(3*maxKeys), data[0]&0x80 != 0
			c.t.Add(int64(data[1]) * int64(time.Millisecond))
			ok := false
			if wait {
				err := k.Wait(context.Background(), key)
				if err != nil && !errors.Is(err, errGaveUp) {
					t.Fatalf("Wait(%d): %v", key, err)
				}
				ok = err == nil
			} else {
				ok = k.Allow(key)
			}
			if ok {
				now := c.t.Load() // a Wait's event happens when it returns
				prev, seen := tat[key]
				if !seen {
					prev = math.MinInt64
				}
				next := max(prev, now) + iv
				if next-now > tau {
					t.Fatalf("key %d admitted at %v with %v of earlier events still owed; at most %v may be (burst %d)",
						key, time.Duration(now), time.Duration(max(prev, now)-now), time.Duration(tau-iv), burst)
				}
				tat[key] = next
			}
			checkTables(t, k)
			if n := k.Len(); n > maxKeys {
				t.Fatalf("Len %d; want <= maxKeys %d", n, maxKeys)
			}
		}
	})
}
