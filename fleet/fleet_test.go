package fleet_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/goleak"

	"github.com/weft-dev/weft/fleet"
)

func TestMain(m *testing.M) {
	// Servers write the same user's credentials in the configuration
	// directory: keep this run's apart.
	dir, err := os.MkdirTemp("", "fleet-config-")
	if err != nil {
		panic(err)
	}
	os.Setenv("XDG_CONFIG_HOME", dir)
	goleak.VerifyTestMain(m, goleak.Cleanup(func(code int) {
		os.RemoveAll(dir)
		os.Exit(code)
	}))
}

// cluster starts an embedded server in a temporary directory, with
// authentication and TLS on as by default, and the stream set "jobs" set
// up as sc says (defaults without one).
func cluster(t *testing.T, sc ...fleet.StreamConfig) *fleet.Server {
	t.Helper()
	cfg := fleet.StreamConfig{Name: "jobs"}
	if len(sc) > 0 {
		cfg = sc[0]
	}
	srv, err := fleet.StartServer(fleet.ServerConfig{Dir: t.TempDir(), Streams: []fleet.StreamConfig{cfg}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	return srv
}

// clusterIn is cluster with the default stream set, and also returns the
// server's store directory.
func clusterIn(t *testing.T) (*fleet.Server, string) {
	t.Helper()
	dir := t.TempDir()
	srv, err := fleet.StartServer(fleet.ServerConfig{Dir: dir, Streams: []fleet.StreamConfig{{Name: "jobs"}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	return srv, dir
}

// connect connects to url over TCP with the credentials of role that the
// server wrote for this user. Any permission the server refuses fails the
// test: each role's work must need no more than its permissions.
func connect(t *testing.T, url string, role fleet.Role) jetstream.JetStream {
	t.Helper()
	var mu sync.Mutex
	var refused []error
	js := dial(t, url, role, func(err error) {
		if errors.Is(err, nats.ErrPermissionViolation) {
			mu.Lock()
			refused = append(refused, err)
			mu.Unlock()
		}
	})
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, err := range refused {
			t.Errorf("the %s connection was refused a permission: %v", role, err)
		}
	})
	return js
}

// dial connects to url over TCP with the credentials of role that the
// server wrote for this user, and hands the connection's errors to onErr.
func dial(t *testing.T, url string, role fleet.Role, onErr func(error)) jetstream.JetStream {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	js, err := fleet.Connect(ctx, url, fleet.As(role), fleet.WithErrorHandler(onErr))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(js.Conn().Close)
	return js
}

type work struct{ N int }

// handled records which jobs ran and how often.
type handled struct {
	mu   sync.Mutex
	runs map[string]int
}

func (h *handled) add(id string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.runs == nil {
		h.runs = map[string]int{}
	}
	h.runs[id]++
}

func (h *handled) count() (distinct, total int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, n := range h.runs {
		total += n
	}
	return len(h.runs), total
}

// waitUntil polls cond: the server works on its own clock, so there is no
// goroutine of this process to synchronize with.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// runWorker runs a worker until the test ends, and returns a function that
// stops it and waits for it.
func runWorker(t *testing.T, js jetstream.JetStream, workers int, h func(context.Context, fleet.Job[work]) error, cfg fleet.WorkerConfig) func() {
	t.Helper()
	w, err := fleet.NewWorker(context.Background(), js, "jobs", workers, h, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			if err := <-done; !errors.Is(err, context.Canceled) {
				t.Errorf("Run: got %v; want context.Canceled", err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

func submit(t *testing.T, js jetstream.JetStream, ids ...string) {
	t.Helper()
	p, err := fleet.NewProducer[work](context.Background(), js, "jobs", nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, id := range ids {
		if err := p.Submit(context.Background(), id, work{N: i}); err != nil {
			t.Fatal(err)
		}
	}
}

func ids(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprint("job-", i)
	}
	return out
}

func TestEveryJobRunsOnceAcrossWorkers(t *testing.T) {
	srv := cluster(t)
	var h handled
	handler := func(_ context.Context, j fleet.Job[work]) error { h.add(j.ID); return nil }
	for range 2 {
		runWorker(t, connect(t, srv.URL(), fleet.RoleWorker), 4, handler, fleet.WorkerConfig{})
	}
	submit(t, connect(t, srv.URL(), fleet.RoleSubmitter), ids(300)...)
	waitUntil(t, "300 jobs", func() bool { d, _ := h.count(); return d == 300 })
	if d, total := h.count(); total != 300 {
		t.Errorf("%d jobs ran %d times; want each once", d, total)
	}
}

func TestResubmittedJobsAreDeduplicated(t *testing.T) {
	srv := cluster(t)
	js := connect(t, srv.URL(), fleet.RoleSubmitter)
	submit(t, js, "a", "b", "a", "b", "c")
	s, err := js.Stream(context.Background(), "jobs")
	if err != nil {
		t.Fatal(err)
	}
	if got := s.CachedInfo().State.Msgs; got != 3 {
		t.Fatalf("stream holds %d jobs after 5 submits of 3 ids; want 3", got)
	}
	var h handled
	runWorker(t, connect(t, srv.URL(), fleet.RoleWorker), 2, func(_ context.Context, j fleet.Job[work]) error { h.add(j.ID); return nil }, fleet.WorkerConfig{})
	waitUntil(t, "3 jobs", func() bool { d, _ := h.count(); return d == 3 })
	if d, total := h.count(); total != 3 {
		t.Errorf("%d distinct jobs ran %d times; want 3 once each", d, total)
	}
}

func TestJobOfADeadWorkerIsRedelivered(t *testing.T) {
	srv := cluster(t, fleet.StreamConfig{Name: "jobs", AckWait: 500 * time.Millisecond})
	taken := make(chan string, 1)
	// The first worker takes the job and dies with it: its connection is
	// cut without an acknowledgement.
	deadJS := connect(t, srv.URL(), fleet.RoleWorker)
	stopDead := runWorker(t, deadJS, 1, func(ctx context.Context, j fleet.Job[work]) error {
		taken <- j.ID
		<-ctx.Done()
		return ctx.Err()
	}, fleet.WorkerConfig{AckWait: 500 * time.Millisecond})
	submit(t, connect(t, srv.URL(), fleet.RoleSubmitter), "only")
	id := <-taken
	deadJS.Conn().Close() // dies: no ack, no nak
	var h handled
	runWorker(t, connect(t, srv.URL(), fleet.RoleWorker), 1, func(_ context.Context, j fleet.Job[work]) error {
		if j.Attempt < 2 {
			return fmt.Errorf("attempt %d: want a redelivery", j.Attempt)
		}
		h.add(j.ID)
		return nil
	}, fleet.WorkerConfig{AckWait: 500 * time.Millisecond})
	waitUntil(t, "the redelivery", func() bool { d, _ := h.count(); return d == 1 })
	if _, ok := h.runs[id]; !ok {
		t.Errorf("redelivered %v; want %q", h.runs, id)
	}
	stopDead()
}

func TestFailingJobIsRetriedThenReported(t *testing.T) {
	srv := cluster(t, fleet.StreamConfig{Name: "jobs", MaxDeliver: 3})
	js := connect(t, srv.URL(), fleet.RoleWorker)
	var mu sync.Mutex
	var attempts []int
	var failures []error
	runWorker(t, js, 1, func(_ context.Context, j fleet.Job[work]) error {
		mu.Lock()
		attempts = append(attempts, j.Attempt)
		mu.Unlock()
		if j.Attempt == 1 {
			panic("first try")
		}
		return errors.New("still broken")
	}, fleet.WorkerConfig{MaxDeliver: 3, OnFailed: func(id string, err error) {
		mu.Lock()
		failures = append(failures, err)
		mu.Unlock()
	}})
	submit(t, connect(t, srv.URL(), fleet.RoleSubmitter), "bad")
	waitUntil(t, "the failure report", func() bool { mu.Lock(); defer mu.Unlock(); return len(failures) == 1 })
	mu.Lock()
	defer mu.Unlock()
	if fmt.Sprint(attempts) != "[1 2 3]" {
		t.Errorf("attempts %v; want [1 2 3]", attempts)
	}
	if !strings.Contains(failures[0].Error(), `job "bad" failed 3 times, last: still broken`) {
		t.Errorf("failure: %v", failures[0])
	}
	// The first attempt panicked: attempts 2 and 3 show that the panic was
	// captured and the worker lived on.
}

func TestBadInput(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if _, err := fleet.Connect(ctx, "nats://127.0.0.1:1"); err == nil || !strings.Contains(err.Error(), "cannot reach NATS at nats://127.0.0.1:1") {
		t.Errorf("Connect to a closed port: got %v", err)
	}
	srv := cluster(t)
	js := connect(t, srv.URL(), fleet.RoleSubmitter)
	p, err := fleet.NewProducer[string](context.Background(), js, "jobs", nil)
	if err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("x", int(js.Conn().MaxPayload())+1)
	if err := p.Submit(context.Background(), "big", big); err == nil || !strings.Contains(err.Error(), "more than the server's maximum payload") {
		t.Errorf("oversize payload: got %v", err)
	}
	if err := p.Submit(context.Background(), "", "x"); err == nil {
		t.Error("empty id: got nil error")
	}
	// A stream of the same name that is not a work queue is refused.
	admin, err := srv.ConnectInProcess(fleet.RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Conn().Close()
	if _, err := admin.CreateStream(context.Background(), jetstream.StreamConfig{Name: "plain", Subjects: []string{"plain.>"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := fleet.NewProducer[string](context.Background(), admin, "plain", nil); err == nil || !strings.Contains(err.Error(), "is not a work queue") {
		t.Errorf("wrong stream config: got %v", err)
	}
	if _, err := fleet.NewProducer[string](context.Background(), admin, "bad.name", nil); err == nil || !strings.Contains(err.Error(), `bad stream name "bad.name"`) {
		t.Errorf("bad stream name: got %v", err)
	}
	if _, err := fleet.NewWorker(context.Background(), js, "jobs", 0, func(context.Context, fleet.Job[string]) error { return nil }, fleet.WorkerConfig{}); err == nil {
		t.Error("0 workers: got nil error")
	}
	if _, err := srv.ConnectInProcess(fleet.RoleWorker, fleet.As(fleet.RoleWorker)); err == nil || !strings.Contains(err.Error(), "ConnectInProcess takes only WithErrorHandler") {
		t.Errorf("ConnectInProcess with As: got %v", err)
	}
	if _, err := fleet.Connect(ctx, srv.URL(), fleet.As("root")); err == nil || !strings.Contains(err.Error(), `unknown role "root"`) {
		t.Errorf("Connect as root: got %v", err)
	}
}

// TestDrainFinishesRunningJobsAndGivesBackTheRest: a draining worker lets its
// running handlers finish (their jobs are acknowledged) and gives the jobs it
// pulled ahead back at once, so that another worker runs them long before
// the ack wait (an hour here) would have passed.
func TestDrainFinishesRunningJobsAndGivesBackTheRest(t *testing.T) {
	srv := cluster(t, fleet.StreamConfig{Name: "jobs", AckWait: time.Hour})
	js := connect(t, srv.URL(), fleet.RoleWorker)
	submit(t, connect(t, srv.URL(), fleet.RoleSubmitter), ids(20)...)
	started := make(chan string, 2)
	release := make(chan struct{})
	var first handled
	w, err := fleet.NewWorker(context.Background(), js, "jobs", 2, func(_ context.Context, j fleet.Job[work]) error {
		started <- j.ID
		<-release
		first.add(j.ID)
		return nil
	}, fleet.WorkerConfig{AckWait: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- w.Run(context.Background()) }()
	<-started
	<-started // both handlers busy; the other 18 jobs wait in the worker
	w.Drain()
	close(release)
	if err := <-done; err != nil {
		t.Fatalf("Run after Drain: %v; want nil", err)
	}
	if d, _ := first.count(); d != 2 {
		t.Fatalf("the draining worker finished %d jobs; want its 2 running ones", d)
	}
	var second handled
	runWorker(t, connect(t, srv.URL(), fleet.RoleWorker), 4, func(_ context.Context, j fleet.Job[work]) error { second.add(j.ID); return nil }, fleet.WorkerConfig{AckWait: time.Hour})
	waitUntil(t, "the 18 jobs given back", func() bool { d, _ := second.count(); return d == 18 })
	for id := range first.runs {
		if second.runs[id] > 0 {
			t.Errorf("job %s ran on both workers", id)
		}
	}
}

// TestJobWhoseWorkersAllDieIsReported: a job whose worker dies on every one
// of its MaxDeliver deliveries is removed and reported to OnFailed by a
// live worker of the same consumer, instead of staying in the stream
// unannounced.
func TestJobWhoseWorkersAllDieIsReported(t *testing.T) {
	srv := cluster(t, fleet.StreamConfig{Name: "jobs", AckWait: 300 * time.Millisecond, MaxDeliver: 2})
	cfg := fleet.WorkerConfig{AckWait: 300 * time.Millisecond, MaxDeliver: 2}
	submit(t, connect(t, srv.URL(), fleet.RoleSubmitter), "doomed")
	for attempt := 1; attempt <= 2; attempt++ {
		taken := make(chan int, 1)
		js := connect(t, srv.URL(), fleet.RoleWorker)
		stop := runWorker(t, js, 1, func(ctx context.Context, j fleet.Job[work]) error {
			taken <- j.Attempt
			<-ctx.Done()
			return ctx.Err()
		}, cfg)
		if got := <-taken; got != attempt {
			t.Fatalf("delivery %d: attempt %d", attempt, got)
		}
		js.Conn().Close() // dies holding the job
		stop()
	}
	failures := make(chan string, 2)
	live := cfg
	live.OnFailed = func(id string, err error) { failures <- id + ": " + err.Error() }
	runWorker(t, connect(t, srv.URL(), fleet.RoleWorker), 1, func(_ context.Context, j fleet.Job[work]) error {
		t.Errorf("job %s delivered a third time", j.ID)
		return nil
	}, live)
	got := <-failures
	if !strings.Contains(got, `doomed: fleet: job "doomed" was delivered 2 times and never settled`) {
		t.Errorf("OnFailed: %s", got)
	}
	s, err := connect(t, srv.URL(), fleet.RoleSubmitter).Stream(context.Background(), "jobs")
	if err != nil {
		t.Fatal(err)
	}
	if n := s.CachedInfo().State.Msgs; n != 0 {
		t.Errorf("stream still holds %d jobs", n)
	}
}

// TestLongJobIsNotRedelivered: a job that runs for four ack waits stays with
// its worker, kept alive by the heartbeat; a second worker waits in vain.
func TestLongJobIsNotRedelivered(t *testing.T) {
	srv := cluster(t, fleet.StreamConfig{Name: "jobs", AckWait: 300 * time.Millisecond})
	var h handled
	cfg := fleet.WorkerConfig{AckWait: 300 * time.Millisecond}
	handler := func(ctx context.Context, j fleet.Job[work]) error {
		h.add(j.ID)
		select {
		case <-time.After(1200 * time.Millisecond): // the job's own work
		case <-ctx.Done():
			return ctx.Err()
		}
		h.add(j.ID + " done")
		return nil
	}
	runWorker(t, connect(t, srv.URL(), fleet.RoleWorker), 1, handler, cfg)
	runWorker(t, connect(t, srv.URL(), fleet.RoleWorker), 1, handler, cfg)
	submit(t, connect(t, srv.URL(), fleet.RoleSubmitter), "long")
	waitUntil(t, "the long job", func() bool { _, n := h.count(); return n >= 2 })
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.runs["long"] != 1 || h.runs["long done"] != 1 {
		t.Errorf("runs %v; want the long job started and finished once", h.runs)
	}
}

// TestDuplicateWindowExtendsTheStream: a producer allowed to change the
// stream extends its duplicate window, never shrinks it; a submitter may
// not, and says so.
func TestDuplicateWindowExtendsTheStream(t *testing.T) {
	srv := cluster(t)
	js, err := srv.ConnectInProcess(fleet.RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	defer js.Conn().Close()
	ctx := context.Background()
	window := func() time.Duration {
		s, err := js.Stream(ctx, "jobs")
		if err != nil {
			t.Fatal(err)
		}
		return s.CachedInfo().Config.Duplicates
	}
	if _, err := fleet.NewProducer[work](ctx, js, "jobs", nil); err != nil {
		t.Fatal(err)
	}
	if got := window(); got != fleet.DefaultDuplicateWindow {
		t.Errorf("default window %v; want %v", got, fleet.DefaultDuplicateWindow)
	}
	sub := dial(t, srv.URL(), fleet.RoleSubmitter, func(error) {}) // the refusal is expected
	_, err = fleet.NewProducer[work](ctx, sub, "jobs", nil, fleet.DuplicateWindow(time.Hour))
	if !errors.Is(err, fleet.ErrDenied) || !strings.Contains(err.Error(), "may not extend the duplicate window of stream jobs from 10m0s to 1h0m0s") {
		t.Errorf("a submitter extending the window: got %v", err)
	}
	if _, err := fleet.NewProducer[work](ctx, js, "jobs", nil, fleet.DuplicateWindow(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got := window(); got != time.Hour {
		t.Errorf("after DuplicateWindow(1h): %v", got)
	}
	if _, err := fleet.NewProducer[work](ctx, js, "jobs", nil, fleet.DuplicateWindow(time.Minute)); err != nil || window() != time.Hour {
		t.Errorf("a shorter window shrank the stream's (%v) or failed: %v", window(), err)
	}
	if _, err := fleet.NewProducer[work](ctx, js, "jobs", nil, fleet.DuplicateWindow(-time.Second)); err == nil {
		t.Error("negative window: got nil error")
	}
}

// TestConcurrentSetUp: set-ups, producers and workers started together on
// a fresh server all find (or create) the same streams: with an admin
// credential each sets the stream set up; without authentication producers
// and workers create what they need.
func TestConcurrentSetUp(t *testing.T) {
	t.Run("admin", func(t *testing.T) {
		srv := cluster(t)
		errs := make(chan error, 8)
		var wg sync.WaitGroup
		for range 8 {
			js, err := srv.ConnectInProcess(fleet.RoleAdmin)
			if err != nil {
				t.Fatal(err)
			}
			defer js.Conn().Close()
			wg.Go(func() { errs <- fleet.SetUp(context.Background(), js, fleet.StreamConfig{Name: "fresh"}) })
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
	})
	t.Run("no authentication", func(t *testing.T) {
		srv, err := fleet.StartServer(fleet.ServerConfig{Dir: t.TempDir(), InsecureNoAuth: true})
		if err != nil {
			t.Fatal(err)
		}
		defer srv.Shutdown()
		errs := make(chan error, 8)
		var wg sync.WaitGroup
		for i := range 8 {
			js := connect(t, srv.URL(), fleet.RoleAdmin)
			wg.Go(func() {
				var err error
				if i%2 == 0 {
					_, err = fleet.NewProducer[work](context.Background(), js, "jobs", nil)
				} else {
					_, err = fleet.NewWorker(context.Background(), js, "jobs", 1, func(context.Context, fleet.Job[work]) error { return nil }, fleet.WorkerConfig{})
				}
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
	})
}
