package flow_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"go.uber.org/goleak"

	"github.com/weft-dev/weft"
	"github.com/weft-dev/weft/flow"
)

// event is one element of a stream, written so that a pipeline's output can
// be compared with the sequential reference: "v:7", "e:bad" or "e:panic".
type event = string

func eventOf(v int, err error) event {
	var pe *weft.PanicError
	switch {
	case err == nil:
		return fmt.Sprint("v:", v)
	case errors.Is(err, errBad):
		return "e:bad"
	case errors.As(err, &pe):
		return "e:panic"
	}
	return "e:other: " + err.Error()
}

// bytes hands out the fuzzer's input one byte at a time, then zeros.
type bytes []byte

func (b *bytes) next() int {
	if len(*b) == 0 {
		return 0
	}
	v := (*b)[0]
	*b = (*b)[1:]
	return int(v)
}

// mapEvents applies f to the values of a reference sequence; errors pass.
func mapEvents(ref []event, f func(int) []int) []event {
	var out []event
	for _, e := range ref {
		var v int
		if _, err := fmt.Sscanf(e, "v:%d", &v); err != nil {
			out = append(out, e)
			continue
		}
		for _, r := range f(v) {
			out = append(out, eventOf(r, nil))
		}
	}
	return out
}

// FuzzPipeline builds random pipelines (stages, worker counts, batch sizes,
// an injected error and panic, an early break) and checks what they yield
// against a plain sequential reference: exactly for order-keeping pipelines,
// as a multiset otherwise; and that no goroutine is left behind.
func FuzzPipeline(f *testing.F) {
	f.Add([]byte{20, 3, 7, 0, 2, 1, 2, 3, 4, 0})
	f.Add([]byte{39, 50, 50, 79, 4, 0, 3, 1, 1, 2, 2, 3, 5})
	f.Add([]byte{10, 2, 5, 4, 3, 4, 1, 5, 2, 0, 3})
	f.Fuzz(func(t *testing.T, data []byte) {
		harness := goleak.IgnoreCurrent() // the fuzzing engine's own goroutines
		b := bytes(data)
		ctx := context.Background()
		n := b.next() % 40
		errAt, panicAt := b.next()%50, b.next()%50
		stopAfter := b.next() % 80
		ops := b.next()%4 + 1

		inject := func(v int) (int, error) {
			switch v {
			case errAt:
				return 0, errBad
			case panicAt:
				panic("injected")
			}
			return v, nil
		}
		// The first stage injects the failures.
		var s flow.Stream[int]
		workers := b.next()%4 + 1
		ordered := b.next()%2 == 0
		first := func(_ context.Context, v int) (int, error) { return inject(v) }
		if ordered {
			s = flow.OrderedMap(ctx, flow.FromSlice(ints(n)), workers, first)
		} else {
			s = flow.Map(ctx, flow.FromSlice(ints(n)), workers, first)
		}
		var ref []event
		for i := range n {
			switch {
			case i == errAt:
				ref = append(ref, "e:bad")
			case i == panicAt:
				ref = append(ref, "e:panic")
			default:
				ref = append(ref, eventOf(i, nil))
			}
		}

		for range ops {
			w := b.next()%4 + 1
			switch b.next() % 6 {
			case 0:
				s = flow.Map(ctx, s, w, func(_ context.Context, v int) (int, error) { return 2*v + 1, nil })
				ref = mapEvents(ref, func(v int) []int { return []int{2*v + 1} })
				ordered = false
			case 1:
				s = flow.OrderedMap(ctx, s, w, func(_ context.Context, v int) (int, error) { return 2*v + 1, nil })
				ref = mapEvents(ref, func(v int) []int { return []int{2*v + 1} })
			case 2:
				s = flow.Filter(ctx, s, func(_ context.Context, v int) (bool, error) { return v%3 != 0, nil })
				ref = mapEvents(ref, func(v int) []int {
					if v%3 != 0 {
						return []int{v}
					}
					return nil
				})
			case 3:
				s = flow.Unbatch(flow.Batch(s, w, 0))
			case 4:
				s = flow.FlatMap(ctx, s, w, func(_ context.Context, v int) ([]int, error) { return []int{v, v + 1}, nil })
				ref = mapEvents(ref, func(v int) []int { return []int{v, v + 1} })
				ordered = false
			case 5:
				s = flow.Partition(ctx, s, w, func(v int) int { return v % 3 }, func(_ context.Context, v int) (int, error) { return v + 7, nil })
				ref = mapEvents(ref, func(v int) []int { return []int{v + 7} })
				ordered = false
			}
		}

		var got []event
		for v, err := range s {
			if len(got) == stopAfter {
				break
			}
			got = append(got, eventOf(v, err))
		}
		if err := goleak.Find(harness); err != nil {
			t.Fatalf("leak: %v", err)
		}
		want := ref
		if len(got) < len(ref) {
			if len(got) != stopAfter {
				t.Fatalf("pipeline ended after %d elements; want %d", len(got), len(ref))
			}
			if ordered {
				want = ref[:len(got)]
			}
		}
		if !ordered {
			got, want = slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))
			if len(got) < len(want) {
				// An early break: what came must be part of what was due.
				for _, e := range got {
					i := slices.Index(want, e)
					if i < 0 {
						t.Fatalf("got %q, which the reference does not have", e)
					}
					want = slices.Delete(want, i, i+1)
				}
				return
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("got %v\nwant %v", got, want)
		}
	})
}
