package worker

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/weft-dev/weft/cmd/weft/internal/remote"
)

// TestRegistryBatchesWrites: the registry entry is written at once, then
// at most every WriteGap however many jobs start and end, and every
// HeartbeatEvery while nothing changes; each write holds the jobs running
// and the counts at that time.
func TestRegistryBatchesWrites(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var (
			mu     sync.Mutex
			writes []remote.WorkerEntry
		)
		put := func(_ context.Context, e *remote.WorkerEntry) error {
			mu.Lock()
			writes = append(writes, *e)
			mu.Unlock()
			return nil
		}
		r := newRegistry(remote.WorkerEntry{Name: "w", Slots: 4}, put, io.Discard)
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		wg.Go(func() { r.run(ctx) })
		synctest.Wait()
		count := func() int { mu.Lock(); defer mu.Unlock(); return len(writes) }
		if n := count(); n != 1 {
			t.Fatalf("%d writes at start; want 1", n)
		}
		// 1,000 jobs start and end within the first WriteGap, one still runs.
		for i := range 1000 {
			id := fmt.Sprint(i)
			r.start(id, remote.RunningJob{Run: "r", Seq: int64(i + 1)})
			if i < 999 {
				r.end(id, true, i%10 == 0)
			}
		}
		synctest.Wait()
		if n := count(); n != 1 {
			t.Fatalf("%d writes within the first WriteGap; want 1", n)
		}
		time.Sleep(remote.WriteGap - time.Millisecond)
		synctest.Wait()
		if n := count(); n != 1 {
			t.Fatalf("%d writes just before WriteGap; want 1", n)
		}
		time.Sleep(time.Millisecond)
		synctest.Wait()
		if n := count(); n != 2 {
			t.Fatalf("%d writes after WriteGap; want 2", n)
		}
		last := writes[1]
		if last.Done != 899 || last.Failed != 100 || len(last.Running) != 1 || last.Running[0].Seq != 1000 {
			t.Errorf("second write: done %d, failed %d, running %v; want 899, 100, job 1000", last.Done, last.Failed, last.Running)
		}
		// Nothing changes: the next write is a heartbeat.
		time.Sleep(remote.HeartbeatEvery - time.Millisecond)
		synctest.Wait()
		if n := count(); n != 2 {
			t.Fatalf("%d writes before the heartbeat; want 2", n)
		}
		time.Sleep(time.Millisecond)
		synctest.Wait()
		if n := count(); n != 3 {
			t.Fatalf("%d writes after the heartbeat; want 3", n)
		}
		// A job stopped as the worker stops is not counted.
		r.end("999", false, true)
		cancel()
		wg.Wait()
		r.write(context.Background(), true)
		if e := writes[len(writes)-1]; !e.Stopped || e.Done != 899 || e.Failed != 100 || len(e.Running) != 0 {
			t.Errorf("last write %+v; want stopped, 899 done, 100 failed, none running", e)
		}
	})
}

// TestRegistrySaysOnceWhenItCannotWrite: a registry that cannot be
// written (a server that predates it) is said once on stderr, and the
// worker goes on.
func TestRegistrySaysOnceWhenItCannotWrite(t *testing.T) {
	var out strings.Builder
	r := newRegistry(remote.WorkerEntry{Name: "w"}, func(context.Context, *remote.WorkerEntry) error {
		return fmt.Errorf("no responders")
	}, &out)
	for range 3 {
		r.write(context.Background(), false)
	}
	if got := strings.Count(out.String(), "\n"); got != 1 || !strings.Contains(out.String(), "cannot announce this worker in the registry") {
		t.Errorf("stderr %q; want one line saying the registry cannot be written", out.String())
	}
}
