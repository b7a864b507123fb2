package errgroup

import "testing"

func TestRingKeepsOrderAcrossGrowthAndWrap(t *testing.T) {
	tests := []struct {
		name  string
		steps []int // > 0: push that many; < 0: take that many
	}{
		{"fill and drain", []int{64, -64}},
		{"grow from empty", []int{200, -200}},
		{"wrap", []int{40, -30, 50, -60}},
		{"grow while wrapped", []int{60, -50, 100, -110}},
		{"release a large buffer", []int{3000, -3000, 5, -5}},
	}
	for _, tt := range tests {
		var r ring
		var pushed, taken int
		for _, step := range tt.steps {
			for range step {
				v := pushed
				r.push(func() error { return &ringValue{v} })
				pushed++
			}
			for range -step {
				got := r.take()().(*ringValue).v
				if got != taken {
					t.Fatalf("%s: take %d: got function %d; want %d", tt.name, taken, got, taken)
				}
				taken++
			}
			if r.len() != pushed-taken {
				t.Fatalf("%s: len %d; want %d", tt.name, r.len(), pushed-taken)
			}
		}
		if len(r.buf) > keepRing {
			t.Errorf("%s: an empty ring keeps %d slots; want at most %d", tt.name, len(r.buf), keepRing)
		}
		for i, f := range r.buf {
			if f != nil {
				t.Errorf("%s: slot %d of the empty ring still holds a function", tt.name, i)
			}
		}
	}
}

type ringValue struct{ v int }

func (*ringValue) Error() string { return "ring value" }
