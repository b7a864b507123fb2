package reach

import (
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// lines is an io.Writer that keeps what was written, line by line.
type lines struct {
	mu sync.Mutex
	l  []string
}

func (l *lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, s := range strings.SplitAfter(string(p), "\n") {
		if s != "" {
			l.l = append(l.l, s)
		}
	}
	return len(p), nil
}

func (l *lines) get() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.l...)
}

// TestOneLineThenGrowingReminders: a server gone for almost 4 minutes gives one
// line at once, however often the client retries, then reminders at 30 s,
// 1 min and 2 min, one line when it is back, and no give-up.
func TestOneLineThenGrowingReminders(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		out := &lines{}
		var gaveUp, lost atomic.Int32
		w := New(Config{URL: "nats://user:secret@q.example:4222", Timeout: 5 * time.Minute, Out: out, GiveUp: func() { gaveUp.Add(1) }, While: "the running jobs go on", OnLost: func() { lost.Add(1) }})
		defer w.Stop()
		w.Lost()
		// The client retries every 2 s: each retry fails again.
		for range 119 {
			time.Sleep(2 * time.Second)
			w.Lost()
		}
		synctest.Wait()
		if !w.Down() {
			t.Error("Down() = false while the server is gone")
		}
		w.Back()
		got := out.get()
		want := []string{
			"weft: the NATS server at nats://user:xxxxx@q.example:4222 is unreachable; waiting for it (giving up after 5m0s: --server-timeout); the running jobs go on\n",
			"weft: still waiting for the NATS server at nats://user:xxxxx@q.example:4222 (unreachable for 30s; giving up in 4m30s)\n",
			"weft: still waiting for the NATS server at nats://user:xxxxx@q.example:4222 (unreachable for 1m0s; giving up in 4m0s)\n",
			"weft: still waiting for the NATS server at nats://user:xxxxx@q.example:4222 (unreachable for 2m0s; giving up in 3m0s)\n",
			"weft: the NATS server at nats://user:xxxxx@q.example:4222 is back after 3m58s\n",
		}
		if strings.Join(got, "") != strings.Join(want, "") {
			t.Errorf("lines:\n%s\nwant:\n%s", strings.Join(got, ""), strings.Join(want, ""))
		}
		if gaveUp.Load() != 0 || w.GaveUp() || w.Err() != nil {
			t.Errorf("gave up on a server that came back in time")
		}
		if lost.Load() != 1 {
			t.Errorf("OnLost called %d times for one loss and 119 failed retries; want 1", lost.Load())
		}
		// Back again later: the timers are gone with it.
		time.Sleep(10 * time.Minute)
		synctest.Wait()
		if n := len(out.get()); n != len(want) {
			t.Errorf("%d lines after the server came back; want %d", n, len(want))
		}
	})
}

// TestGivesUpAfterTheTimeout: a server gone for the timeout makes the Watch
// call GiveUp once, and say so in Err; later events change nothing.
func TestGivesUpAfterTheTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		out := &lines{}
		var gaveUp atomic.Int32
		w := New(Config{URL: "nats://127.0.0.1:4222", Timeout: 45 * time.Second, Out: out, GiveUp: func() { gaveUp.Add(1) }})
		defer w.Stop()
		start := time.Now()
		w.Lost()
		time.Sleep(44 * time.Second)
		synctest.Wait()
		if gaveUp.Load() != 0 {
			t.Fatalf("gave up after %s; want 45s", time.Since(start))
		}
		time.Sleep(time.Second)
		synctest.Wait()
		if gaveUp.Load() != 1 || !w.GaveUp() {
			t.Fatalf("GiveUp called %d times at the timeout; want 1", gaveUp.Load())
		}
		if err := w.Err(); err == nil || !strings.Contains(err.Error(), "gave up on the NATS server at nats://127.0.0.1:4222: unreachable for 45s") {
			t.Errorf("Err() = %v", err)
		}
		w.Back()
		w.Lost()
		time.Sleep(time.Hour)
		synctest.Wait()
		if gaveUp.Load() != 1 {
			t.Errorf("GiveUp called %d times; want 1", gaveUp.Load())
		}
		if got := out.get(); len(got) != 2 || !strings.Contains(got[1], "unreachable for 30s; giving up in 15s") {
			t.Errorf("lines %q; want the first line and one reminder", got)
		}
	})
}

// TestNoTimeoutWaitsForever: with no timeout, the Watch never gives up, and
// its reminders keep growing apart.
func TestNoTimeoutWaitsForever(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		out := &lines{}
		w := New(Config{URL: "nats://127.0.0.1:4222", Out: out, GiveUp: func() { t.Error("gave up with no timeout") }})
		defer w.Stop()
		w.Lost()
		time.Sleep(24 * time.Hour)
		synctest.Wait()
		got := out.get()
		// 30 s, then doubling: 1, 2, 4, ... 1024 min (about 17 h) fit in a day.
		if len(got) != 1+12 {
			t.Errorf("%d lines in a day; want 13 (one, then reminders growing apart): %q", len(got), got)
		}
		if strings.Contains(got[0], "giving up") {
			t.Errorf("first line %q speaks of giving up with no timeout", got[0])
		}
	})
}

// TestStopEndsEverything: after Stop, nothing is printed and nothing gives up.
func TestStopEndsEverything(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		out := &lines{}
		w := New(Config{URL: "nats://127.0.0.1:4222", Timeout: time.Minute, Out: out, GiveUp: func() { t.Error("gave up after Stop") }})
		w.Lost()
		w.Stop()
		time.Sleep(time.Hour)
		synctest.Wait()
		w.Back()
		if got := out.get(); len(got) != 1 {
			t.Errorf("lines %q; want only the first", got)
		}
	})
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"nats://127.0.0.1:4222":              "nats://127.0.0.1:4222",
		"nats://alice:s3cret@q.example:4222": "nats://alice:xxxxx@q.example:4222",
		"tls://tok3n@q.example:4222":         "tls://xxxxx@q.example:4222",
		"q.example:4222":                     "q.example:4222",
	} {
		if got := redact(in); got != want {
			t.Errorf("redact(%q) = %q; want %q", in, got, want)
		}
	}
}
