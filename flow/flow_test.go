package flow_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"github.com/weft-dev/weft"
	"github.com/weft-dev/weft/flow"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

var errBad = errors.New("bad item")

func double(_ context.Context, v int) (int, error) { return 2 * v, nil }

func ints(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

func TestMapAndOrderedMap(t *testing.T) {
	ctx := context.Background()
	for _, workers := range []int{1, 3, 8} {
		got, err := flow.Collect(flow.Map(ctx, flow.FromSlice(ints(1000)), workers, double))
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(got)
		for i, v := range got {
			if v != 2*i {
				t.Fatalf("Map workers=%d: sorted result %d is %d; want %d", workers, i, v, 2*i)
			}
		}
		got, err = flow.Collect(flow.OrderedMap(ctx, flow.FromSlice(ints(1000)), workers, double))
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range got {
			if v != 2*i {
				t.Fatalf("OrderedMap workers=%d: result %d is %d; want %d", workers, i, v, 2*i)
			}
		}
	}
}

func TestOrderedMapKeepsOrderWithRandomDurations(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(1, 2))
		delays := make([]time.Duration, 200)
		for i := range delays {
			delays[i] = time.Duration(rng.IntN(50)) * time.Millisecond
		}
		out := flow.OrderedMap(context.Background(), flow.FromSlice(ints(200)), 6, func(_ context.Context, i int) (int, error) {
			time.Sleep(delays[i])
			return i, nil
		}, flow.WithWindow(12))
		got, err := flow.Collect(out)
		if err != nil || !slices.Equal(got, ints(200)) {
			t.Errorf("OrderedMap: got %v, %v; want 0..199 in order", got, err)
		}
	})
}

// TestOrderedMapSlowHead pins the reorder window: 4 workers, 40 items, item 0
// takes 300 ms and every other item 10 ms. The other 39 items need 130 ms on
// the 3 free workers, so the run ends when the head does: within 310 ms.
func TestOrderedMapSlowHead(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		out := flow.OrderedMap(context.Background(), flow.FromSlice(ints(40)), 4, func(_ context.Context, i int) (int, error) {
			if i == 0 {
				time.Sleep(300 * time.Millisecond)
			} else {
				time.Sleep(10 * time.Millisecond)
			}
			return i, nil
		})
		got, err := flow.Collect(out)
		elapsed := time.Since(start)
		if err != nil || !slices.Equal(got, ints(40)) {
			t.Fatalf("got %v, %v; want 0..39 in order", got, err)
		}
		if elapsed > 310*time.Millisecond {
			t.Errorf("slow-head run took %v of fake time; want <= 310ms", elapsed)
		}
		t.Logf("slow-head run: %v", elapsed)
	})
}

func TestOrderedMapMemoryIsBoundedByTheWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var started atomic.Int64
		gate := make(chan struct{})
		out := flow.OrderedMap(context.Background(), flow.FromSlice(ints(1000)), 2, func(_ context.Context, i int) (int, error) {
			started.Add(1)
			if i == 0 {
				<-gate
			}
			return i, nil
		}, flow.WithWindow(8))
		done := make(chan struct{})
		go func() {
			defer close(done)
			flow.Drain(out)
		}()
		synctest.Wait()
		if got := started.Load(); got != 8 {
			t.Errorf("items started while the head is stuck: got %d; want the window, 8", got)
		}
		close(gate)
		<-done
	})
}

func TestErrorsAndPanicsTravelInBand(t *testing.T) {
	ctx := context.Background()
	f := func(_ context.Context, v int) (int, error) {
		switch v {
		case 3:
			return 0, errBad
		case 5:
			panic("five")
		}
		return v, nil
	}
	for name, s := range map[string]flow.Stream[int]{
		"Map":        flow.Map(ctx, flow.FromSlice(ints(8)), 2, f),
		"OrderedMap": flow.OrderedMap(ctx, flow.FromSlice(ints(8)), 2, f),
		"Partition":  flow.Partition(ctx, flow.FromSlice(ints(8)), 2, func(v int) int { return v % 3 }, f),
	} {
		var vals []int
		var errs []error
		for v, err := range s {
			if err != nil {
				errs = append(errs, err)
				continue
			}
			vals = append(vals, v)
		}
		slices.Sort(vals)
		if !slices.Equal(vals, []int{0, 1, 2, 4, 6, 7}) {
			t.Errorf("%s: values %v; want the six good ones", name, vals)
		}
		var pe *weft.PanicError
		if len(errs) != 2 || !slices.ContainsFunc(errs, func(e error) bool { return errors.Is(e, errBad) }) ||
			!slices.ContainsFunc(errs, func(e error) bool { return errors.As(e, &pe) && pe.Value == "five" }) {
			t.Errorf("%s: errors %v; want errBad and the panic", name, errs)
		}
	}
}

func TestSinksStopAtTheFirstError(t *testing.T) {
	ctx := context.Background()
	var ran atomic.Int64
	f := func(ctx context.Context, v int) error {
		ran.Add(1)
		if v == 10 {
			return errBad
		}
		return nil
	}
	if err := flow.ForEach(ctx, flow.FromSlice(ints(100_000)), 2, f); !errors.Is(err, errBad) {
		t.Errorf("ForEach: got %v; want errBad", err)
	}
	if ran.Load() == 100_000 {
		t.Error("ForEach ran every item after the error; want it to stop")
	}
	ran.Store(0)
	err := flow.ForEach(ctx, flow.FromSlice(ints(100)), 2, func(ctx context.Context, v int) error {
		ran.Add(1)
		if v%10 == 0 {
			return fmt.Errorf("item %d: %w", v, errBad)
		}
		return nil
	}, flow.WithCollectAll())
	if ran.Load() != 100 || strings.Count(err.Error(), "bad item") != 10 {
		t.Errorf("ForEach collect-all: ran %d, err %v; want 100 run and 10 errors", ran.Load(), err)
	}
	vals, err := flow.Collect(flow.OrderedMap(ctx, flow.FromSlice(ints(10)), 3, func(_ context.Context, v int) (int, error) {
		if v == 4 {
			return 0, errBad
		}
		return v, nil
	}))
	if !errors.Is(err, errBad) || !slices.Equal(vals, []int{0, 1, 2, 3}) {
		t.Errorf("Collect: got %v, %v; want [0 1 2 3], errBad", vals, err)
	}
}

func TestSinks(t *testing.T) {
	sum, err := flow.Reduce(flow.FromSlice(ints(10)), 0, func(a, v int) int { return a + v })
	if sum != 45 || err != nil {
		t.Errorf("Reduce: got (%d, %v); want (45, nil)", sum, err)
	}
	first, err := flow.First(flow.FromSlice([]string{"a", "b"}))
	if first != "a" || err != nil {
		t.Errorf("First: got (%q, %v); want (a, nil)", first, err)
	}
	if _, err := flow.First(flow.FromSlice([]string{})); !errors.Is(err, flow.ErrEmpty) {
		t.Errorf("First of nothing: got %v; want ErrEmpty", err)
	}
	if err := flow.Drain(flow.FromSlice(ints(5))); err != nil {
		t.Errorf("Drain: %v", err)
	}
}

func TestFilterAndFlatMap(t *testing.T) {
	ctx := context.Background()
	even := flow.Filter(ctx, flow.FromSlice(ints(10)), func(_ context.Context, v int) (bool, error) { return v%2 == 0, nil })
	got, err := flow.Collect(even)
	if err != nil || !slices.Equal(got, []int{0, 2, 4, 6, 8}) {
		t.Errorf("Filter: got %v, %v", got, err)
	}
	twice := flow.FlatMap(ctx, flow.FromSlice(ints(50)), 4, func(_ context.Context, v int) ([]int, error) { return []int{v, v}, nil })
	got, err = flow.Collect(twice)
	slices.Sort(got)
	want := slices.Sorted(slices.Values(append(ints(50), ints(50)...)))
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("FlatMap: got %v, %v", got, err)
	}
	_, err = flow.Collect(flow.Filter(ctx, flow.FromSlice(ints(3)), func(context.Context, int) (bool, error) { panic("p") }))
	var pe *weft.PanicError
	if !errors.As(err, &pe) {
		t.Errorf("Filter panic: got %v; want a *weft.PanicError", err)
	}
}

func TestBatchBySize(t *testing.T) {
	in := func(yield func(int, error) bool) {
		for _, v := range []int{1, 2, 3, 4, 5} {
			if !yield(v, nil) {
				return
			}
		}
		if !yield(0, errBad) {
			return
		}
		yield(6, nil)
	}
	var got []string
	for b, err := range flow.Batch(in, 2, 0) {
		if err != nil {
			got = append(got, "err")
			continue
		}
		got = append(got, fmt.Sprint(b))
	}
	if want := "[1 2] [3 4] [5] err [6]"; strings.Join(got, " ") != want {
		t.Errorf("Batch: got %q; want %q", strings.Join(got, " "), want)
	}
}

func TestBatchByTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ch := make(chan int)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		type flush struct {
			at    time.Duration
			batch []int
		}
		var got []flush
		start := time.Now()
		done := make(chan struct{})
		go func() {
			defer close(done)
			for b, err := range flow.Batch(flow.FromChan(ctx, ch), 3, 100*time.Millisecond) {
				if err != nil {
					return
				}
				got = append(got, flush{time.Since(start), b})
			}
		}()
		send := func(after time.Duration, v int) {
			time.Sleep(after)
			ch <- v
		}
		send(10*time.Millisecond, 1)  // opens a batch at 10ms
		send(50*time.Millisecond, 2)  // 60ms
		send(100*time.Millisecond, 3) // 160ms: the first batch flushed at 110ms
		send(0, 4)                    // 160ms
		send(0, 5)                    // 160ms: full
		send(500*time.Millisecond, 6) // 660ms
		close(ch)
		<-done
		want := []flush{
			{110 * time.Millisecond, []int{1, 2}},
			{160 * time.Millisecond, []int{3, 4, 5}},
			{660 * time.Millisecond, []int{6}},
		}
		if len(got) != len(want) {
			t.Fatalf("got %v; want %v", got, want)
		}
		for i := range want {
			if got[i].at != want[i].at || !slices.Equal(got[i].batch, want[i].batch) {
				t.Errorf("flush %d: got %v at %v; want %v at %v", i, got[i].batch, got[i].at, want[i].batch, want[i].at)
			}
		}
	})
}

func TestMergeAndTee(t *testing.T) {
	ctx := context.Background()
	merged, err := flow.Collect(flow.Merge(ctx, flow.FromSlice([]int{1, 2, 3}), flow.FromSlice([]int{10, 20}), flow.FromSlice([]int{})))
	slices.Sort(merged)
	if err != nil || !slices.Equal(merged, []int{1, 2, 3, 10, 20}) {
		t.Errorf("Merge: got %v, %v", merged, err)
	}
	branches := flow.Tee(ctx, flow.FromSlice(ints(100)), 3, 4)
	results := make([][]int, 3)
	errs := make(chan error, 3)
	for i, b := range branches {
		go func() {
			var err error
			results[i], err = flow.Collect(b)
			errs <- err
		}()
	}
	for range 3 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	for i, r := range results {
		if !slices.Equal(r, ints(100)) {
			t.Errorf("Tee branch %d: got %d values; want 0..99 in order", i, len(r))
		}
	}
}

func TestTeeBranchThatStopsEarlyIsDropped(t *testing.T) {
	branches := flow.Tee(context.Background(), flow.FromSlice(ints(50)), 2, 0)
	full := make(chan []int)
	go func() {
		v, _ := flow.Collect(branches[1])
		full <- v
	}()
	for v := range branches[0] {
		if v == 3 {
			break
		}
	}
	if got := <-full; !slices.Equal(got, ints(50)) {
		t.Errorf("remaining branch: got %v; want 0..49", got)
	}
}

func TestPartitionKeepsPerKeyOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(3, 4))
		delays := make([]time.Duration, 300)
		for i := range delays {
			delays[i] = time.Duration(rng.IntN(20)) * time.Millisecond
		}
		key := func(v int) string { return fmt.Sprint("user", v%7) }
		out := flow.Partition(context.Background(), flow.FromSlice(ints(300)), 4, key, func(_ context.Context, v int) (int, error) {
			time.Sleep(delays[v])
			return v, nil
		})
		last := map[string]int{}
		n := 0
		for v, err := range out {
			if err != nil {
				t.Fatal(err)
			}
			if prev, ok := last[key(v)]; ok && v < prev {
				t.Errorf("key %s: %d after %d", key(v), v, prev)
			}
			last[key(v)] = v
			n++
		}
		if n != 300 {
			t.Errorf("Partition yielded %d; want 300", n)
		}
	})
}

type countingWaiter struct{ n atomic.Int64 }

func (w *countingWaiter) Wait(ctx context.Context) error {
	w.n.Add(1)
	return ctx.Err()
}

func TestThrottleWaitsBeforeEachValue(t *testing.T) {
	var w countingWaiter
	got, err := flow.Collect(flow.Throttle(context.Background(), flow.FromSlice(ints(7)), &w))
	if err != nil || len(got) != 7 || w.n.Load() != 7 {
		t.Errorf("Throttle: %v, %v, %d waits; want 7 values and 7 waits", got, err, w.n.Load())
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := flow.Collect(flow.Throttle(ctx, flow.FromSlice(ints(7)), &w)); !errors.Is(err, context.Canceled) {
		t.Errorf("Throttle with an ended ctx: got %v; want Canceled", err)
	}
}

func TestSourcesAndChannels(t *testing.T) {
	ch := make(chan int, 3)
	ch <- 1
	ch <- 2
	close(ch)
	got, err := flow.Collect(flow.FromChan(context.Background(), ch))
	if err != nil || !slices.Equal(got, []int{1, 2}) {
		t.Errorf("FromChan: got %v, %v", got, err)
	}
	got, err = flow.Collect(flow.From(slices.Values([]int{4, 5})))
	if err != nil || !slices.Equal(got, []int{4, 5}) {
		t.Errorf("From: got %v, %v", got, err)
	}
	boom := func(yield func(int) bool) {
		yield(1)
		panic("source")
	}
	got, err = flow.Collect(flow.From(boom))
	var pe *weft.PanicError
	if !errors.As(err, &pe) || !slices.Equal(got, []int{1}) {
		t.Errorf("From a panicking seq: got %v, %v; want [1] and a *weft.PanicError", got, err)
	}
	out, errc := flow.ToChan(context.Background(), flow.FromSlice(ints(5)))
	var recv []int
	for v := range out {
		recv = append(recv, v)
	}
	if err := <-errc; err != nil || !slices.Equal(recv, ints(5)) {
		t.Errorf("ToChan: got %v, %v", recv, err)
	}
}

func TestCtxEndEndsTheStream(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		out := flow.Map(ctx, flow.FromSlice(ints(100)), 2, func(ctx context.Context, v int) (int, error) {
			select {
			case <-time.After(time.Hour):
			case <-ctx.Done():
			}
			return v, ctx.Err()
		})
		_, err := flow.Collect(out)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Collect: got %v; want DeadlineExceeded", err)
		}
	})
}

func TestBadConfiguration(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		s    flow.Stream[int]
		want string
	}{
		{"workers", flow.Map(ctx, flow.FromSlice(ints(1)), 0, double), "flow: workers must be >= 1, got 0"},
		{"window", flow.OrderedMap(ctx, flow.FromSlice(ints(1)), 4, double, flow.WithWindow(2)), "flow: window must be >= workers (4), got 2"},
		{"nil f", flow.Map[int, int](ctx, flow.FromSlice(ints(1)), 1, nil), "flow: function must not be nil"},
		{"nil in", flow.Map(ctx, nil, 1, double), "flow: input stream must not be nil"},
		{"lanes", flow.Partition(ctx, flow.FromSlice(ints(1)), -1, func(v int) int { return v }, double), "flow: workers must be >= 1, got -1"},
	}
	for _, tt := range tests {
		if _, err := flow.Collect(tt.s); err == nil || err.Error() != tt.want {
			t.Errorf("%s: got %v; want %q", tt.name, err, tt.want)
		}
	}
	if _, err := flow.Collect(flow.Batch(flow.FromSlice(ints(1)), 0, 0)); err == nil || err.Error() != "flow: batch size must be >= 1, got 0" {
		t.Errorf("Batch size 0: got %v", err)
	}
}

// A callback that calls runtime.Goexit ends its worker; the stage reports
// weft.ErrGoexit for that item, starts a worker in its place and delivers
// every other item.
func TestGoexitIsReportedInBand(t *testing.T) {
	ctx := context.Background()
	f := func(_ context.Context, v int) (int, error) {
		if v%10 == 3 {
			runtime.Goexit()
		}
		return v, nil
	}
	stages := map[string]func() flow.Stream[int]{
		"Map":        func() flow.Stream[int] { return flow.Map(ctx, flow.FromSlice(ints(100)), 3, f) },
		"OrderedMap": func() flow.Stream[int] { return flow.OrderedMap(ctx, flow.FromSlice(ints(100)), 3, f) },
		"Partition": func() flow.Stream[int] {
			return flow.Partition(ctx, flow.FromSlice(ints(100)), 3, func(v int) int { return v % 7 }, f)
		},
	}
	for name, stage := range stages {
		var vals []int
		goexits := 0
		for v, err := range stage() {
			switch {
			case errors.Is(err, weft.ErrGoexit):
				goexits++
			case err != nil:
				t.Fatalf("%s: unexpected error %v", name, err)
			default:
				vals = append(vals, v)
			}
		}
		if goexits != 10 {
			t.Errorf("%s: got %d ErrGoexit; want 10", name, goexits)
		}
		slices.Sort(vals)
		want := slices.DeleteFunc(ints(100), func(v int) bool { return v%10 == 3 })
		if !slices.Equal(vals, want) {
			t.Errorf("%s: got values %v; want %v", name, vals, want)
		}
	}
}
