package fleetview

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/goleak"

	"github.com/weft-dev/weft/cmd/weft/internal/dash"
	"github.com/weft-dev/weft/cmd/weft/internal/remote"
	"github.com/weft-dev/weft/fleet"
)

func TestMain(m *testing.M) {
	// Servers write the same user's credentials in the configuration
	// directory: keep this run's apart.
	dir, err := os.MkdirTemp("", "weft-config-")
	if err != nil {
		panic(err)
	}
	os.Setenv("XDG_CONFIG_HOME", dir)
	goleak.VerifyTestMain(m, goleak.Cleanup(func(code int) {
		os.RemoveAll(dir)
		os.Exit(code)
	}))
}

// fleetFixture is a server with the stream set "s", a submitter's
// connection and a worker's, to write what submitters and workers write.
type fleetFixture struct {
	sub, wrk *remote.Conn
}

func newFleet(t *testing.T) *fleetFixture {
	t.Helper()
	srv, err := fleet.StartServer(fleet.ServerConfig{Dir: t.TempDir(), Streams: []fleet.StreamConfig{remote.StreamConfig("s", 0, 0)}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	f := &fleetFixture{}
	for _, c := range []struct {
		dst  **remote.Conn
		role fleet.Role
	}{{&f.sub, fleet.RoleSubmitter}, {&f.wrk, fleet.RoleWorker}} {
		conn, err := remote.Open(srv.URL(), "s", c.role, remote.Access{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(conn.Close)
		*c.dst = conn
	}
	return f
}

// report publishes a worker's report, as a worker does.
func (f *fleetFixture) report(t *testing.T, r remote.Result) {
	t.Helper()
	data, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	id := remote.JobID(r.Run, r.Seq, r.K)
	if _, err := f.wrk.JS.Publish(context.Background(), f.wrk.ResultSubject(r.Run), data, jetstream.WithMsgID(id)); err != nil {
		t.Fatal(err)
	}
}

// source starts a Source as a submitter and waits until it caught up.
func (f *fleetFixture) source(t *testing.T) *Source {
	t.Helper()
	s, err := Start(f.sub, Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := s.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

func findRun(s *dash.Snapshot, id string) *dash.Run {
	for i := range s.Runs {
		if s.Runs[i].ID == id {
			return &s.Runs[i]
		}
	}
	return nil
}

// TestSourceCountsWhatTheFleetHolds: a run's record, its reports (a
// second report of a job ignored, a job skipped then run counted once),
// and a worker's registry entry, read back as the dashboard reads them.
func TestSourceCountsWhatTheFleetHolds(t *testing.T) {
	f := newFleet(t)
	ctx := context.Background()
	start := time.Now().Add(-time.Minute).Truncate(time.Second)
	if err := f.sub.SetState(ctx, "r1", remote.StateRun); err != nil {
		t.Fatal(err)
	}
	if err := f.sub.PutRunRecord(ctx, &remote.RunRecord{ID: "r1", Command: "work {}", Submitter: "ann@box", Started: start, Total: 6, TotalKnown: true}); err != nil {
		t.Fatal(err)
	}
	f.report(t, remote.Result{Run: "r1", Seq: 1, Host: "w1", Cmdline: "work a", Start: start, Elapsed: time.Second, Stdout: []byte("out\n")})
	f.report(t, remote.Result{Run: "r1", Seq: 2, Host: "w1", Cmdline: "work b", Start: start, Exit: 3, Stderr: []byte("line 1\nbad thing\n")})
	f.report(t, remote.Result{Run: "r1", Seq: 2, K: 0, Host: "w2", Cmdline: "work b", Start: start}) // same ID: dropped by the server
	f.report(t, remote.Result{Run: "r1", Seq: 3, Host: "w1", Skipped: true})
	f.report(t, remote.Result{Run: "r1", Seq: 3, K: 1, Host: "w2", Cmdline: "work c", Start: start, Signal: 9, Exit: -1})
	f.report(t, remote.Result{Run: "r1", Seq: 4, Host: "w2", Skipped: true})
	now := time.Now()
	if err := f.wrk.PutWorker(ctx, "k1", &remote.WorkerEntry{Name: "w1", Slots: 2, Started: start, Beat: now,
		Running: []remote.RunningJob{{Run: "r1", Seq: 5, Command: "work e", Started: now}, {Run: "r1", Seq: 1, Command: "work a", Started: start}},
		Done:    1, Failed: 1}); err != nil {
		t.Fatal(err)
	}
	if err := f.wrk.PutWorker(ctx, "k2", &remote.WorkerEntry{Name: "w2", Slots: 1, Started: start, Beat: now, Stopped: true}); err != nil {
		t.Fatal(err)
	}
	s := f.source(t)
	snap, err := s.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	r := findRun(snap, "r1")
	if r == nil {
		t.Fatalf("no run r1 in %+v", snap.Runs)
	}
	if r.Done != 1 || r.Failed != 2 || r.Skipped != 1 || r.Running != 1 || r.Total != 6 || !r.TotalKnown || r.Queued() != 1 {
		t.Errorf("run r1: %+v; want 1 done, 2 failed, 1 skipped, 1 running, 1 queued of 6", *r)
	}
	if r.Command != "work {}" || r.Submitter != "ann@box" || !r.Started.Equal(start) || r.Halt != "" || !r.Ended.IsZero() {
		t.Errorf("run r1's record: %+v", *r)
	}
	if len(snap.Workers) != 2 {
		t.Fatalf("workers %+v; want w1 alive and w2 gone", snap.Workers)
	}
	for _, w := range snap.Workers {
		if (w.Name == "w2") != w.Gone {
			t.Errorf("worker %s gone: %v", w.Name, w.Gone)
		}
		// Job 1 was reported since w1's entry listed it: only job 5 runs.
		if w.Name == "w1" && (len(w.Running) != 1 || w.Running[0].Seq != 5 || w.Slots != 2 || w.Done != 1 || w.Failed != 1) {
			t.Errorf("worker w1: %+v; want job 5 running", w)
		}
	}
	if len(snap.Failures) != 2 || snap.Failures[0].Seq != 3 || snap.Failures[1].Seq != 2 || snap.Failures[1].Exit != 3 || snap.Failures[1].Command != "work b" {
		t.Errorf("failures %+v; want jobs 3 then 2", snap.Failures)
	}
	var finished int64
	for _, c := range snap.Throughput.Counts {
		finished += c
	}
	if finished != 3 {
		t.Errorf("throughput counts %d finished jobs; want 3", finished)
	}
	if snap.Pending != 0 {
		t.Errorf("pending in the job stream %d; want 0", snap.Pending)
	}

	page, err := s.Jobs(ctx, "r1", dash.JobQuery{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, j := range page.Jobs {
		got = append(got, fmt.Sprintf("%d %s %s", j.Seq, j.State, j.Command))
	}
	want := []string{"1 done work a", "2 failed work b", "3 failed work c", "4 skipped work {}", "5 running work e", "6 queued work {}"}
	if strings.Join(got, "|") != strings.Join(want, "|") || page.Matching != 6 {
		t.Errorf("jobs %q (of %d); want %q (of 6)", got, page.Matching, want)
	}
	for st, want := range map[dash.JobState]string{dash.JobFailed: "2,3", dash.JobDone: "1", dash.JobQueued: "6", dash.JobRunning: "5", dash.JobSkipped: "4"} {
		page, err := s.Jobs(ctx, "r1", dash.JobQuery{State: st, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		var seqs []string
		for _, j := range page.Jobs {
			seqs = append(seqs, fmt.Sprint(j.Seq))
		}
		if got := strings.Join(seqs, ","); got != want || page.Matching != int64(len(seqs)) {
			t.Errorf("%s jobs %s (matching %d); want %s", st, got, page.Matching, want)
		}
	}
	if page, _ := s.Jobs(ctx, "r1", dash.JobQuery{State: dash.JobFailed, Offset: 1, Limit: 1}); len(page.Jobs) != 1 || page.Jobs[0].Seq != 3 || page.Matching != 2 {
		t.Errorf("second page of failed jobs: %+v", page)
	}
	j, err := s.Job(ctx, "r1", 1)
	if err != nil || j.Command != "work a" || j.Worker != "w1" || j.Stdout != 4 || j.Elapsed != time.Second {
		t.Errorf("job 1: %+v, %v", j, err)
	}
	if _, err := s.Job(ctx, "r1", 7); !errors.Is(err, dash.ErrNotFound) {
		t.Errorf("job 7 of 6: %v; want ErrNotFound", err)
	}
	if _, err := s.Jobs(ctx, "nope", dash.JobQuery{Limit: 1}); !errors.Is(err, dash.ErrNotFound) {
		t.Errorf("an unknown run: %v; want ErrNotFound", err)
	}
	if b, err := s.StderrTail(ctx, "r1", 2, 9); err != nil || string(b) != "ad thing\n" {
		t.Errorf("stderr tail of job 2: %q, %v", b, err)
	}
	var log []string
	for j, err := range s.Joblog(ctx, "r1") {
		if err != nil {
			t.Fatal(err)
		}
		log = append(log, fmt.Sprintf("%d %d %s", j.Seq, j.Exit, j.Command))
	}
	if got, want := strings.Join(log, "|"), "1 0 work a|2 3 work b|3 -1 work c"; got != want {
		t.Errorf("joblog %q; want %q", got, want)
	}
}

// TestSourceFollowsAndHalts: reports that come after the start are
// counted as they come; Halt writes the state the workers follow, which
// the Source then shows; the run ends when its last job is reported.
func TestSourceFollowsAndHalts(t *testing.T) {
	f := newFleet(t)
	ctx := context.Background()
	if err := f.sub.PutRunRecord(ctx, &remote.RunRecord{ID: "r2", Command: "true", Started: time.Now(), Total: 2, TotalKnown: true}); err != nil {
		t.Fatal(err)
	}
	s := f.source(t)
	f.report(t, remote.Result{Run: "r2", Seq: 1, Host: "w", Start: time.Now()})
	waitFor(t, s, "job 1 done", func(r *dash.Run) bool { return r.Done == 1 })
	if err := s.Halt(ctx, "r2", dash.HaltSoon); err != nil {
		t.Fatal(err)
	}
	if e, err := f.sub.Runs.Get(ctx, "r2"); err != nil || string(e.Value()) != remote.StateSoon {
		t.Errorf("run state after Halt: %v; want soon", err)
	}
	waitFor(t, s, "halted", func(r *dash.Run) bool { return r.Halt == dash.HaltSoon })
	if err := s.Halt(ctx, "zz", dash.HaltNow); !errors.Is(err, dash.ErrNotFound) {
		t.Errorf("halting an unknown run: %v; want ErrNotFound", err)
	}
	f.report(t, remote.Result{Run: "r2", Seq: 2, Host: "w", Start: time.Now()})
	waitFor(t, s, "ended", func(r *dash.Run) bool { return r.Done == 2 && !r.Ended.IsZero() })
}

// waitFor waits until run r2 satisfies ok: the Source follows the server
// on goroutines of its own.
func waitFor(t *testing.T, s *Source, what string, ok func(*dash.Run) bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second) // a bound for a failing test
	for {
		snap, err := s.Snapshot(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if r := findRun(snap, "r2"); r != nil && ok(r) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("run r2 never %s: %+v", what, snap.Runs)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestSourceKeepsMaxRuns: past Config.MaxRuns, the least recently active
// run is forgotten.
func TestSourceKeepsMaxRuns(t *testing.T) {
	f := newFleet(t)
	for i := range 4 {
		f.report(t, remote.Result{Run: fmt.Sprintf("r%d", i), Seq: 1, Start: time.Now()})
	}
	s, err := Start(f.sub, Config{MaxRuns: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	snap, _ := s.Snapshot(context.Background())
	if len(snap.Runs) != 3 || findRun(snap, "r3") == nil {
		t.Errorf("runs %+v; want 3, r3 among them", snap.Runs)
	}
	if _, err := Start(f.sub, Config{MaxRuns: -1}); err == nil || !strings.Contains(err.Error(), "MaxRuns must be >= 0, got -1") {
		t.Errorf("MaxRuns -1: %v", err)
	}
}

// TestDashboardOverTheSource: the dashboard's API over a Source answers
// with the fleet's counts, and halts a run through it.
func TestDashboardOverTheSource(t *testing.T) {
	f := newFleet(t)
	ctx := context.Background()
	if err := f.sub.PutRunRecord(ctx, &remote.RunRecord{ID: "r3", Command: "x", Started: time.Now(), Total: 3, TotalKnown: true}); err != nil {
		t.Fatal(err)
	}
	f.report(t, remote.Result{Run: "r3", Seq: 1, Start: time.Now(), Exit: 1, Cmdline: "x 1"})
	s := f.source(t)
	toks, err := dash.NewTokens()
	if err != nil {
		t.Fatal(err)
	}
	d, err := dash.New(dash.Config{Source: s, Actions: s, Tokens: toks})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	srv := httptest.NewServer(d)
	defer srv.Close()
	do := func(method, path, body, tok string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { res.Body.Close() })
		return res
	}
	res := do("GET", "/api/runs/r3", "", toks.View)
	var rd dash.RunDetail
	if err := json.NewDecoder(res.Body).Decode(&rd); err != nil || res.StatusCode != 200 {
		t.Fatalf("GET /api/runs/r3: %d, %v", res.StatusCode, err)
	}
	if rd.Run.Failed != 1 || rd.Run.Queued != 2 || len(rd.Failures) != 1 || *rd.Failures[0].Exit != 1 {
		t.Errorf("run r3: %+v; want 1 failed (exit 1), 2 queued", rd)
	}
	if res := do("POST", "/api/runs/r3/halt", "mode=now", toks.View); res.StatusCode != http.StatusForbidden {
		t.Errorf("halt with the view token: %d; want 403", res.StatusCode)
	}
	if _, err := f.sub.Runs.Get(ctx, "r3"); !errors.Is(err, jetstream.ErrKeyNotFound) {
		t.Errorf("run r3 has a state after a refused halt: %v", err)
	}
	if res := do("POST", "/api/runs/r3/halt", "mode=now", toks.Act); res.StatusCode != http.StatusOK {
		t.Errorf("halt with the act token: %d; want 200", res.StatusCode)
	}
	if e, err := f.sub.Runs.Get(ctx, "r3"); err != nil || string(e.Value()) != remote.StateNow {
		t.Errorf("run r3's state after the halt: %v; want now", err)
	}
}

// TestSourceTakesASilentWorkerForGone: a worker whose entry the server has
// not stored for remote.GoneAfter (killed with SIGKILL, say) is shown gone
// then, long before its entry expires, and its jobs are no longer listed
// as running; a worker's clock running ahead does not keep it alive.
func TestSourceTakesASilentWorkerForGone(t *testing.T) {
	f := newFleet(t)
	ctx := context.Background()
	if err := f.sub.PutRunRecord(ctx, &remote.RunRecord{ID: "r1", Command: "work", Started: time.Now(), Total: 1, TotalKnown: true}); err != nil {
		t.Fatal(err)
	}
	if err := f.wrk.PutWorker(ctx, "k1", &remote.WorkerEntry{Name: "w1", Slots: 1, Started: time.Now(),
		Beat:    time.Now().Add(time.Hour), // a clock an hour ahead
		Running: []remote.RunningJob{{Run: "r1", Seq: 1, Command: "work", Started: time.Now()}}}); err != nil {
		t.Fatal(err)
	}
	stored := time.Now() // not before the server stored the entry
	var now time.Time
	s, err := Start(f.sub, Config{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := s.Sync(sctx); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		at   time.Time
		gone bool
	}{
		{stored, false},
		{stored.Add(remote.GoneAfter - time.Second), false},
		{stored.Add(remote.GoneAfter + time.Millisecond), true},
	} {
		now = c.at
		snap, err := s.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(snap.Workers) != 1 {
			t.Fatalf("at +%v: workers %+v; want w1", c.at.Sub(stored), snap.Workers)
		}
		w := snap.Workers[0]
		if w.Gone != c.gone || (len(w.Running) == 0) != c.gone {
			t.Errorf("at +%v after its last write: gone %v, running %v; want gone %v", c.at.Sub(stored), w.Gone, w.Running, c.gone)
		}
	}
}
