package job

import (
	"slices"
	"sync"
	"time"
)

// medianWindow is how many of the latest run times the median is taken
// over, so that memory stays bounded however many jobs run.
const medianWindow = 999

// median is the median of the latest run times added to it. Its zero
// value is ready; it is safe for concurrent use.
type median struct {
	mu    sync.Mutex
	ring  []time.Duration
	next  int
	value time.Duration
}

// add records one run time.
func (m *median) add(d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.ring) < medianWindow {
		m.ring = append(m.ring, d)
	} else {
		m.ring[m.next] = d
		m.next = (m.next + 1) % medianWindow
	}
	sorted := slices.Sorted(slices.Values(m.ring))
	m.value = sorted[(len(sorted)-1)/2] // the lower middle, as GNU parallel takes it
}

// get returns the median, and whether any run time was added.
func (m *median) get() (time.Duration, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.value, len(m.ring) > 0
}
