package rate

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"math"
	"math/bits"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// Keyed is a set of limiters, one per key (a client, a user, an address),
// all with the same rate and burst, in bounded memory: at most maxKeys keys.
// A hit on a known key takes no lock: it finds the key through an
// open-addressed hash table read with atomic loads, and admits by the
// Limiter's algorithm on that key's own TAT. New keys are added under the
// lock of one of several shards. Nothing runs in the background: when the
// limiter is full, a new key evicts one, preferring a key that is idle (owes
// nothing). A key that still owes events when it is evicted leaves its debt
// to the shard: keys first seen there afterwards start at least that far
// behind, so an evicted key that comes back is never allowed more than it
// would have been.
//
// A Keyed is safe for concurrent use by multiple goroutines.
type Keyed[K comparable] struct {
	p       *params
	iv, tau int64 // p's, at hand
	sys     *systemClock
	clock   Clock
	seed    maphash.Seed
	tables  []atomic.Pointer[keyTable[K]] // each shard's, side by side: read by every hit
	shards  []keyShard[K]
	shift   uint // a hash's top bits choose its shard
	maxKeys int64
	keys    atomic.Int64 // keys held, across shards
}

// keyShard holds the keys whose hash starts with its index, in table. Its
// lock serializes adding and evicting keys; readers never touch it.
type keyShard[K comparable] struct {
	table *atomic.Pointer[keyTable[K]]
	mu    sync.Mutex
	n     int   // keys in the shard
	floor int64 // the largest TAT of a key evicted in debt
	// Two cache lines each, so that shards' locks do not share one (the
	// hardware prefetches lines in pairs).
	_ [128 - 32]byte
}

// keyTable is a shard's hash table, open-addressed: a key's slot is the
// first free one from its hash on (linear probing), and holds the hash
// beside pointers to the key's entry and to its state, so that a hit reads
// one line of the table and then the key's two lines at once (neither
// address waits for the other), and a probe past another key's slot reads
// nothing else. It is at most 3/4 full, and is replaced whole, by a table
// twice its size pointing to the same entries, when the shard grows past
// that.
type keyTable[K comparable] struct {
	slots []keySlot[K]
	mask  uint64
}

// keySlot is a place in a keyTable: hash is 0 when the slot is free. Its
// fields change, under the shard's lock, only when a key is added or
// evicted; a reader that sees them change halfway finds no key, or a state
// that is not its entry's (which it does not use), and looks again under
// the lock.
type keySlot[K comparable] struct {
	hash atomic.Uint64
	e    atomic.Pointer[keyEntry[K]]
	st   atomic.Pointer[keyState]
}

// keyEntry is one key and its state. It never changes; the tables of a
// shard share it.
type keyEntry[K comparable] struct {
	key K
	st  *keyState
}

// keyState is one key's TAT, alone on its cache line: every hit writes it,
// and readers of the lines around it must not see them move. The key on the
// same line instead, so that a hit reads one line less, was 11% faster over
// 100,000 keys but 1.22x slower over 1,024 (43 against 36 ns), where two
// cores hitting keys in turn move the line between them and each hit then
// reads the key from a line the other core holds (and 1.47x slower in
// unpadded entries of a chained table). Reading the TAT with an atomic add
// of 0, to fetch the line for writing at once, measured no faster.
type keyState struct {
	tat atomic.Int64
	_   [56]byte
}

// evicted marks the TAT of a key that has been evicted: a caller that finds
// it looks the key up again under its shard's lock.
const evicted = math.MinInt64

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
	shardBits := min(6, bits.Len(uint(max(maxKeys/16, 1)))-1)
	k := &Keyed[K]{
		p:       newParams(r, burst, 0, 0), // no leases: see doc.go
		clock:   c.clock,
		seed:    maphash.MakeSeed(),
		tables:  make([]atomic.Pointer[keyTable[K]], 1<<shardBits),
		shards:  make([]keyShard[K], 1<<shardBits),
		shift:   uint(64 - shardBits),
		maxKeys: int64(maxKeys),
	}
	k.iv, k.tau = k.p.interval, k.p.tau
	k.sys, _ = c.clock.(*systemClock)
	// Each table starts with room for the keys the shard would hold with
	// maxKeys spread evenly, at most 3/4 full, up to 4,096 slots (96 KiB),
	// and grows past that only as keys come.
	perShard := maxKeys >> shardBits
	size := 1 << min(12, max(3, bits.Len(uint(perShard+perShard/3))))
	for i := range k.shards {
		k.tables[i].Store(newKeyTable[K](size))
		k.shards[i].table = &k.tables[i]
		k.shards[i].floor = math.MinInt64
	}
	return k, nil
}

func newKeyTable[K comparable](n int) *keyTable[K] {
	return &keyTable[K]{slots: make([]keySlot[K], n), mask: uint64(n - 1)}
}

func (k *Keyed[K]) now() int64 {
	if k.sys != nil {
		return int64(time.Since(k.sys.origin))
	}
	return int64(k.clock.Now())
}

// hash returns key's hash, never 0 (which marks a free slot).
func (k *Keyed[K]) hash(key K) uint64 {
	if h := maphash.Comparable(k.seed, key); h != 0 {
		return h
	}
	return 1
}

// shard returns the shard of hash h (with one shard, the shift is 64 and
// h>>64 is 0).
func (k *Keyed[K]) shard(h uint64) *keyShard[K] { return &k.shards[h>>k.shift] }

// lookup returns key's state, or nil, without a lock.
func (k *Keyed[K]) lookup(h uint64, key K) *keyState {
	return k.tables[h>>k.shift].Load().find(h, key)
}

// find returns key's state in t, or nil: it probes from h's slot on to a
// free one. Without the lock, a key whose slot an eviction is moving may be
// missed (its caller then looks again under the lock); a state found is
// always the key's.
func (t *keyTable[K]) find(h uint64, key K) *keyState {
	i := h & t.mask
	for range t.slots {
		s := &t.slots[i]
		switch s.hash.Load() {
		case h:
			if e, st := s.e.Load(), s.st.Load(); e != nil && e.key == key && e.st == st {
				return st
			}
		case 0:
			return nil
		}
		i = (i + 1) & t.mask
	}
	return nil
}

// insert puts e, whose key's hash is h, in the first free slot from h's
// on: the entry before the hash, so that a reader that sees the hash finds
// the entry. Called with the shard's lock held, on a table at most 3/4 full.
func (t *keyTable[K]) insert(h uint64, e *keyEntry[K]) {
	i := h & t.mask
	for t.slots[i].hash.Load() != 0 {
		i = (i + 1) & t.mask
	}
	t.slots[i].e.Store(e)
	t.slots[i].st.Store(e.st)
	t.slots[i].hash.Store(h)
}

// remove frees slot i, moving back the keys after it that would otherwise
// be cut off from their own slot by a free one (so that no slot is ever
// marked deleted, and probes stay as short as the keys held allow). Called
// with the shard's lock held.
func (t *keyTable[K]) remove(i uint64) {
	for j := (i + 1) & t.mask; ; j = (j + 1) & t.mask {
		h := t.slots[j].hash.Load()
		if h == 0 {
			break
		}
		// The key at j may move to i unless its own slot lies after i, up
		// to j, going round.
		if (j-h)&t.mask >= (j-i)&t.mask {
			t.slots[i].e.Store(t.slots[j].e.Load())
			t.slots[i].st.Store(t.slots[j].st.Load())
			t.slots[i].hash.Store(h)
			i = j
		}
	}
	t.slots[i].hash.Store(0)
	t.slots[i].e.Store(nil)
	t.slots[i].st.Store(nil)
}

// take claims one event for key if it may happen within maxWait
// nanoseconds, and returns the key's state, the TAT it set and the wait.
// When it claims nothing, ok is false and st is nil if the limiter had no
// room for a new key. The limit must be neither Inf nor none.
func (k *Keyed[K]) take(key K, maxWait int64) (st *keyState, next, wait int64, ok bool) {
	h := k.hash(key)
	if st := k.lookup(h, key); st != nil {
		if next, wait, ok, live := k.claim(st, k.now(), maxWait); live {
			return st, next, wait, ok
		}
	}
	return k.takeLocked(k.shard(h), h, key, maxWait)
}

// takeLocked is take for a new key, or one being evicted: it looks again
// under the shard's lock, where the table holds only live keys.
func (k *Keyed[K]) takeLocked(s *keyShard[K], h uint64, key K, maxWait int64) (st *keyState, next, wait int64, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := k.now()
	if st = k.state(s, h, key, now); st == nil {
		return nil, 0, 0, false
	}
	next, wait, ok, _ = k.claim(st, now, maxWait)
	return st, next, wait, ok
}

// claim is the Limiter's algorithm on one key's TAT, without leases: keys
// are many and rarely hit by two cores at once. live is false if the key
// was evicted (and nothing was claimed).
func (k *Keyed[K]) claim(st *keyState, now, maxWait int64) (next, wait int64, ok, live bool) {
	for {
		tat := st.tat.Load()
		if tat == evicted {
			return 0, 0, false, false
		}
		next = max(tat, now) + k.iv
		wait = max(next-k.tau-now, 0)
		if wait > maxWait {
			return next, wait, false, true
		}
		if st.tat.CompareAndSwap(tat, next) {
			return next, wait, true, true
		}
	}
}

// state returns key's state in shard s, adding it if it is new; when the
// limiter is full, another key makes room: one of s's, or failing that one
// of a shard that is free to lock at once. It returns nil, and the caller
// denies the event, in the rare case that no room can be made at once.
// Called with s.mu held.
func (k *Keyed[K]) state(s *keyShard[K], h uint64, key K, now int64) *keyState {
	t := s.table.Load()
	if st := t.find(h, key); st != nil {
		return st
	}
	if k.keys.Add(1) > k.maxKeys && !k.makeRoom(s, now) {
		k.keys.Add(-1)
		return nil
	}
	if 4*(s.n+1) > 3*len(t.slots) { // 7/8 measured no faster over 100,000 keys
		t = s.grow(t)
	}
	st := &keyState{}
	st.tat.Store(max(s.floor, now))
	t.insert(h, &keyEntry[K]{key: key, st: st})
	s.n++
	return st
}

// grow replaces t, s's table, by one twice its size holding the same
// entries, and returns it. Readers still on t find every key there but the
// new ones, which they look up again under the lock. Called with s.mu held.
func (s *keyShard[K]) grow(t *keyTable[K]) *keyTable[K] {
	nt := newKeyTable[K](2 * len(t.slots))
	for i := range t.slots {
		if h := t.slots[i].hash.Load(); h != 0 {
			nt.insert(h, t.slots[i].e.Load())
		}
	}
	s.table.Store(nt)
	return nt
}

func (k *Keyed[K]) makeRoom(s *keyShard[K], now int64) bool {
	if s.n > 0 {
		s.evict(now)
		k.keys.Add(-1)
		return true
	}
	for i := range k.shards {
		o := &k.shards[i]
		if o == s || !o.mu.TryLock() {
			continue
		}
		ok := o.n > 0
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

// evict removes an idle key if it finds one among a few, looking from a
// random slot on, or else the one of them that owes least, keeping its
// debt in the shard's floor. Called with s.mu held and s.n > 0.
func (s *keyShard[K]) evict(now int64) {
	t := s.table.Load()
	var (
		victim *keyState
		at     uint64
		least  int64
	)
	start, seen := rand.Uint64(), 0
	for n := range uint64(len(t.slots)) {
		i := (start + n) & t.mask
		st := t.slots[i].st.Load()
		if st == nil {
			continue
		}
		tat := st.tat.Load()
		if victim == nil || tat < least {
			victim, at, least = st, i, tat
		}
		if seen++; tat <= now || seen == evictSample {
			break
		}
	}
	// Mark the victim evicted, atomically with reading its last TAT: a
	// caller that found it before it left the table either claimed before
	// this (and its claim is in the debt kept below) or finds it evicted
	// and looks the key up again.
	tat := victim.tat.Swap(evicted)
	if tat > now {
		s.floor = max(s.floor, tat)
	}
	t.remove(at)
	s.n--
}

// Allow reports whether one event for key may happen now, and takes it if
// so. A hit on a known key takes no lock and allocates nothing.
func (k *Keyed[K]) Allow(key K) bool {
	if k.iv == 0 { // Inf or none
		return k.p.all
	}
	h := k.hash(key)
	if st := k.lookup(h, key); st != nil {
		if _, _, ok, live := k.claim(st, k.now(), 0); live {
			return ok
		}
	}
	_, _, _, ok := k.takeLocked(k.shard(h), h, key, 0)
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
		// Give the event back unless something was claimed after it or the
		// key was evicted (its debt, this event included, is kept).
		st.tat.CompareAndSwap(next, next-k.p.interval)
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
