package errgroup_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"github.com/weft-dev/weft"
	"github.com/weft-dev/weft/errgroup"
)

// The tests in this file pin what weft's errgroup does beyond, or instead
// of, x/sync's; where both are run, the test shows the difference.

// goid returns the calling goroutine's ID, from its stack header.
func goid() uint64 {
	var buf [64]byte
	f := strings.Fields(string(buf[:runtime.Stack(buf[:], false)]))
	id, err := strconv.ParseUint(f[1], 10, 64)
	if err != nil {
		panic("unexpected stack header: " + string(buf[:]))
	}
	return id
}

func TestWorkersAreReused(t *testing.T) {
	const limit, tasks = 3, 300
	wantMax := map[string]int{"x/sync": tasks, "weft": limit}
	both(t, func(t *testing.T, im impl) {
		synctest.Test(t, func(t *testing.T) {
			g := im.zero()
			g.SetLimit(limit)
			ids := make([]uint64, tasks)
			for i := range ids {
				g.Go(func() error {
					ids[i] = goid()
					time.Sleep(time.Duration(i%5) * time.Millisecond)
					return nil
				})
			}
			if err := g.Wait(); err != nil {
				t.Fatal(err)
			}
			distinct := map[uint64]bool{}
			for _, id := range ids {
				distinct[id] = true
			}
			// x/sync starts a goroutine per function; weft at most
			// limit workers.
			if got, want := len(distinct), wantMax[im.name]; got > want || (im.name == "x/sync" && got != want) {
				t.Errorf("%d functions ran on %d goroutines; want %d at most", tasks, got, want)
			}
		})
	})
}

func TestNoWorkerOutlivesWait(t *testing.T) {
	for _, limit := range []int{-1, 1, 4, 100} {
		g, ctx := errgroup.WithContext(context.Background())
		g.SetLimit(limit)
		for range 1000 {
			g.Go(func() error { return ctx.Err() })
		}
		if err := g.Wait(); err != nil {
			t.Fatal(err)
		}
		if err := goleak.Find(); err != nil {
			t.Errorf("limit %d: goroutines left after Wait: %v", limit, err)
		}
	}
}

// workers counts the live worker goroutines of every engine.
func workers() int {
	buf := make([]byte, 1<<20)
	return bytes.Count(buf[:runtime.Stack(buf, true)], []byte("internal/engine.(*Engine[...]).work("))
}

func TestIdleWorkersExitWithoutWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var g errgroup.Group
		g.SetLimit(4)
		done := make(chan struct{}, 4)
		release := make(chan struct{})
		for range 4 {
			g.Go(func() error { <-release; done <- struct{}{}; return nil })
		}
		synctest.Wait()
		if n := workers(); n != 4 {
			t.Errorf("workers with 4 functions blocked: got %d; want 4", n)
		}
		close(release)
		for range 4 {
			<-done
		}
		time.Sleep(2*time.Second + time.Millisecond)
		synctest.Wait()
		if n := workers(); n != 0 {
			t.Errorf("workers two seconds after the last function, with no Wait: got %d; want 0", n)
		}
	})
}

// TestGoroutinesAreReusedWithoutALimit counts the goroutines that run a
// stream of short functions without a limit: x/sync starts one for each,
// weft reuses them.
func TestGoroutinesAreReusedWithoutALimit(t *testing.T) {
	const tasks = 2000
	both(t, func(t *testing.T, im impl) {
		g := im.zero()
		ids := make([]uint64, tasks)
		for i := range ids {
			g.Go(func() error { ids[i] = goid(); return nil })
		}
		if err := g.Wait(); err != nil {
			t.Fatal(err)
		}
		distinct := map[uint64]bool{}
		for _, id := range ids {
			distinct[id] = true
		}
		got := len(distinct)
		switch im.name {
		case "x/sync":
			if got != tasks {
				t.Errorf("%d functions ran on %d goroutines; want %d", tasks, got, tasks)
			}
		case "weft":
			if got > tasks/2 {
				t.Errorf("%d functions ran on %d goroutines; want at most %d", tasks, got, tasks/2)
			}
		}
		t.Logf("%d functions ran on %d goroutines", tasks, got)
	})
}

// TestIdleGoroutinesExitWithoutWait: without a limit, the goroutines of a
// group whose Wait is never called exit once their functions have
// returned.
func TestIdleGoroutinesExitWithoutWait(t *testing.T) {
	var g errgroup.Group
	done := make(chan struct{}, 100)
	for range 100 {
		g.Go(func() error { done <- struct{}{}; return nil })
	}
	for range 100 {
		<-done
	}
	if err := goleak.Find(); err != nil {
		t.Errorf("goroutines left without Wait: %v", err)
	}
}

func TestGoexit(t *testing.T) {
	// x/sync counts a function that called runtime.Goexit as returned
	// without error; weft records weft.ErrGoexit for it.
	want := map[string]error{"x/sync": nil, "weft": weft.ErrGoexit}
	both(t, func(t *testing.T, im impl) {
		for _, limit := range limits {
			g, ctx := im.withContext(context.Background())
			g.SetLimit(limit)
			var ran atomic.Int64
			g.Go(func() error { runtime.Goexit(); return nil })
			for range 10 {
				g.Go(func() error { ran.Add(1); return nil })
			}
			if err := g.Wait(); err != want[im.name] {
				t.Errorf("limit %d: Wait: got %v; want %v", limit, err, want[im.name])
			}
			if got := ran.Load(); got != 10 {
				t.Errorf("limit %d: functions run after the Goexit: got %d; want 10", limit, got)
			}
			wantCause := want[im.name]
			if wantCause == nil {
				wantCause = context.Canceled
			}
			if cause := context.Cause(ctx); cause != wantCause {
				t.Errorf("limit %d: context.Cause: got %v; want %v", limit, cause, wantCause)
			}
		}
	})
}

func TestGoexitCancelsAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g, ctx := errgroup.WithContext(context.Background())
		g.SetLimit(2)
		var seen error
		g.Go(func() error { <-ctx.Done(); seen = context.Cause(ctx); return nil })
		g.Go(func() error { time.Sleep(time.Second); runtime.Goexit(); return nil })
		if err := g.Wait(); err != weft.ErrGoexit {
			t.Errorf("Wait: got %v; want weft.ErrGoexit", err)
		}
		if seen != weft.ErrGoexit {
			t.Errorf("context.Cause seen by the other function: got %v; want weft.ErrGoexit", seen)
		}
	})
}

// crashEnv names the implementation and limit a child process of
// TestPanicCrashesAtOnce runs with.
const crashEnv = "WEFT_ERRGROUP_CRASH_CHILD"

func crashingTask() error { panic("boom in a task") }

// TestPanicCrashesAtOnce runs, in a child process, a group in which one
// function panics while another never returns, so that Wait cannot return:
// with both implementations the child crashes at once, from the panicking
// goroutine, with the panic value and a stack that names the function.
func TestPanicCrashesAtOnce(t *testing.T) {
	if spec := os.Getenv(crashEnv); spec != "" {
		crashChild(spec)
		t.Fatal("the child process survived a panicking function")
	}
	both(t, func(t *testing.T, im impl) {
		for _, limit := range []int{-1, 2} {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestPanicCrashesAtOnce$")
			cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s,%d", crashEnv, im.name, limit))
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 2 {
				t.Fatalf("limit %d: child ended with %v; want exit status 2\nstderr:\n%s", limit, err, stderr.String())
			}
			out, trace := stdout.String(), stderr.String()
			if !strings.Contains(out, "waiting\n") || strings.Contains(out, "Wait returned") {
				t.Errorf("limit %d: child's stdout %q: want it to have reached Wait and no further", limit, out)
			}
			if !strings.Contains(trace, "panic: boom in a task") || !strings.Contains(trace, "errgroup_test.crashingTask(") {
				t.Errorf("limit %d: crash output lacks the panic value or the panicking function:\n%s", limit, trace)
			}
			if strings.Contains(trace, "deadlock") {
				t.Errorf("limit %d: the child deadlocked instead of crashing:\n%s", limit, trace)
			}
		}
	})
}

func crashChild(spec string) {
	name, limitText, _ := strings.Cut(spec, ",")
	limit, err := strconv.Atoi(limitText)
	if err != nil {
		panic(err)
	}
	for _, im := range impls {
		if im.name != name {
			continue
		}
		g := im.zero()
		g.SetLimit(limit)
		never, armed := make(chan struct{}), make(chan struct{})
		g.Go(func() error { <-never; return nil })
		g.Go(func() error { <-armed; return crashingTask() })
		fmt.Println("waiting")
		close(armed)
		g.Wait()
		fmt.Println("Wait returned")
		return
	}
	panic("no implementation named " + name)
}

// TestWaitIncludesGoBlockedAtTheLimit: a Go blocked by the limit when Wait
// is called is waited for. (With x/sync, whether Wait waits for it depends
// on which of the two the scheduler runs first.)
func TestWaitIncludesGoBlockedAtTheLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var g errgroup.Group
		g.SetLimit(1)
		gate := make(chan struct{})
		g.Go(func() error { <-gate; return nil })
		var ran atomic.Bool
		go g.Go(func() error { ran.Store(true); return nil })
		synctest.Wait()
		waited := make(chan error)
		go func() { waited <- g.Wait() }()
		synctest.Wait()
		close(gate)
		if err := <-waited; err != nil {
			t.Fatal(err)
		}
		if !ran.Load() {
			t.Error("Wait returned before the function of the Go it found blocked had run")
		}
	})
}

func TestNilFunctionPanicsInTheCaller(t *testing.T) {
	for _, limit := range []int{-1, 0, 2} {
		var g errgroup.Group
		g.SetLimit(limit)
		for name, call := range map[string]func(){
			"Go":    func() { g.Go(nil) },
			"TryGo": func() { g.TryGo(nil) },
		} {
			v := recovered(call)
			err, ok := v.(error)
			if !ok || !strings.Contains(err.Error(), "nil function") {
				t.Errorf("limit %d: %s(nil): panicked with %v; want an error naming the nil function", limit, name, v)
			}
		}
		if err := g.Wait(); err != nil {
			t.Errorf("limit %d: Wait after the refused nil: %v", limit, err)
		}
	}
}

func TestZeroLimitHoldsGoUntilSetLimit(t *testing.T) {
	for _, next := range []int{-1, 1} {
		synctest.Test(t, func(t *testing.T) {
			var g errgroup.Group
			g.SetLimit(0)
			var ran, returned atomic.Bool
			go func() {
				g.Go(func() error { ran.Store(true); return nil })
				returned.Store(true)
			}()
			synctest.Wait()
			if returned.Load() || ran.Load() {
				t.Fatal("Go returned, or its function ran, under a limit of 0")
			}
			if err := g.Wait(); err != nil {
				t.Errorf("Wait with Go held: %v", err)
			}
			g.SetLimit(next)
			synctest.Wait()
			if !returned.Load() {
				t.Errorf("Go still held after SetLimit(%d)", next)
			}
			g.Wait()
			if !ran.Load() {
				t.Errorf("the held function did not run after SetLimit(%d)", next)
			}
		})
	}
}

func TestSetLimitWithoutALimitWhileActive(t *testing.T) {
	// x/sync checks only when a limit is set; its running functions
	// would then release slots of the new limit that they never took.
	var g errgroup.Group
	release := make(chan struct{})
	g.Go(func() error { <-release; return nil })
	v := recovered(func() { g.SetLimit(3) })
	if v := recovered(func() { g.SetLimit(-1) }); v != nil {
		t.Errorf("SetLimit(-1) with 1 active: panicked with %v; want no panic", v)
	}
	close(release)
	g.Wait()
	err, ok := v.(error)
	if !ok || !strings.HasPrefix(err.Error(), "errgroup: SetLimit(3) while 1 goroutines") {
		t.Errorf("SetLimit(3) with 1 active and no limit: panicked with %v; want the errgroup error", v)
	}
}

// TestFunctionsMayWaitForEachOther runs, without a limit, functions that
// each wait for another one to finish, in several orders. With a goroutine
// per function that always works; with reused goroutines it works only if
// no function waits in the queue for one that is running. Each round
// starts while the goroutines of the round before may still be running or
// idle, so that functions are handed to reused goroutines too. A deadlock
// fails the test: synctest reports that every goroutine of the bubble is
// blocked.
func TestFunctionsMayWaitForEachOther(t *testing.T) {
	const n = 40
	tests := []struct {
		name     string
		waitsFor func(i int) int // the function i waits for; itself or out of range for none
	}{
		{"each for the next", func(i int) int { return i + 1 }},
		{"each for the previous", func(i int) int { return i - 1 }},
		{"all for the last", func(i int) int { return n - 1 }},
		{"all for the first", func(i int) int { return 0 }},
		{"pairs, first for second", func(i int) int { return i + 1 - i%2 }},
		{"none", func(i int) int { return i }},
	}
	both(t, func(t *testing.T, im impl) {
		synctest.Test(t, func(t *testing.T) {
			g := im.zero()
			for range 3 {
				for _, tt := range tests {
					done := make([]chan struct{}, n)
					for i := range done {
						done[i] = make(chan struct{})
					}
					for i := range n {
						g.Go(func() error {
							if w := tt.waitsFor(i); w >= 0 && w < n && w != i {
								<-done[w]
							}
							close(done[i])
							return nil
						})
					}
					for i := range done {
						<-done[i] // hangs, and synctest fails, on a deadlock
					}
				}
			}
			if err := g.Wait(); err != nil {
				t.Fatal(err)
			}
		})
	})
}
