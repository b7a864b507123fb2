package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// queuedMemory is workload 4: n tasks queued behind one blocked worker. Each
// contender runs in a child process of its own, so that its peak resident
// memory is its own.
func queuedMemory(quick bool) *workload {
	n := 1_000_000
	if quick {
		n = 50_000
	}
	w := &workload{id: "QueuedMemory", title: fmt.Sprintf("4. memory: %d tasks queued behind 1 blocked worker", n),
		unit: "B/task", items: int64(n), want: int64(n),
		note: "Bytes of heap and stack in use per queued task, measured after a GC while the tasks wait; the same func value is queued every time, so no closure is allocated per task. " +
			"ants, conc and errgroup have no queue (submitting blocks while the worker is busy) and take no part; " +
			"goroutines is the cost of queueing by starting a goroutine per task, as an unlimited errgroup or go+WaitGroup does."}
	names := []string{"goroutines"}
	for _, impl := range poolImpls {
		if impl.queues {
			names = append(names, impl.name)
		}
	}
	exe, _ := os.Executable()
	for _, name := range names {
		w.contenders = append(w.contenders, contender{name: name, measure: func() (sample, error) {
			out, err := exec.Command(exe, "-child-memory", name, "-n", strconv.Itoa(n)).Output()
			if err != nil {
				return sample{}, fmt.Errorf("%s: %v", name, err)
			}
			var r memoryReport
			if err := json.Unmarshal(out, &r); err != nil {
				return sample{}, fmt.Errorf("%s: %v: %s", name, err, out)
			}
			if r.Ran != int64(n) {
				return sample{}, fmt.Errorf("%s ran %d of %d queued tasks", name, r.Ran, n)
			}
			return sample{value: r.BytesPerTask, rssKiB: float64(r.PeakRSSKiB)}, nil
		}})
	}
	return w
}

type memoryReport struct {
	BytesPerTask float64
	PeakRSSKiB   int64
	Ran          int64
}

// childMemory is the child side of queuedMemory: it queues n tasks behind a
// blocked worker in one implementation, measures, releases them, and prints
// a memoryReport.
func childMemory(name string, n int) error {
	var base, queued runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&base)
	gate := make(chan struct{})
	var ran atomic.Int64
	f := func() { ran.Add(1) }
	var submit func(func()) error
	var wait func() error
	closePool := func() {}
	if name == "goroutines" {
		var wg sync.WaitGroup
		submit = func(f func()) error {
			wg.Go(func() { <-gate; f() })
			return nil
		}
		wait = func() error { wg.Wait(); return nil }
	} else {
		var impl *poolImpl
		for i := range poolImpls {
			if poolImpls[i].name == name {
				impl = &poolImpls[i]
			}
		}
		if impl == nil {
			return fmt.Errorf("no contender %q", name)
		}
		submit, wait, closePool = impl.open(1, n)
		started := make(chan struct{})
		submit(func() { close(started); <-gate })
		<-started
	}
	for range n {
		if err := submit(f); err != nil {
			return err
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&queued)
	used := float64(queued.HeapInuse+queued.StackInuse) - float64(base.HeapInuse+base.StackInuse)
	rss := peakRSS()
	close(gate)
	if err := wait(); err != nil {
		return err
	}
	closePool()
	return json.NewEncoder(os.Stdout).Encode(memoryReport{BytesPerTask: used / float64(n), PeakRSSKiB: rss, Ran: ran.Load()})
}

// peakRSS returns the process's peak resident memory (VmHWM) in KiB.
func peakRSS() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kib, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kib
		}
	}
	return 0
}
