package run

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/weft-dev/weft/cmd/weft/internal/input"
)

// machine is a Machine whose readings a test sets.
type machine struct {
	mu            sync.Mutex
	load          float64
	free          int64
	swapIn, swapO uint64
}

func (m *machine) Load() (float64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.load, nil
}

func (m *machine) Memfree() (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.free, nil
}

func (m *machine) Swapped() (uint64, uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.swapIn, m.swapO, nil
}

func (m *machine) set(f func(m *machine)) {
	m.mu.Lock()
	f(m)
	m.mu.Unlock()
}

// waiter starts g.Wait in a goroutine, and reports whether it returned.
func waiter(t *testing.T, g *Gate) *atomic.Bool {
	var done atomic.Bool
	go func() {
		if err := g.Wait(t.Context()); err == nil {
			done.Store(true)
		}
	}()
	return &done
}

func TestGateWaitsForTheLoad(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := &machine{load: 3}
		g := NewGate(Limits{LoadSpec: "2", Load: 2}, 4, 2, m, &bytes.Buffer{}, nil)
		started := waiter(t, g)
		time.Sleep(10 * poll)
		synctest.Wait()
		if started.Load() {
			t.Fatal("a job started with the load at 3, above --load 2")
		}
		m.set(func(m *machine) { m.load = 2 })
		time.Sleep(poll)
		synctest.Wait()
		if started.Load() {
			t.Fatal("a job started with the load at 2: it must be below --load 2")
		}
		m.set(func(m *machine) { m.load = 1 })
		time.Sleep(poll)
		synctest.Wait()
		if !started.Load() {
			t.Fatal("no job started a second after the load fell to 1")
		}
		g.Done()
	})
}

func TestGateWaitsForFreeMemoryAndKillsTheYoungest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := &machine{free: 500}
		g := NewGate(Limits{Memfree: 1000}, 4, 2, m, &bytes.Buffer{}, nil)
		started := waiter(t, g)
		time.Sleep(3 * poll)
		synctest.Wait()
		if started.Load() {
			t.Fatal("a job started with 500 bytes free, below --memfree 1000")
		}
		m.set(func(m *machine) { m.free = 1000 })
		time.Sleep(poll)
		synctest.Wait()
		if !started.Load() {
			t.Fatal("no job started a second after 1000 bytes were free")
		}

		// Three jobs run; memory falls below half of --memfree: the
		// youngest is killed, one a second, while it stays below.
		ctx, stop := context.WithCancel(t.Context())
		var wg sync.WaitGroup
		wg.Go(func() { g.Watch(ctx) })
		jobs := map[int64]context.Context{}
		for seq := int64(1); seq <= 3; seq++ {
			jctx, cancel := context.WithCancelCause(t.Context())
			defer cancel(nil)
			jobs[seq] = jctx
			g.track(seq, cancel)
		}
		cause := func(seq int64) error { return context.Cause(jobs[seq]) }
		m.set(func(m *machine) { m.free = 600 })
		time.Sleep(poll)
		synctest.Wait()
		if cause(3) != nil || cause(2) != nil {
			t.Fatal("a job was killed with 600 bytes free, above half of --memfree 1000")
		}
		m.set(func(m *machine) { m.free = 400 })
		time.Sleep(poll)
		synctest.Wait()
		if !errors.Is(cause(3), errLowMemory) || cause(2) != nil || cause(1) != nil {
			t.Fatalf("after a second below half: causes 1 %v, 2 %v, 3 %v; want only job 3 killed", cause(1), cause(2), cause(3))
		}
		time.Sleep(poll)
		synctest.Wait()
		if !errors.Is(cause(2), errLowMemory) || cause(1) != nil {
			t.Fatalf("after two seconds below half: causes 1 %v, 2 %v; want job 2 killed next", cause(1), cause(2))
		}
		stop()
		wg.Wait()
		g.Done()
	})
}

func TestGateWaitsWhileTheMachineSwaps(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := &machine{swapIn: 10, swapO: 10}
		g := NewGate(Limits{Noswap: true}, 4, 2, m, &bytes.Buffer{}, nil)
		// Swapping in and out over the first second: no start.
		m.set(func(m *machine) { m.swapIn, m.swapO = 20, 20 })
		started := waiter(t, g)
		synctest.Wait()
		if started.Load() {
			t.Fatal("a job started before a second of swapping was seen")
		}
		time.Sleep(poll)
		synctest.Wait()
		if started.Load() {
			t.Fatal("a job started while the machine swapped in and out")
		}
		// Only swapping in, then nothing: a start.
		m.set(func(m *machine) { m.swapIn = 30 })
		time.Sleep(poll)
		synctest.Wait()
		if !started.Load() {
			t.Fatal("no job started when the machine swapped only in")
		}
		g.Done()
	})
}

func TestGateReadsTheJobsFileAgain(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := filepath.Join(t.TempDir(), "procs")
		write(t, f, "1\n")
		var resized []int
		var warn bytes.Buffer
		g := NewGate(Limits{JobsFile: f}, 1, 2, &machine{}, &warn, func(n int) { resized = append(resized, n) })
		first := waiter(t, g)
		second := waiter(t, g)
		time.Sleep(3 * poll)
		synctest.Wait()
		if n := btoi(first.Load()) + btoi(second.Load()); n != 1 {
			t.Fatalf("%d jobs started with -j FILE holding 1; want 1", n)
		}
		write(t, f, "2\n\n")
		time.Sleep(poll)
		synctest.Wait()
		if !first.Load() || !second.Load() || len(resized) != 1 || resized[0] != 2 {
			t.Fatalf("after the file says 2: started %v %v, resized %v; want both started and the pool resized to 2", first.Load(), second.Load(), resized)
		}
		// A file that says nothing sensible keeps the number, and says so.
		write(t, f, "lots\n")
		third := waiter(t, g)
		synctest.Wait()
		if third.Load() || !strings.Contains(warn.String(), `the file holds "lots"`) || !strings.Contains(warn.String(), "still 2 jobs at once") {
			t.Fatalf("a file holding lots: started %v, warned %q; want no start and a warning", third.Load(), warn.String())
		}
		g.Done()
		synctest.Wait()
		if !third.Load() {
			t.Fatal("no job started when one of the two ended")
		}
		g.Done()
		g.Done()
	})
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestProcReadsThisMachine(t *testing.T) {
	f, err := parseFields("stat", strings.NewReader("cpu  1 2 3\nprocs_running 5\nprocs_blocked 2\n"), "procs_running", "procs_blocked")
	if err != nil || f["procs_running"] != 5 || f["procs_blocked"] != 2 {
		t.Errorf("got %v, %v; want 5 and 2", f, err)
	}
	if _, err := parseFields("stat", strings.NewReader("procs_running 5\n"), "procs_running", "procs_blocked"); err == nil {
		t.Error("a file without procs_blocked: no error")
	}
	var p Proc
	if load, err := p.Load(); err != nil || load < 0 {
		t.Errorf("Load: %v, %v", load, err)
	}
	if free, err := p.Memfree(); err != nil || free <= 0 {
		t.Errorf("Memfree: %v, %v", free, err)
	}
	if _, _, err := p.Swapped(); err != nil {
		t.Errorf("Swapped: %v", err)
	}
}

func TestGateGivesUpWhenTheRunStops(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var stopped atomic.Bool
		g := NewGate(Limits{LoadSpec: "1", Load: 1}, 4, 2, &machine{load: 5}, &bytes.Buffer{}, nil)
		g.stopped = stopped.Load
		errc := make(chan error, 1)
		go func() { errc <- g.Wait(t.Context()) }()
		time.Sleep(3 * poll)
		synctest.Wait()
		select {
		case err := <-errc:
			t.Fatalf("Wait returned %v with the load above --load", err)
		default:
		}
		stopped.Store(true) // a halt with soon: no job starts from now on
		time.Sleep(poll)
		if err := <-errc; !errors.Is(err, errStopped) {
			t.Errorf("Wait after the run stopped: %v; want errStopped", err)
		}
	})
}

// lowOnce is a machine with free memory until a file exists; then low
// memory is read once, and free memory again.
type lowOnce struct {
	machine
	file string
	told atomic.Bool
}

func (m *lowOnce) Memfree() (int64, error) {
	if _, err := os.Stat(m.file); err == nil && m.told.CompareAndSwap(false, true) {
		return 400, nil
	}
	return 2000, nil
}

func TestAJobKilledForMemoryRunsAgain(t *testing.T) {
	dir := t.TempDir()
	tried := filepath.Join(dir, "tried")
	c := config("if [ -e " + tried + " ]; then echo again {}; else touch " + tried + "; sleep 30; fi")
	c.Limits.Memfree = 1000
	c.Sources = []input.Source{{Values: []string{"a"}}}
	r := start(t, c)
	r.machine = &lowOnce{file: tried}
	g, err := r.Gate(nil)
	if err != nil || g == nil {
		t.Fatalf("gate %v, %v", g, err)
	}
	ctx, stop := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	wg.Go(func() { g.Watch(ctx) })
	res := r.RunJob(r.Executor(), input.Job{Seq: 1, Args: []string{"a"}})
	stop()
	wg.Wait()
	defer res.Release()
	if got := string(res.Stdout.Bytes()); got != "again a\n" || res.Exit != 0 {
		t.Errorf("stdout %q, exit %d; want the job run again after it was killed", got, res.Exit)
	}
	if !strings.Contains(r.errb.String(), "weft: job 1 killed: less than half of --memfree is free; it runs again later") {
		t.Errorf("stderr %q; want the kill reported", r.errb.String())
	}
	r.Done(res)
	r.Finish()
}
