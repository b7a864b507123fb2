package rate

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// checkedClock is a shared clock that moves forward by one tick at every
// reading, and by d at every Sleep(d); a Sleep for longer than giveUp fails
// at once, as if the caller's context had ended, so that Wait cancels its
// reservation. A caller that reads the clock before and after a call knows
// that every reading the limiter took during the call lies between the two.
type checkedClock struct {
	t      atomic.Int64
	tick   int64
	giveUp time.Duration
}

var errGaveUp = errors.New("gave up waiting")

func (c *checkedClock) Now() time.Duration { return time.Duration(c.t.Add(c.tick)) }

func (c *checkedClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d > c.giveUp {
		return errGaveUp
	}
	c.t.Add(int64(max(d, 0)))
	return nil
}

// admission is n events admitted by a call during which the clock read lo
// at the start and hi at the end: the limiter's reading (for a Wait, the
// reading plus the wait it slept) lies in [lo, hi].
type admission struct {
	key    int
	lo, hi int64
	n      int
}

// checkWindows fails t if overAdmitted finds a window over the bound.
func checkWindows(t *testing.T, what string, log []admission, perSecond float64, burst int) {
	t.Helper()
	if err := overAdmitted(log, perSecond, burst); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// overAdmitted checks the limiter's defining bound on admissions: for every
// window [a, b], the events of the calls that lie wholly inside it number at
// most perSecond*(b-a) + burst. Windows start at some call's lo and end at
// some call's hi; for each start, from the last one back, a segment tree over
// the calls sorted by hi gives the worst end: the most events in [a, b]
// less perSecond*b.
func overAdmitted(log []admission, perSecond float64, burst int) error {
	m := len(log)
	if m == 0 {
		return nil
	}
	r := perSecond / float64(time.Second) // events per nanosecond
	byHi := slices.Clone(log)
	slices.SortFunc(byHi, func(x, y admission) int { return cmp.Compare(x.hi, y.hi) })
	pos := make(map[admission][]int) // each call's places in byHi
	for i, x := range byHi {
		pos[x] = append(pos[x], i)
	}
	tree := newMaxTree(m, func(i int) float64 { return -r * float64(byHi[i].hi) })
	byLo := slices.Clone(log)
	slices.SortFunc(byLo, func(x, y admission) int { return cmp.Compare(y.lo, x.lo) })
	for i := 0; i < m; {
		a := byLo[i].lo
		for ; i < m && byLo[i].lo == a; i++ {
			x := byLo[i]
			ps := pos[x]
			p := ps[len(ps)-1]
			pos[x] = ps[:len(ps)-1]
			tree.addRange(p, m-1, float64(x.n))
		}
		first, _ := slices.BinarySearchFunc(byHi, a, func(x admission, a int64) int { return cmp.Compare(x.hi, a) })
		worst, end := tree.maxRange(first, m-1)
		if limit := float64(burst) - r*float64(a); worst > limit+1e-6 {
			b := byHi[end].hi
			return fmt.Errorf("%.0f events within %v (from %d to %d) at %v/s with burst %d; want <= %.2f",
				worst+r*float64(b), time.Duration(b-a), a, b, perSecond, burst, float64(burst)+r*float64(b-a))
		}
	}
	return nil
}

// TestOverAdmittedFindsTheWorstWindow pins the checker the contention tests
// rely on: on random logs it agrees with counting every window by brute
// force, and it catches one event too many.
func TestOverAdmittedFindsTheWorstWindow(t *testing.T) {
	bruteForce := func(log []admission, perSecond float64, burst int) bool {
		for _, s := range log {
			for _, e := range log {
				a, b := s.lo, e.hi
				if b < a {
					continue
				}
				sum := 0
				for _, x := range log {
					if x.lo >= a && x.hi <= b {
						sum += x.n
					}
				}
				if float64(sum) > perSecond*time.Duration(b-a).Seconds()+float64(burst)+1e-6 {
					return true
				}
			}
		}
		return false
	}
	rng := rand.New(rand.NewPCG(1, 2))
	over := 0
	for range 300 {
		log := make([]admission, 1+rng.IntN(30))
		for i := range log {
			lo := rng.Int64N(int64(time.Second))
			log[i] = admission{lo: lo, hi: lo + rng.Int64N(int64(50*time.Millisecond)), n: 1 + rng.IntN(3)}
		}
		want := bruteForce(log, 10, 5)
		if got := overAdmitted(log, 10, 5) != nil; got != want {
			t.Fatalf("overAdmitted on %v: got %v; brute force says %v", log, got, want)
		}
		if want {
			over++
		}
	}
	if over == 0 || over == 300 {
		t.Errorf("%d of 300 random logs over the bound; want some of each", over)
	}
	exact := []admission{{lo: 0, hi: 0, n: 5}, {lo: 100e6, hi: 100e6, n: 1}} // 10/s, burst 5
	if err := overAdmitted(exact, 10, 5); err != nil {
		t.Errorf("a burst and one event an interval later: %v", err)
	}
	exact[1].lo, exact[1].hi = 99e6, 99e6
	if overAdmitted(exact, 10, 5) == nil {
		t.Error("one event a millisecond early: not caught")
	}
}

// maxTree is a segment tree over n values with range add and range max.
type maxTree struct {
	n         int
	top, lazy []float64
	at        []int // where each node's max is
}

func newMaxTree(n int, value func(int) float64) *maxTree {
	t := &maxTree{n: n, top: make([]float64, 4*n), lazy: make([]float64, 4*n), at: make([]int, 4*n)}
	t.build(1, 0, n-1, value)
	return t
}

func (t *maxTree) build(node, lo, hi int, value func(int) float64) {
	if lo == hi {
		t.top[node], t.at[node] = value(lo), lo
		return
	}
	mid := (lo + hi) / 2
	t.build(2*node, lo, mid, value)
	t.build(2*node+1, mid+1, hi, value)
	t.pull(node)
}

func (t *maxTree) pull(node int) {
	l, r := 2*node, 2*node+1
	if t.top[l] >= t.top[r] {
		t.top[node], t.at[node] = t.top[l], t.at[l]
	} else {
		t.top[node], t.at[node] = t.top[r], t.at[r]
	}
	t.top[node] += t.lazy[node]
}

// addRange adds v to values i..j.
func (t *maxTree) addRange(i, j int, v float64) { t.update(1, 0, t.n-1, i, j, v) }

func (t *maxTree) update(node, lo, hi, i, j int, v float64) {
	if j < lo || hi < i {
		return
	}
	if i <= lo && hi <= j {
		t.top[node] += v
		t.lazy[node] += v
		return
	}
	mid := (lo + hi) / 2
	t.update(2*node, lo, mid, i, j, v)
	t.update(2*node+1, mid+1, hi, i, j, v)
	t.pull(node)
}

// maxRange returns the largest of values i..j and its index.
func (t *maxTree) maxRange(i, j int) (float64, int) { return t.query(1, 0, t.n-1, i, j) }

func (t *maxTree) query(node, lo, hi, i, j int) (float64, int) {
	if j < lo || hi < i {
		return math.Inf(-1), -1
	}
	if i <= lo && hi <= j {
		return t.top[node], t.at[node]
	}
	mid := (lo + hi) / 2
	lv, la := t.query(2*node, lo, mid, i, j)
	rv, ra := t.query(2*node+1, mid+1, hi, i, j)
	if rv > lv {
		lv, la = rv, ra
	}
	return lv + t.lazy[node], la
}

// TestContendedCallersNeverOverAdmit hammers one limiter from 8 goroutines
// on 4 Ps with Allow, AllowN, Reserve (kept or cancelled), Wait (kept or
// given up, which cancels it) and idle spells that let the bucket refill, so
// that leases are taken, used, left to expire and carried on from, and the
// limiter runs at its limit between refills. It checks the bound over every
// window of the run, not just over the whole of it.
func TestContendedCallersNeverOverAdmit(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	const (
		perSecond = 1000 // one event per 1000 ticks: the bound is tight
		burst     = 200
		workers   = 8
		calls     = 5000
	)
	c := &checkedClock{tick: int64(time.Microsecond), giveUp: 50 * time.Millisecond}
	l, err := NewLimiter(PerSecond(perSecond), burst, WithClock(c))
	if err != nil {
		t.Fatal(err)
	}
	if l.p.Load().span == 0 {
		t.Fatalf("the limiter takes no leases on %d Ps; the test needs them", len(l.cells))
	}
	var (
		mu    sync.Mutex
		log   []admission
		wg    sync.WaitGroup
		start = make(chan struct{})
		ready atomic.Int64
	)
	for g := range workers {
		wg.Go(func() {
			// Start together and spin until all have, or the first would be
			// done before the last began.
			<-start
			for ready.Add(1); ready.Load() < workers; {
				runtime.Gosched()
			}
			rng := rand.New(rand.NewPCG(uint64(g), 7))
			var mine []admission
			for range calls {
				lo := c.t.Load()
				admitted := 0
				switch op := rng.IntN(1000); {
				case op < 600:
					if l.Allow() {
						admitted = 1
					}
				case op < 720:
					if n := 1 + rng.IntN(4); l.AllowN(n) {
						admitted = n
					}
				case op < 820:
					r := l.ReserveN(1 + rng.IntN(3))
					if r.OK() && r.Delay() == 0 && rng.IntN(2) == 0 {
						admitted = int(r.cost / l.p.Load().interval)
					} else {
						r.Cancel()
					}
				case op < 940:
					if err := l.Wait(context.Background()); err == nil {
						admitted = 1
					} else if !errors.Is(err, errGaveUp) {
						t.Errorf("Wait: %v", err)
						return
					}
				case op < 980:
					l.ReserveN(1 + rng.IntN(3)).Cancel()
				case op < 997: // a pause: the bucket refills a little
					c.t.Add(int64(rng.IntN(4)) * int64(time.Millisecond))
				default: // a long one: the bucket fills, leases run out of time
					c.t.Add(int64(200+rng.IntN(200)) * int64(time.Millisecond))
				}
				if admitted > 0 {
					mine = append(mine, admission{lo: lo, hi: c.t.Load(), n: admitted})
				}
			}
			mu.Lock()
			log = append(log, mine...)
			mu.Unlock()
		})
	}
	close(start)
	wg.Wait()
	leased := 0
	for i := range l.cells {
		if _, hi, _ := l.cells[i].load(); hi != 0 {
			leased++
		}
	}
	if leased == 0 {
		t.Error("no P took a lease: the test did not exercise them")
	}
	total := 0
	for _, a := range log {
		total += a.n
	}
	// Idle spells alone refill the bucket many times over: a limiter that
	// admitted only a trickle would pass the bound without proving much.
	if total < 10*burst {
		t.Errorf("admitted %d events in all; want the limiter run at its limit (>= %d)", total, 10*burst)
	}
	t.Logf("%d events admitted over %v", total, time.Duration(c.t.Load()))
	checkWindows(t, "limiter", log, perSecond, burst)
}

// TestOneGoroutineSeesNoLeases pins that leases change nothing for a single
// caller: its own lease is carried on from, given back to AllowN, Reserve and
// SetLimit, and not counted as taken by Tokens, so a limiter with a large
// burst behaves as the algorithm without leases does. GOMAXPROCS is 1 while
// it runs, so that the goroutine keeps its P (the limiter was made with more,
// and has cells).
func TestOneGoroutineSeesNoLeases(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	var c checkedClock // tick 0: time moves only when told
	l, err := NewLimiter(PerSecond(10), 100, WithClock(&c))
	if err != nil {
		t.Fatal(err)
	}
	runtime.GOMAXPROCS(1)
	if l.p.Load().span == 0 {
		t.Fatal("no leases at burst 100 on 4 Ps")
	}
	check := func(what string, got, want any) {
		t.Helper()
		if got != want {
			t.Errorf("%s: got %v; want %v", what, got, want)
		}
	}
	check("Allow on a full bucket", l.Allow(), true)
	if tat, hi, _ := l.cells[0].load(); hi <= tat {
		t.Fatalf("Allow took no lease (cell from %d to %d)", tat, hi)
	}
	check("Tokens after one Allow", l.Tokens(), 99.0)
	check("AllowN(99) after one Allow", l.AllowN(99), true)
	check("Allow with the burst spent", l.Allow(), false)
	c.t.Add(int64(time.Second)) // 10 events back
	check("Allow after 1s", l.Allow(), true)
	r := l.ReserveN(9)
	check("ReserveN(9) with 9 left: delay", r.Delay(), time.Duration(0))
	check("Allow with the burst spent again", l.Allow(), false)
	c.t.Add(int64(time.Hour))
	check("Allow after an hour", l.Allow(), true)
	if err := l.SetLimit(1); err != nil {
		t.Fatal(err)
	}
	// One event taken; at 1/s it is owed for one second. Leased events
	// must not be carried over as owed.
	check("Tokens after SetLimit(1)", l.Tokens(), 99.0)
}

// TestKeyedContendedEvictionNeverForgivesDebt hammers a keyed limiter that
// holds far fewer keys than are in use, so that keys are evicted and come
// back all the time while other goroutines hit them, and checks the bound
// for every key over every window.
func TestKeyedContendedEvictionNeverForgivesDebt(t *testing.T) {
	const (
		perSecond = 1000
		burst     = 5
		maxKeys   = 32
		keys      = 64
		workers   = 8
		calls     = 4000
	)
	c := &checkedClock{tick: int64(time.Microsecond), giveUp: 2 * time.Millisecond}
	k, err := NewKeyed[int](PerSecond(perSecond), burst, maxKeys, WithClock(c))
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		log   []admission
		wg    sync.WaitGroup
		start = make(chan struct{})
	)
	for g := range workers {
		wg.Go(func() {
			<-start
			rng := rand.New(rand.NewPCG(uint64(g), 11))
			var mine []admission
			for range calls {
				key := rng.IntN(keys)
				lo := c.t.Load()
				var ok bool
				if rng.IntN(4) == 0 {
					err := k.Wait(context.Background(), key)
					ok = err == nil
					if err != nil && !errors.Is(err, errGaveUp) && !errors.Is(err, ErrFull) {
						t.Errorf("Wait: %v", err)
						return
					}
				} else {
					ok = k.Allow(key)
				}
				if ok {
					mine = append(mine, admission{key: key, lo: lo, hi: c.t.Load(), n: 1})
				}
			}
			mu.Lock()
			log = append(log, mine...)
			mu.Unlock()
		})
	}
	close(start)
	wg.Wait()
	if n := k.Len(); n > maxKeys {
		t.Errorf("Len: got %d; want <= %d", n, maxKeys)
	}
	perKey := make([][]admission, keys)
	for _, a := range log {
		perKey[a.key] = append(perKey[a.key], a)
	}
	total := 0
	for key, l := range perKey {
		total += len(l)
		checkWindows(t, fmt.Sprint("key ", key), l, perSecond, burst)
	}
	if total < keys*burst {
		t.Errorf("admitted %d events over %d keys; want at least a burst per key", total, keys)
	}
}
