package rate

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"math"
	"math/bits"
	"sync"
	"sync/atomic"
	"time"
)

// Keyed is a set of limiters, one per key (a client, a user, an address),
// all with the same rate and burst, in bounded memory: at most maxKeys keys.
// Keys are spread over shards, each with its own lock, so that callers with
// different keys rarely meet. Nothing runs in the background: when the
// limiter is full, a new key evicts one, preferring a key that is idle (owes
// nothing). A key
// that still owes events when it is evicted leaves its debt to the shard:
// keys first seen there afterwards start at least that far behind, so an
// evicted key that comes back is never allowed more than it would have been.
//
// A Keyed is safe for concurrent use by multiple goroutines.
type Keyed[K comparable] struct {
	p       *params
	sys     *systemClock
	clock   Clock
	seed    maphash.Seed
	shards  []keyShard[K]
	mask    uint64
	maxKeys int64
	keys    atomic.Int64 // keys held, across shards
}

type keyShard[K comparable] struct {
	mu    sync.Mutex
	m     map[K]*keyState
	floor int64 // the largest TAT of a key evicted in debt
	// Pad to two cache lines, so that callers on different shards share
	// none (the hardware prefetches lines in pairs).
	_ [128 - 24]byte
}

// keyState is one key's TAT, alone on its cache line: keys inserted one after
// another would otherwise share lines, and callers working on neighbouring
// keys would slow each other down (the peer harness measured 76 ns per Allow with neighbouring keys, 35 ns padded).
type keyState struct {
	tat int64
	_   [56]byte
}

// evictSample is how many keys a full shard looks at to choose one to evict.
const evictSample = 8

// NewKeyed returns a keyed limiter that allows each key r events per second
// with bursts of burst, and holds at most maxKeys keys.
func NewKeyed[K comparable](r Limit, burst int, maxKeys int, opts ...Option) (*Keyed[K], error) {
	if err := checkLimit(r); err != nil {
		return nil, err
	}
	if burst < 0 {
		return nil, fmt.Errorf("rate: burst must be >= 0, got %d", burst)
	}
	if maxKeys < 1 {
		return nil, fmt.Errorf("rate: maxKeys must be >= 1, got %d", maxKeys)
	}
	c, err := configure(opts)
	if err != nil {
		return nil, err
	}
	// Shards: a power of two, at most 64, with 16 keys each on average when
	// maxKeys allows, so that eviction has a choice.
	n := 1 << min(6, bits.Len(uint(max(maxKeys/16, 1)))-1)
	k := &Keyed[K]{
		p:       newParams(r, burst),
		clock:   c.clock,
		seed:    maphash.MakeSeed(),
		shards:  make([]keyShard[K], n),
		mask:    uint64(n - 1),
		maxKeys: int64(maxKeys),
	}
	k.sys, _ = c.clock.(*systemClock)
	for i := range k.shards {
		k.shards[i].m = make(map[K]*keyState)
		k.shards[i].floor = math.MinInt64
	}
	return k, nil
}

func (k *Keyed[K]) now() int64 {
	if k.sys != nil {
		return int64(time.Since(k.sys.origin))
	}
	return int64(k.clock.Now())
}

// state returns key's state in shard s, adding it if it is new; when the
// limiter is full, another key makes room: one of s's, or failing that one
// of a shard that is free to lock at once. It returns nil, and the caller
// denies the event, in the rare case that no room can be made at once.
// Called with s.mu held.
func (k *Keyed[K]) state(s *keyShard[K], key K, now int64) *keyState {
	if st := s.m[key]; st != nil {
		return st
	}
	if k.keys.Add(1) > k.maxKeys && !k.makeRoom(s, now) {
		k.keys.Add(-1)
		return nil
	}
	st := &keyState{tat: max(s.floor, now)}
	s.m[key] = st
	return st
}

func (k *Keyed[K]) makeRoom(s *keyShard[K], now int64) bool {
	if len(s.m) > 0 {
		s.evict(now)
		k.keys.Add(-1)
		return true
	}
	for i := range k.shards {
		o := &k.shards[i]
		if o == s || !o.mu.TryLock() {
			continue
		}
		ok := len(o.m) > 0
		if ok {
			o.evict(now)
			k.keys.Add(-1)
		}
		o.mu.Unlock()
		if ok {
			return true
		}
	}
	return false
}

// evict removes an idle key if it finds one among a few, or else the one of
// them that owes least, keeping its debt in the shard's floor. Called with
// s.mu held and s.m not empty.
func (s *keyShard[K]) evict(now int64) {
	var (
		victim K
		least  *keyState
		seen   int
	)
	for key, st := range s.m { // map order is random: a cheap sample
		if least == nil || st.tat < least.tat {
			victim, least = key, st
		}
		if seen++; st.tat <= now || seen == evictSample {
			break
		}
	}
	if least.tat > now {
		s.floor = max(s.floor, least.tat)
	}
	delete(s.m, victim)
}

func (k *Keyed[K]) shard(key K) *keyShard[K] {
	return &k.shards[maphash.Comparable(k.seed, key)&k.mask]
}

// take claims one event for key if it may happen within maxWait
// nanoseconds, and returns the key's state, the TAT it set and the wait.
// When it claims nothing, ok is false and st is nil if the limiter had no
// room for a new key. The limit must be neither Inf nor none.
func (k *Keyed[K]) take(key K, maxWait int64) (st *keyState, next, wait int64, ok bool) {
	s := k.shard(key)
	now := k.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if st = k.state(s, key, now); st == nil {
		return nil, 0, 0, false
	}
	next = max(st.tat, now) + k.p.interval
	wait = max(next-k.p.tau-now, 0)
	if wait > maxWait {
		return st, next, wait, false
	}
	st.tat = next
	return st, next, wait, true
}

// Allow reports whether one event for key may happen now, and takes it if
// so. A hit on a known key allocates nothing.
func (k *Keyed[K]) Allow(key K) bool {
	switch {
	case k.p.all:
		return true
	case k.p.none:
		return false
	}
	_, _, _, ok := k.take(key, 0)
	return ok
}

// Wait waits until one event for key may happen and takes it, with the same
// errors as Limiter.WaitN: at once if it never can or if ctx's deadline
// comes first, or when ctx ends while waiting (the event is then given back
// if nothing was taken for key after it).
func (k *Keyed[K]) Wait(ctx context.Context, key K) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	switch {
	case k.p.all:
		return nil
	case k.p.none:
		return fmt.Errorf("%w: limit %v with burst %d", ErrNever, float64(k.p.limit), k.p.burst)
	}
	st, next, wait, ok := k.take(key, maxWait(ctx))
	switch {
	case st == nil:
		return fmt.Errorf("rate: no room for key: %w", ErrFull)
	case !ok:
		return fmt.Errorf("rate: key would wait %v, past the context's deadline: %w", time.Duration(wait), context.DeadlineExceeded)
	}
	if wait == 0 {
		return nil
	}
	if err := k.clock.Sleep(ctx, time.Duration(wait)); err != nil {
		s := k.shard(key)
		s.mu.Lock()
		if s.m[key] == st && st.tat == next {
			st.tat -= k.p.interval
		}
		s.mu.Unlock()
		return err
	}
	return nil
}

// Len returns the number of keys held.
func (k *Keyed[K]) Len() int { return int(k.keys.Load()) }

// ErrFull is wrapped by the error of a Keyed Wait for a new key when the
// limiter is full and no room could be made at once (every other key's
// shard was busy); Allow denies such an event.
var ErrFull = errors.New("rate: keyed limiter full")
