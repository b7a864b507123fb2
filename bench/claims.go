package main

import (
	"fmt"
	"math"
)

// claim is one published speed or memory figure: the ratio of one
// contender's median to a baseline's median, measured in one workload of
// this command in the same run, and the range it is published with: the
// lowest and highest of that ratio over at least two separate runs (separate
// processes). The baseline is the strongest hand-written implementation the
// workload has, or, for a comparison with a peer, weft itself.
//
// The claims table is the one source of the figures in README.md,
// docs/benchmarks.md and the package docs: a figure is changed here first,
// and TestClaimsQuoted checks that each file named in quoted still says it.
type claim struct {
	id        string
	workload  string // a workload id
	contender string // the contender whose median is divided...
	baseline  string // ...by this one's
	low, high float64
	runs      int      // the separate runs the range is taken over (>= 2)
	says      string   // the claim in words, as docs/benchmarks.md prints it
	quoted    []string // files, from the repository root, that quote the range
}

// rangeText is how a claim's range is written wherever it is quoted.
func (c claim) rangeText() string { return fmt.Sprintf("%.2f-%.2fx", c.low, c.high) }

// claims is the table. Where a claim compares weft with a peer, the peer is
// the contender and weft the baseline, so that the ratio reads "the peer
// takes N times as long".
var claims = []claim{
	{id: "pool.one-submitter", workload: "PoolOneSubmitter", contender: "weft", baseline: "channel",
		low: 0.28, high: 0.41, runs: 9, quoted: []string{"README.md", "pool/doc.go"},
		says: "pool.Go, one submitter, 100 workers: per task, this fraction of a hand-written channel pool with the same workers and a queue of 1,024"},
	{id: "pool.one-submitter.pond", workload: "PoolOneSubmitter", contender: "pond", baseline: "weft",
		low: 4.19, high: 5.37, runs: 11, quoted: []string{"README.md"},
		says: "pond, the fastest peer with one submitter, takes this many times as long as weft per task"},
	{id: "pool.many-submitters", workload: "PoolManySubmitters", contender: "weft", baseline: "channel",
		low: 0.47, high: 0.55, runs: 9, quoted: []string{"README.md", "pool/doc.go"},
		says: "pool.Go, 100 submitters at once, 100 workers: per task, this multiple of the hand-written channel pool"},
	{id: "pool.many-submitters.pond", workload: "PoolManySubmitters", contender: "pond", baseline: "weft",
		low: 9.40, high: 12.19, runs: 10, quoted: []string{"README.md"},
		says: "pond, the fastest peer with 100 submitters, takes this many times as long as weft per task"},
	{id: "pool.queued-memory", workload: "QueuedMemory", contender: "weft", baseline: "channel",
		low: 2.00, high: 2.01, runs: 11, quoted: []string{"README.md", "pool/doc.go"},
		says: "memory per task queued behind a blocked worker: this multiple of a channel pool's (a 16-byte queue slot against an 8-byte func in a channel)"},
	{id: "group.channel", workload: "Group", contender: "weft", baseline: "channel",
		low: 0.47, high: 0.62, runs: 6, quoted: []string{"README.md", "group/doc.go"},
		says: "group.Go with a limit of 100: per task, this multiple of a hand-written group (100 goroutines over a channel of 1,024 tasks, first error kept)"},
	{id: "group.errgroup", workload: "Group", contender: "weft", baseline: "errgroup",
		low: 0.16, high: 0.19, runs: 6, quoted: []string{"README.md", "group/doc.go"},
		says: "group.Go with a limit of 100: per task, this fraction of x/sync/errgroup with SetLimit(100)"},
	{id: "flow.map", workload: "Map", contender: "weft-Map", baseline: "channel-buf64",
		low: 0.42, high: 0.58, runs: 6, quoted: []string{"README.md", "flow/doc.go"},
		says: "flow.Map, 4 workers, 300,000 no-op items: per item, this multiple of a hand-written channel fan-out/fan-in with both channels buffered to 64, the fastest of the buffers measured (0, the number of workers, 64)"},
	{id: "flow.ordered", workload: "Map", contender: "weft-OrderedMap", baseline: "weft-Map",
		low: 0.72, high: 0.94, runs: 6, quoted: []string{"README.md", "flow/doc.go"},
		says: "flow.OrderedMap against flow.Map, 4 workers, 300,000 no-op items"},
	{id: "flow.map.2", workload: "Map/workers=2", contender: "weft-Map", baseline: "channel-buf64",
		low: 0.37, high: 0.46, runs: 5, quoted: []string{"README.md", "flow/doc.go"},
		says: "flow.Map, 2 workers, 300,000 no-op items: per item, this multiple of a hand-written channel fan-out/fan-in with both channels buffered to 64, the fastest of the buffers measured (0, the number of workers, 64)"},
	{id: "flow.ordered.2", workload: "Map/workers=2", contender: "weft-OrderedMap", baseline: "weft-Map",
		low: 0.74, high: 0.94, runs: 5, quoted: []string{"README.md", "flow/doc.go"},
		says: "flow.OrderedMap against flow.Map, 2 workers, 300,000 no-op items"},
	{id: "flow.map.16", workload: "Map/workers=16", contender: "weft-Map", baseline: "channel-buf64",
		low: 0.33, high: 0.63, runs: 5, quoted: []string{"README.md", "flow/doc.go"},
		says: "flow.Map, 16 workers, 300,000 no-op items: per item, this multiple of a hand-written channel fan-out/fan-in with both channels buffered to 64, the fastest of the buffers measured (0, the number of workers, 64)"},
	{id: "flow.ordered.16", workload: "Map/workers=16", contender: "weft-OrderedMap", baseline: "weft-Map",
		low: 0.58, high: 0.88, runs: 5, quoted: []string{"README.md", "flow/doc.go"},
		says: "flow.OrderedMap against flow.Map, 16 workers, 300,000 no-op items"},
	{id: "flow.map.1us.2", workload: "Map1us/workers=2", contender: "weft-Map", baseline: "channel-buf64",
		low: 0.89, high: 0.94, runs: 5, quoted: []string{"README.md", "flow/doc.go"},
		says: "flow.Map, 2 workers, 300,000 items of ~1 us of work: per item, this multiple of a hand-written channel fan-out/fan-in with both channels buffered to 64, the fastest of the buffers measured (0, the number of workers, 64)"},
	{id: "flow.ordered.1us.2", workload: "Map1us/workers=2", contender: "weft-OrderedMap", baseline: "weft-Map",
		low: 0.97, high: 1.00, runs: 6, quoted: []string{"README.md", "flow/doc.go"},
		says: "flow.OrderedMap against flow.Map, 2 workers, 300,000 items of ~1 us of work"},
	{id: "flow.map.1us.4", workload: "Map1us/workers=4", contender: "weft-Map", baseline: "channel-buf64",
		low: 0.67, high: 0.72, runs: 6, quoted: []string{"README.md", "flow/doc.go"},
		says: "flow.Map, 4 workers, 300,000 items of ~1 us of work: per item, this multiple of a hand-written channel fan-out/fan-in with both channels buffered to 64, the fastest of the buffers measured (0, the number of workers, 64)"},
	{id: "flow.ordered.1us.4", workload: "Map1us/workers=4", contender: "weft-OrderedMap", baseline: "weft-Map",
		low: 0.91, high: 0.97, runs: 5, quoted: []string{"README.md", "flow/doc.go"},
		says: "flow.OrderedMap against flow.Map, 4 workers, 300,000 items of ~1 us of work"},
	{id: "flow.map.1us.16", workload: "Map1us/workers=16", contender: "weft-Map", baseline: "channel-buf64",
		low: 0.64, high: 0.68, runs: 5, quoted: []string{"README.md", "flow/doc.go"},
		says: "flow.Map, 16 workers, 300,000 items of ~1 us of work: per item, this multiple of a hand-written channel fan-out/fan-in with both channels buffered to 64, the fastest of the buffers measured (0, the number of workers, 64)"},
	{id: "flow.ordered.1us.16", workload: "Map1us/workers=16", contender: "weft-OrderedMap", baseline: "weft-Map",
		low: 0.96, high: 0.97, runs: 5, quoted: []string{"README.md", "flow/doc.go"},
		says: "flow.OrderedMap against flow.Map, 16 workers, 300,000 items of ~1 us of work"},
	{id: "flow.map.rill", workload: "Map", contender: "rill-Map", baseline: "weft-Map",
		low: 6.40, high: 9.89, runs: 6, quoted: []string{"README.md"},
		says: "rill's Map takes this many times as long per item as flow.Map"},
	{id: "flow.ordered.rill", workload: "Map", contender: "rill-OrderedMap", baseline: "weft-OrderedMap",
		low: 18.53, high: 21.45, runs: 5, quoted: []string{"README.md"},
		says: "rill's OrderedMap takes this many times as long per item as flow.OrderedMap"},
	{id: "flow.slow-head.rill", workload: "SlowHead", contender: "rill-OrderedMap", baseline: "weft-OrderedMap",
		low: 1.31, high: 1.31, runs: 5, quoted: []string{"README.md"},
		says: "with a 300 ms head item, rill's OrderedMap takes this many times as long as flow.OrderedMap to deliver everything"},
	{id: "rate.allow.1", workload: "Allow/goroutines=1", contender: "weft", baseline: "mutex",
		low: 0.43, high: 0.47, runs: 13, quoted: []string{"README.md", "rate/doc.go"},
		says: "rate.Limiter.Allow, one goroutine, every call admitted: this fraction of a token bucket behind a sync.Mutex that reads time.Now"},
	{id: "rate.allow.1.clock", workload: "Allow/goroutines=1", contender: "weft", baseline: "clock",
		low: 1.20, high: 1.32, runs: 14, quoted: []string{"README.md", "rate/doc.go"},
		says: "rate.Limiter.Allow, one goroutine, every call admitted: this multiple of one monotonic clock read (time.Since) and nothing else, the floor"},
	{id: "rate.allow.2", workload: "Allow/goroutines=2", contender: "weft", baseline: "mutex",
		low: 0.19, high: 0.43, runs: 13, quoted: []string{"README.md", "rate/doc.go"},
		says: "rate.Limiter.Allow, 2 goroutines, every call admitted: this fraction of a token bucket behind a sync.Mutex that reads time.Now"},
	{id: "rate.allow.2.mono", workload: "Allow/goroutines=2", contender: "weft", baseline: "mutextat",
		low: 0.26, high: 0.84, runs: 13, quoted: []string{"README.md", "rate/doc.go"},
		says: "rate.Limiter.Allow, 2 goroutines, every call admitted: this fraction of a token bucket behind a sync.Mutex on the same monotonic clock that runs the limiter's own integer arithmetic, the clock read before the lock (the fastest of three such buckets)"},
	{id: "rate.allow.4", workload: "Allow/goroutines=4", contender: "weft", baseline: "mutex",
		low: 0.09, high: 0.37, runs: 13, quoted: []string{"README.md", "rate/doc.go"},
		says: "rate.Limiter.Allow, 4 goroutines, every call admitted: this fraction of a token bucket behind a sync.Mutex that reads time.Now"},
	{id: "rate.allow.4.mono", workload: "Allow/goroutines=4", contender: "weft", baseline: "mutextat",
		low: 0.18, high: 0.66, runs: 13, quoted: []string{"README.md", "rate/doc.go"},
		says: "rate.Limiter.Allow, 4 goroutines, every call admitted: this fraction of a token bucket behind a sync.Mutex on the same monotonic clock that runs the limiter's own integer arithmetic, the clock read before the lock (the fastest of three such buckets)"},
	{id: "rate.allow.8", workload: "Allow/goroutines=8", contender: "weft", baseline: "mutex",
		low: 0.07, high: 0.36, runs: 13, quoted: []string{"README.md", "rate/doc.go"},
		says: "rate.Limiter.Allow, 8 goroutines, every call admitted: this fraction of a token bucket behind a sync.Mutex that reads time.Now"},
	{id: "rate.allow.8.mono", workload: "Allow/goroutines=8", contender: "weft", baseline: "mutextat",
		low: 0.16, high: 0.67, runs: 13, quoted: []string{"README.md", "rate/doc.go"},
		says: "rate.Limiter.Allow, 8 goroutines, every call admitted: this fraction of a token bucket behind a sync.Mutex on the same monotonic clock that runs the limiter's own integer arithmetic, the clock read before the lock (the fastest of three such buckets)"},
	{id: "rate.denied.1", workload: "AllowDenied/goroutines=1", contender: "weft", baseline: "clock",
		low: 1.10, high: 1.16, runs: 13, quoted: []string{"README.md", "rate/doc.go"},
		says: "rate.Limiter.Allow, 1 goroutine, 1,000 events/s with a burst of 10, so that nearly every call is denied: this multiple of one monotonic clock read"},
	{id: "rate.denied.2", workload: "AllowDenied/goroutines=2", contender: "weft", baseline: "clock",
		low: 1.14, high: 1.17, runs: 13, quoted: []string{"README.md", "rate/doc.go"},
		says: "rate.Limiter.Allow, 2 goroutines, 1,000 events/s with a burst of 10, so that nearly every call is denied: this multiple of one monotonic clock read"},
	{id: "rate.denied.4", workload: "AllowDenied/goroutines=4", contender: "weft", baseline: "clock",
		low: 1.13, high: 1.18, runs: 13, quoted: []string{"README.md", "rate/doc.go"},
		says: "rate.Limiter.Allow, 4 goroutines, 1,000 events/s with a burst of 10, so that nearly every call is denied: this multiple of one monotonic clock read"},
	{id: "rate.denied.8", workload: "AllowDenied/goroutines=8", contender: "weft", baseline: "clock",
		low: 1.08, high: 1.81, runs: 13, quoted: []string{"README.md", "rate/doc.go"},
		says: "rate.Limiter.Allow, 8 goroutines, 1,000 events/s with a burst of 10, so that nearly every call is denied: this multiple of one monotonic clock read"},
	{id: "rate.keyed", workload: "KeyedAllow/keys=1024/goroutines=2", contender: "weft", baseline: "x/time/rate+sync.Map",
		low: 0.49, high: 0.59, runs: 9, quoted: []string{"README.md", "rate/doc.go"},
		says: "rate.Keyed.Allow on 1,024 known keys from 2 goroutines: this fraction of x/time/rate limiters kept in a sync.Map"},
	{id: "rate.keyed.1024.8", workload: "KeyedAllow/keys=1024/goroutines=8", contender: "weft", baseline: "x/time/rate+sync.Map",
		low: 0.54, high: 0.59, runs: 9, quoted: []string{"README.md", "rate/doc.go"},
		says: "rate.Keyed.Allow on 1,024 known keys from 8 goroutines: this fraction of x/time/rate limiters kept in a sync.Map"},
	{id: "rate.keyed.100000.2", workload: "KeyedAllow/keys=100000/goroutines=2", contender: "weft", baseline: "x/time/rate+sync.Map",
		low: 0.54, high: 0.58, runs: 10, quoted: []string{"README.md", "rate/doc.go"},
		says: "rate.Keyed.Allow on 100,000 known keys from 2 goroutines: this fraction of x/time/rate limiters kept in a sync.Map"},
	{id: "rate.keyed.100000.8", workload: "KeyedAllow/keys=100000/goroutines=8", contender: "weft", baseline: "x/time/rate+sync.Map",
		low: 0.54, high: 0.58, runs: 9, quoted: []string{"README.md", "rate/doc.go"},
		says: "rate.Keyed.Allow on 100,000 known keys from 8 goroutines: this fraction of x/time/rate limiters kept in a sync.Map"},
	{id: "actor.do", workload: "ActorDo", contender: "weft", baseline: "channel",
		low: 0.67, high: 0.71, runs: 10, quoted: []string{"README.md", "actor/doc.go"},
		says: "actor Do from 2 goroutines: per message, this multiple of a hand-written channel-owner goroutine with the same mailbox"},
	{id: "actor.do.mutex", workload: "ActorDo", contender: "weft", baseline: "mutex",
		low: 1.59, high: 1.84, runs: 9, quoted: []string{"README.md", "actor/doc.go"},
		says: "actor Do from 2 goroutines: per message, this multiple of a counter behind a sync.Mutex"},
	{id: "actor.ask", workload: "ActorAsk", contender: "weft", baseline: "channel",
		low: 1.21, high: 1.33, runs: 12, quoted: []string{"README.md", "actor/doc.go"},
		says: "actor.Ask: this multiple of a hand-written request and reply to the channel-owner goroutine, with a reply channel reused for every request"},
	{id: "errgroup.limit", workload: "Errgroup/limit=100", contender: "weft", baseline: "errgroup",
		low: 0.13, high: 0.16, runs: 6, quoted: []string{"README.md", "errgroup/doc.go"},
		says: "weft's drop-in errgroup with SetLimit(100): per function, this fraction of x/sync/errgroup's"},
	{id: "errgroup.nolimit", workload: "Errgroup/limit=none", contender: "weft", baseline: "errgroup",
		low: 0.27, high: 0.57, runs: 6, quoted: []string{"README.md", "errgroup/doc.go"},
		says: "weft's drop-in errgroup without a limit: per function, this multiple of x/sync/errgroup's"},
	{id: "command.j2", workload: "Runners/j=2", contender: "weft", baseline: "xargs",
		low: 0.84, high: 0.88, runs: 3, quoted: []string{"README.md"},
		says: "the weft command, 2,000 jobs of echo, -j 2: wall time, this multiple of xargs -P 2 -n 1 running echo directly"},
	{id: "command.j2.parallel", workload: "Runners/j=2", contender: "parallel", baseline: "weft",
		low: 2.93, high: 3.93, runs: 10, quoted: []string{"README.md"},
		says: "GNU parallel, the same jobs with -j 2, takes this many times as long as the weft command"},
	{id: "command.j8", workload: "Runners/j=8", contender: "weft", baseline: "xargs",
		low: 0.87, high: 0.89, runs: 3, quoted: []string{"README.md"},
		says: "the weft command, 2,000 jobs of echo, -j 8: wall time, this multiple of xargs -P 8 -n 1"},
	{id: "command.j8.parallel", workload: "Runners/j=8", contender: "parallel", baseline: "weft",
		low: 3.37, high: 4.23, runs: 10, quoted: []string{"README.md"},
		says: "GNU parallel, the same jobs with -j 8, takes this many times as long as the weft command"},
	{id: "command.nats", workload: "Runners/nats", contender: "weft-nats", baseline: "weft",
		low: 1.05, high: 1.09, runs: 8, quoted: []string{"README.md"},
		says: "the weft command, 2,000 jobs of echo with -j 2 submitted through NATS to one weft worker -j 2 on the same machine, takes this many times as long as the same run done locally"},
}

// judgement is a claim measured once: the ratio of the medians, or why it
// could not be measured.
type judgement struct {
	claim
	ratio                 float64 // rounded to two decimals, as ranges are written
	contenderMed, baseMed float64
	unit                  string
	err                   error // the workload or a contender is missing or failed
}

// verdict is the judgement in words: "holds", or why it does not.
func (j judgement) verdict() string {
	switch {
	case j.err != nil:
		return "not measured: " + j.err.Error()
	case j.ratio > j.high:
		return "does not hold: above the stated range"
	case j.ratio < j.low:
		return "does not hold: below the stated range (faster than published: the range is out of date)"
	}
	return "holds"
}

func (j judgement) holds() bool { return j.err == nil && j.ratio >= j.low && j.ratio <= j.high }

// judge measures c on results. A workload or contender that did not run, or
// failed, is an error: it never passes.
func judge(c claim, results []workloadResult) judgement {
	j := judgement{claim: c}
	var w *workloadResult
	for i := range results {
		if results[i].w.id == c.workload {
			w = &results[i]
		}
	}
	if w == nil {
		j.err = fmt.Errorf("workload %s did not run", c.workload)
		return j
	}
	j.unit = w.w.unit
	for _, name := range []string{c.contender, c.baseline} {
		if find(w.outs, name) != nil {
			continue
		}
		why := "did not run"
		for _, o := range w.outs {
			if o.name == name && o.err != nil {
				why = "failed: " + o.err.Error()
			}
		}
		j.err = fmt.Errorf("%s in %s %s", name, c.workload, why)
		return j
	}
	x, y := find(w.outs, c.contender), find(w.outs, c.baseline)
	if y.median <= 0 {
		j.err = fmt.Errorf("%s in %s measured %v %s: no ratio", c.baseline, c.workload, y.median, w.w.unit)
		return j
	}
	j.contenderMed, j.baseMed = x.median, y.median
	j.ratio = math.Round(x.median/y.median*100) / 100
	return j
}
