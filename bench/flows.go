package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/destel/rill"
	"github.com/sourcegraph/conc/stream"

	"github.com/weft-dev/weft/flow"
)

// mapImpl maps f over 0..n-1 with workers goroutines and hands each result
// to sink (in input order when ordered).
type mapImpl struct {
	name    string
	ordered bool
	run     func(n, workers int, f func(int) int, sink func(int)) error
}

var mapImpls = []mapImpl{
	{"weft-Map", false, func(n, workers int, f func(int) int, sink func(int)) error {
		out := flow.Map(context.Background(), upTo(n), workers, func(_ context.Context, v int) (int, error) { return f(v), nil })
		return drainFlow(out, sink)
	}},
	{"weft-OrderedMap", true, func(n, workers int, f func(int) int, sink func(int)) error {
		out := flow.OrderedMap(context.Background(), upTo(n), workers, func(_ context.Context, v int) (int, error) { return f(v), nil })
		return drainFlow(out, sink)
	}},
	{"rill-Map", false, func(n, workers int, f func(int) int, sink func(int)) error {
		return drainRill(rill.Map(rillUpTo(n), workers, func(v int) (int, error) { return f(v), nil }), sink)
	}},
	{"rill-OrderedMap", true, func(n, workers int, f func(int) int, sink func(int)) error {
		return drainRill(rill.OrderedMap(rillUpTo(n), workers, func(v int) (int, error) { return f(v), nil }), sink)
	}},
	{"conc-stream", true, func(n, workers int, f func(int) int, sink func(int)) error {
		s := stream.New().WithMaxGoroutines(workers)
		for i := range n {
			s.Go(func() stream.Callback {
				r := f(i)
				return func() { sink(r) }
			})
		}
		s.Wait()
		return nil
	}},
	{"channel-buf0", false, channelMap(func(int) int { return 0 })},
	{"channel-bufW", false, channelMap(func(workers int) int { return workers })},
	{"channel-buf64", false, channelMap(func(int) int { return 64 })},
}

// channelMap is the hand-written fan-out/fan-in: a goroutine feeds a jobs
// channel, workers read it and send to a results channel, which the caller
// drains; both channels are buffered to buffer(workers).
func channelMap(buffer func(workers int) int) func(n, workers int, f func(int) int, sink func(int)) error {
	return func(n, workers int, f func(int) int, sink func(int)) error {
		jobs, results := make(chan int, buffer(workers)), make(chan int, buffer(workers))
		go func() {
			defer close(jobs)
			for i := range n {
				jobs <- i
			}
		}()
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for v := range jobs {
					results <- f(v)
				}
			})
		}
		go func() { wg.Wait(); close(results) }()
		for r := range results {
			sink(r)
		}
		return nil
	}
}

func upTo(n int) flow.Stream[int] {
	return func(yield func(int, error) bool) {
		for i := range n {
			if !yield(i, nil) {
				return
			}
		}
	}
}

func rillUpTo(n int) <-chan rill.Try[int] {
	out := make(chan rill.Try[int])
	go func() {
		defer close(out)
		for i := range n {
			out <- rill.Try[int]{Value: i}
		}
	}()
	return out
}

func drainFlow(s flow.Stream[int], sink func(int)) error {
	for v, err := range s {
		if err != nil {
			return err
		}
		sink(v)
	}
	return nil
}

func drainRill(in <-chan rill.Try[int], sink func(int)) error {
	for t := range in {
		if t.Error != nil {
			return t.Error
		}
		sink(t.Value)
	}
	return nil
}

// checkedSink records results and reports a checksum: the sum, and for
// ordered contenders 0 unless every result came in order.
type checkedSink struct {
	ordered bool
	next    int
	sum     int64
	inOrder bool
}

func (c *checkedSink) add(v int) {
	if v != c.next {
		c.inOrder = false
	}
	c.next = v + 1
	c.sum += int64(v)
}

func (c *checkedSink) result() int64 {
	if c.ordered && !c.inOrder {
		return -1
	}
	return c.sum
}

// spin does about a microsecond of work (500 rounds of xorshift) and
// returns v, so that the result can still be checked.
func spin(v int) int {
	x := uint64(v) | 1
	for range 500 {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
	}
	if x == 0 { // never: xorshift keeps a non-zero state non-zero
		return -1
	}
	return v
}

func mapWorkloads(quick bool) []*workload {
	n := 300_000
	if quick {
		n = 20_000
	}
	want := int64(n) * int64(n-1) / 2
	note := "Ordered contenders must deliver every item in input order. channel-bufN is the hand-written fan-out/fan-in (a feeding goroutine, workers between a jobs and a results channel) with both channels buffered to 0, the number of workers (W) or 64."
	mapOf := func(id, title string, workers int, f func(int) int, peers bool) *workload {
		w := &workload{id: id, title: title, unit: "ns/item", items: int64(n), perItem: true, want: want, note: note}
		for _, m := range mapImpls {
			if !peers && !strings.HasPrefix(m.name, "weft-") && !strings.HasPrefix(m.name, "channel-") {
				continue
			}
			w.contenders = append(w.contenders, contender{name: m.name, run: func() (int64, error) {
				s := &checkedSink{ordered: m.ordered, inOrder: true}
				err := m.run(n, workers, f, s.add)
				return s.result(), err
			}})
		}
		return w
	}
	noop := func(v int) int { return v }
	// 6: the peers at 4 workers, then weft and the channels alone at 2 and
	// 16 workers, and on items of about a microsecond of work.
	out := []*workload{mapOf("Map", fmt.Sprintf("6. parallel map, %d no-op items, 4 workers", n), 4, noop, true)}
	for _, workers := range []int{2, 16} {
		out = append(out, mapOf(fmt.Sprintf("Map/workers=%d", workers),
			fmt.Sprintf("6. parallel map, %d no-op items, %d workers", n, workers), workers, noop, false))
	}
	for _, workers := range []int{2, 4, 16} {
		out = append(out, mapOf(fmt.Sprintf("Map1us/workers=%d", workers),
			fmt.Sprintf("6. parallel map, %d items of ~1 us of work, %d workers", n, workers), workers, spin, false))
	}
	// 7: the slow head: item 0 takes 300 ms, the rest 10 ms each.
	const items = 40
	w7 := &workload{id: "SlowHead", title: "7. ordered map, slow head: 4 workers, 40 items, item 0 takes 300 ms, the others 10 ms",
		unit: "ms", items: items, want: items * (items - 1) / 2, floor: 300}
	slow := func(v int) int {
		if v == 0 {
			time.Sleep(300 * time.Millisecond)
		} else {
			time.Sleep(10 * time.Millisecond)
		}
		return v
	}
	for _, m := range mapImpls {
		if !m.ordered {
			continue
		}
		w7.contenders = append(w7.contenders, contender{name: m.name, run: func() (int64, error) {
			s := &checkedSink{ordered: true, inOrder: true}
			err := m.run(items, 4, slow, s.add)
			return s.result(), err
		}})
	}
	return append(out, w7)
}
