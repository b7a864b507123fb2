package dash

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestRunState(t *testing.T) {
	for _, tc := range []struct {
		r    Run
		want RunState
	}{
		{Run{Total: 10, TotalKnown: true, Done: 3, Running: 2}, RunRunning},
		{Run{Total: 10, TotalKnown: true, Done: 3}, RunWaiting},
		{Run{Total: 10, TotalKnown: true, Done: 3, LastEnded: demoNow.Add(-waitingAfter - time.Millisecond)}, RunWaiting},
		{Run{Total: 10, TotalKnown: true, Done: 3, LastEnded: demoNow.Add(-waitingAfter)}, RunRunning}, // jobs too short to be seen running
		{Run{Total: 10, TotalKnown: true, Done: 8, Failed: 2}, RunFinished},
		{Run{Total: 10, TotalKnown: false, Done: 10}, RunRunning}, // more input may come
		{Run{Total: 10, TotalKnown: true, Done: 3, Running: 2, Halt: HaltSoon}, RunHalting},
		{Run{Total: 10, TotalKnown: true, Done: 3, Skipped: 7, Halt: HaltNow}, RunHalted},
		{Run{Total: 10, TotalKnown: true, Done: 10, Halt: HaltSoon}, RunHalted},
	} {
		if got := runState(&tc.r, demoNow); got != tc.want {
			t.Errorf("runState(%+v) = %s; want %s", tc.r, got, tc.want)
		}
	}
}

func TestSummary(t *testing.T) {
	now := demoNow
	r := Run{ID: "x", Started: now.Add(-100 * time.Second), Total: 1000, TotalKnown: true, Done: 150, Failed: 50, Running: 10}
	s := summary(&r, now)
	if s.Queued != 790 || s.Progress != 0.2 || s.ETASeconds == nil || *s.ETASeconds != 400 {
		t.Errorf("summary: queued %d, progress %g, ETA %v; want 790, 0.2, 400 s", s.Queued, s.Progress, s.ETASeconds)
	}
	r.TotalKnown = false
	if s := summary(&r, now); s.ETASeconds != nil {
		t.Errorf("ETA %g with the total unknown; want none", *s.ETASeconds)
	}
	r.TotalKnown, r.Halt = true, HaltSoon
	if s := summary(&r, now); s.ETASeconds != nil || s.State != RunHalting {
		t.Errorf("halting run: ETA %v, state %s; want no ETA, halting", s.ETASeconds, s.State)
	}
}

func TestOverviewOrder(t *testing.T) {
	src := demoFleet(100, 50)
	o, err := LoadOverview(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range o.Runs {
		ids = append(ids, r.ID)
	}
	// Active first, then ended, latest ended first.
	if got, want := strings.Join(ids, " "), demoRun+" c04d11e8 5d6e7f80 e9b2f0a7"; got != want {
		t.Errorf("overview runs %s; want %s", got, want)
	}
	src.update(func(s *Snapshot, _ map[string][]Job) {
		for i := range 20 {
			s.Runs = append(s.Runs, Run{ID: strings.Repeat("a", i+1), Started: s.Time.Add(-time.Duration(i) * time.Hour), Ended: s.Time, Total: 1, TotalKnown: true, Done: 1})
		}
	})
	o, _ = LoadOverview(context.Background(), src)
	if len(o.Runs) != overviewRuns || o.MoreRuns != 24-overviewRuns {
		t.Errorf("overview of 24 runs: %d listed, %d more; want %d and %d", len(o.Runs), o.MoreRuns, overviewRuns, 24-overviewRuns)
	}
	if o.PerSecond < 3.8 || o.PerSecond > 5 {
		t.Errorf("jobs per second over the last minute: %g; want the demo's 38-49 jobs per 10 s", o.PerSecond)
	}
}

func TestLoadRunRefusesBadQueries(t *testing.T) {
	src := demoFleet(10, 5)
	for _, q := range []JobQuery{{Limit: 0}, {Limit: 1001}, {Offset: -1, Limit: 5}} {
		if _, err := LoadRun(context.Background(), src, demoRun, q); err == nil || !strings.HasPrefix(err.Error(), "dash: ") {
			t.Errorf("LoadRun(%+v): %v; want a dash: error", q, err)
		}
	}
}

func TestRunText(t *testing.T) {
	src := hostileFleet()
	rd, err := LoadRun(context.Background(), src, hostileRun, JobQuery{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	rd.WriteText(&b)
	out := b.String()
	if strings.ContainsAny(out, "\x1b\r") {
		t.Errorf("the text holds a control character from a job: %q", out)
	}
	for _, want := range []string{"run r\"<b>: running", "1 failed, 1 running, 1 queued of 3", `\x1b[31mred`, "  | " + hostileScript,
		"jobs 1-3 of 3", hostileScript + ` 1\nsecond line`, "failed (failed to start) on " + hostileImg, `| \x1b[31mred\r`} {
		if !strings.Contains(out, want) {
			t.Errorf("run text does not contain %q:\n%s", want, out)
		}
	}
	var w strings.Builder
	wl := NewWorkerList(&hostileFleet().snap)
	wl.WriteText(&w)
	if !strings.Contains(w.String(), "1 of 2") || !strings.Contains(w.String(), `r"<b> #2`) {
		t.Errorf("workers text:\n%s", w.String())
	}
}

func TestFormat(t *testing.T) {
	now := demoNow
	for _, tc := range []struct{ got, want string }{
		{ago(now.Add(-500*time.Millisecond), now), "just now"},
		{ago(now.Add(-12*time.Second), now), "12 s ago"},
		{ago(now.Add(-3*time.Minute-5*time.Second), now), "3 min ago"},
		{ago(now.Add(-2*time.Hour-5*time.Minute), now), "2 h 5 min ago"},
		{ago(now.Add(-3*24*time.Hour), now), "3 days ago"},
		{ago(time.Time{}, now), "never"},
		{count(0), "0"}, {count(999), "999"}, {count(1000), "1,000"}, {count(-1234567), "-1,234,567"},
		{duration(0.25), "0.25 s"}, {duration(12.44), "12.4 s"}, {duration(184), "3 min 4 s"}, {duration(7380), "2 h 3 min"},
		{percent(0.004), "< 1%"}, {percent(0.999), "99%"}, {percent(1), "100%"}, {percent(0.4963), "49%"},
		{terminal("a\x1b[2Jb\tc\u202ed"), `a\x1b[2Jb\tc\u202ed`},
		{cutTail([]byte("first line\nsecond line\n"), 14), "second line\n"},
		{cutTail([]byte("\xff\xfeok"), 10), "\uFFFDok"},
		{textBar(0.5, 10), "[#####.....]"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q; want %q", tc.got, tc.want)
		}
	}
}

func TestChart(t *testing.T) {
	h := chart(throughput(History{Step: 10 * time.Second, End: demoNow, Counts: []int64{0, 10, 70}}))
	s := string(h)
	for _, want := range []string{"<span>10</span>", "<span>5.0</span>", "<span>30 s ago</span>", "<span>now</span>", `class="line"`, "latest 7.0"} {
		if !strings.Contains(s, want) {
			t.Errorf("chart does not contain %q:\n%s", want, s)
		}
	}
	if s := string(chart(Throughput{})); !strings.Contains(s, "No job finished") || strings.Contains(s, `class="line"`) {
		t.Errorf("empty chart: %s", s)
	}
}
