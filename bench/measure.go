package main

import (
	"fmt"
	"runtime"
	"slices"
	"time"
)

// sample is one measured run of one contender.
type sample struct {
	value  float64 // in the workload's unit (ns per item, ms, bytes per task)
	bytes  float64 // heap bytes allocated per item
	allocs float64 // heap allocations per item
	rssKiB float64 // peak resident memory, where measured
}

// contender is one implementation of a workload. run does the work once and
// returns what it produced, which check compares with what was due: a
// contender that skipped work is an error, not a win.
type contender struct {
	name string
	run  func() (result int64, err error)
	// measure, if set, replaces timing: it returns the sample itself (memory
	// workloads).
	measure func() (sample, error)
	// prepare, if set, runs before each timed run, outside the timing
	// (building a binary once).
	prepare func() error
}

// workload is one comparison: every contender, same parameters.
type workload struct {
	id, title  string
	unit       string // "ns/task", "ms", "B/task", ...
	items      int64  // items per run, to report per-item figures
	perItem    bool   // divide time by items
	want       int64  // the result every contender must produce
	floor      float64
	note       string
	contenders []contender
}

// outcome is the summary of one contender on one workload.
type outcome struct {
	name           string
	samples        []sample
	median, lo, hi float64
	bytes, allocs  float64
	rssKiB         float64
	err            error
}

func medianOf(xs []float64) float64 {
	s := slices.Sorted(slices.Values(xs))
	n := len(s)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// runWorkload measures every contender reps times, interleaved: repetition
// by repetition, each contender once, so that a slow spell of the machine
// hurts all of them alike.
func runWorkload(w *workload, reps int, raw func(string)) []*outcome {
	outs := make([]*outcome, len(w.contenders))
	for i, c := range w.contenders {
		outs[i] = &outcome{name: c.name}
	}
	for range reps {
		for i, c := range w.contenders {
			o := outs[i]
			if o.err != nil {
				continue
			}
			s, err := measureOnce(w, c)
			if err != nil {
				o.err = err
				continue
			}
			o.samples = append(o.samples, s)
			raw(fmt.Sprintf("Benchmark%s/impl=%s\t%d\t%.2f %s\t%.2f B/op\t%.2f allocs/op",
				w.id, c.name, max(w.items, 1), s.value, w.unit, s.bytes, s.allocs))
		}
	}
	for _, o := range outs {
		if len(o.samples) == 0 {
			continue
		}
		var vals, bs, as, rs []float64
		for _, s := range o.samples {
			vals = append(vals, s.value)
			bs = append(bs, s.bytes)
			as = append(as, s.allocs)
			rs = append(rs, s.rssKiB)
		}
		o.median, o.lo, o.hi = medianOf(vals), slices.Min(vals), slices.Max(vals)
		o.bytes, o.allocs, o.rssKiB = medianOf(bs), medianOf(as), medianOf(rs)
	}
	return outs
}

func measureOnce(w *workload, c contender) (sample, error) {
	if c.measure != nil {
		return c.measure()
	}
	if c.prepare != nil {
		if err := c.prepare(); err != nil {
			return sample{}, err
		}
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	got, err := c.run()
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	if err != nil {
		return sample{}, err
	}
	if got != w.want {
		return sample{}, fmt.Errorf("%s produced %d; want %d: it skipped work", c.name, got, w.want)
	}
	n := float64(max(w.items, 1))
	s := sample{
		bytes:  float64(after.TotalAlloc-before.TotalAlloc) / n,
		allocs: float64(after.Mallocs-before.Mallocs) / n,
	}
	if w.perItem {
		s.value = float64(elapsed.Nanoseconds()) / n
	} else {
		s.value = float64(elapsed.Nanoseconds()) / 1e6
	}
	return s, nil
}
