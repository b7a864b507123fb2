//go:build !race

package rate

// cell is one P's lease: the TAT inside it (tat) and its end (hi), under
// the limiter setting gen. Only the goroutine that has pinned that P touches
// it, so plain loads and stores suffice, as for sync.Pool's per-P caches; the
// race build uses atomics instead, since the race detector cannot see the pin.
// Each cell has two cache lines to itself (the hardware prefetches lines in
// pairs) so that Ps never share one.
type cell struct {
	tat, hi int64
	gen     uint64
	_       [128 - 24]byte
}

func (c *cell) load() (tat, hi int64, gen uint64) { return c.tat, c.hi, c.gen }
func (c *cell) store(tat, hi int64, gen uint64)   { c.tat, c.hi, c.gen = tat, hi, gen }
func (c *cell) setTat(tat int64)                  { c.tat = tat }
