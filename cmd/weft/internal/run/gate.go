package run

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"time"
)

// Machine is what the limits of a run read of this machine: Proc reads
// it from /proc (Linux); tests give their own.
type Machine interface {
	// Load is the number of processes running or waiting for the disk
	// now, this one left out.
	Load() (float64, error)
	// Memfree is the memory free for new jobs, in bytes.
	Memfree() (int64, error)
	// Swapped is the number of pages swapped in and out since boot.
	Swapped() (in, out uint64, err error)
}

// Proc is the Machine of this computer, read from /proc.
type Proc struct{}

// Load reads procs_running and procs_blocked of /proc/stat, less the
// thread reading it: the processes that run or wait for the disk at this
// instant, which GNU parallel counts with ps.
func (Proc) Load() (float64, error) {
	f, err := procFields("/proc/stat", "procs_running", "procs_blocked")
	if err != nil {
		return 0, err
	}
	return float64(max(f["procs_running"]+f["procs_blocked"], 1) - 1), nil
}

// Memfree reads MemFree, Buffers, Cached and SwapCached of /proc/meminfo,
// as GNU parallel adds them up.
func (Proc) Memfree() (int64, error) {
	f, err := procFields("/proc/meminfo", "MemFree:", "Buffers:", "Cached:", "SwapCached:")
	if err != nil {
		return 0, err
	}
	return int64(f["MemFree:"]+f["Buffers:"]+f["Cached:"]+f["SwapCached:"]) * 1024, nil
}

// Swapped reads pswpin and pswpout of /proc/vmstat.
func (Proc) Swapped() (in, out uint64, err error) {
	f, err := procFields("/proc/vmstat", "pswpin", "pswpout")
	if err != nil {
		return 0, 0, err
	}
	return f["pswpin"], f["pswpout"], nil
}

// procFields reads the numbers after the given first words of the lines
// of a /proc file; each must be there.
func procFields(name string, keys ...string) (map[string]uint64, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	return parseFields(name, bytes.NewReader(data), keys...)
}

func parseFields(name string, r io.Reader, keys ...string) (map[string]uint64, error) {
	want := map[string]bool{}
	for _, k := range keys {
		want[k] = true
	}
	out := map[string]uint64{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := bytes.Fields(sc.Bytes())
		if len(f) >= 2 && want[string(f[0])] {
			n, err := strconv.ParseUint(string(f[1]), 10, 64)
			if err != nil {
				return nil, fmt.Errorf("%s: %s is %q, not a number", name, f[0], f[1])
			}
			out[string(f[0])] = n
		}
	}
	for _, k := range keys {
		if _, ok := out[k]; !ok {
			return nil, fmt.Errorf("%s has no %s", name, k)
		}
	}
	return out, nil
}

// poll is how often a gate that holds a job back looks at the machine
// again, and how often it looks at free memory while jobs run.
const poll = time.Second

// errLowMemory ends a job killed to free memory: it runs again later.
var errLowMemory = errors.New("killed: free memory below half of --memfree")

// Gate holds job starts back until the limits of a run allow one: fewer
// jobs running than -j (read again from -j FILE when it changes), the load
// below --load, more memory free than --memfree, no swapping in and out
// (--noswap). With --memfree it also kills the youngest running job when
// free memory falls below half of it; that job runs again later. It is
// safe for concurrent use by multiple goroutines.
type Gate struct {
	l      Limits
	cpus   int
	m      Machine
	warn   io.Writer
	resize func(jobs int) // told each new number of jobs
	// stopped, if set, reports that the run starts no more jobs (a halt
	// with soon): Wait gives up within a second of it.
	stopped func() bool

	mu        sync.Mutex
	jobs      int
	running   int
	changed   chan struct{} // closed when a job ends
	fileStamp [2]int64      // -j FILE's modification time and size when read
	loadStamp [2]int64      // --load FILE's
	swapAt    time.Time     // when swapIn and swapOut were read
	swapIn    uint64
	swapOut   uint64
	swapping  bool
	youngest  map[int64]context.CancelCauseFunc // the running jobs, by sequence number
}

// NewGate returns the gate of limits l, starting from jobs at once, with
// cpus CPUs for N% and the like, reading m; warnings go to warn, and
// resize is told of each new number of jobs (may be nil).
func NewGate(l Limits, jobs, cpus int, m Machine, warn io.Writer, resize func(int)) *Gate {
	g := &Gate{l: l, cpus: cpus, m: m, warn: warn, resize: resize, jobs: jobs,
		changed: make(chan struct{}), youngest: map[int64]context.CancelCauseFunc{}}
	g.fileStamp = stamp(l.JobsFile)
	g.loadStamp = stamp(l.LoadFile)
	if l.Noswap {
		g.swapAt = time.Now()
		g.swapIn, g.swapOut, _ = m.Swapped()
		g.swapping = true // until a second has been seen
	}
	return g
}

// stamp is a file's modification time and size, to tell when it changed.
func stamp(name string) [2]int64 {
	if name == "" {
		return [2]int64{}
	}
	st, err := os.Stat(name)
	if err != nil {
		return [2]int64{}
	}
	return [2]int64{st.ModTime().UnixNano(), st.Size()}
}

// errStopped is Wait's error once the run starts no more jobs.
var errStopped = errors.New("the run starts no more jobs")

// Wait blocks until a job may start, then counts it as running, until
// ctx ends or the run starts no more jobs.
func (g *Gate) Wait(ctx context.Context) error {
	for {
		if g.stopped != nil && g.stopped() {
			return errStopped
		}
		g.mu.Lock()
		ok := g.allows()
		if ok {
			g.running++
		}
		changed := g.changed
		g.mu.Unlock()
		if ok {
			return nil
		}
		t := time.NewTimer(poll)
		select {
		case <-ctx.Done():
			t.Stop()
			return context.Cause(ctx)
		case <-changed:
		case <-t.C:
		}
		t.Stop()
	}
}

// Done counts a job that Wait let start as ended.
func (g *Gate) Done() {
	g.mu.Lock()
	g.running--
	close(g.changed)
	g.changed = make(chan struct{})
	g.mu.Unlock()
}

// allows reports whether a job may start now; g.mu is held.
func (g *Gate) allows() bool {
	g.readJobsFile()
	if g.running >= g.jobs {
		return false
	}
	if g.l.LoadSpec != "" {
		g.readLoadFile()
		load, err := g.m.Load()
		if err != nil || load >= g.l.Load {
			return false // an unknown load is too high, as in GNU parallel
		}
	}
	if g.l.Memfree > 0 {
		free, err := g.m.Memfree()
		if err != nil || free < g.l.Memfree {
			return false
		}
	}
	if g.l.Noswap && g.swapped() {
		return false
	}
	return true
}

// swapped reports whether the machine swapped both in and out over the
// last second or more; g.mu is held.
func (g *Gate) swapped() bool {
	if now := time.Now(); now.Sub(g.swapAt) >= poll {
		in, out, err := g.m.Swapped()
		g.swapping = err != nil || (in > g.swapIn && out > g.swapOut)
		g.swapAt, g.swapIn, g.swapOut = now, in, out
	}
	return g.swapping
}

// readJobsFile reads -j FILE again if it changed; g.mu is held.
func (g *Gate) readJobsFile() {
	if g.l.JobsFile == "" {
		return
	}
	s := stamp(g.l.JobsFile)
	if s == g.fileStamp {
		return
	}
	g.fileStamp = s
	n, err := g.l.readJobs(g.cpus)
	if err != nil {
		fmt.Fprintf(g.warn, "weft: -j %s: %v: still %d jobs at once\n", g.l.JobsFile, err, g.jobs)
		return
	}
	if n != g.jobs {
		g.jobs = n
		if g.resize != nil {
			g.resize(n)
		}
	}
}

// readLoadFile reads --load FILE again if it changed; g.mu is held.
func (g *Gate) readLoadFile() {
	if g.l.LoadFile == "" {
		return
	}
	s := stamp(g.l.LoadFile)
	if s == g.loadStamp {
		return
	}
	g.loadStamp = s
	data, err := os.ReadFile(g.l.LoadFile)
	if err == nil {
		if v, ok := loadValue(string(data), g.cpus); ok {
			g.l.Load = v
			return
		}
		err = fmt.Errorf("the file holds %q, not a load", bytes.TrimSpace(data))
	}
	fmt.Fprintf(g.warn, "weft: --load %s: %v: the load must still be below %g\n", g.l.LoadFile, err, g.l.Load)
}

// track registers the running job seq, stopped by cancel.
func (g *Gate) track(seq int64, cancel context.CancelCauseFunc) {
	g.mu.Lock()
	g.youngest[seq] = cancel
	g.mu.Unlock()
}

func (g *Gate) untrack(seq int64) {
	g.mu.Lock()
	delete(g.youngest, seq)
	g.mu.Unlock()
}

// Watch, with --memfree, looks at free memory every second until ctx
// ends, and kills the youngest running job (the highest sequence number)
// when less than half of --memfree is free: one a second, while it stays
// below. It returns at once without --memfree.
func (g *Gate) Watch(ctx context.Context) {
	if g.l.Memfree <= 0 {
		return
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if free, err := g.m.Memfree(); err == nil && free < g.l.Memfree/2 {
			g.killYoungest()
		}
	}
}

func (g *Gate) killYoungest() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.youngest) == 0 {
		return
	}
	var seq int64 = -1
	for s := range g.youngest {
		seq = max(seq, s)
	}
	g.youngest[seq](errLowMemory)
	delete(g.youngest, seq)
}
