//go:build race

package rate

import "sync/atomic"

// cell is one P's lease; see cell_norace.go. The race detector does not know
// that a pinned P excludes other goroutines, so this build uses atomics.
type cell struct {
	tat, hi atomic.Int64
	gen     atomic.Uint64
	_       [128 - 24]byte
}

func (c *cell) load() (tat, hi int64, gen uint64) { return c.tat.Load(), c.hi.Load(), c.gen.Load() }

func (c *cell) store(tat, hi int64, gen uint64) {
	c.tat.Store(tat)
	c.hi.Store(hi)
	c.gen.Store(gen)
}

func (c *cell) setTat(tat int64) { c.tat.Store(tat) }
