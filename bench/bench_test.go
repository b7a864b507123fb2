package main

import (
	"errors"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	// ants starts a default pool, with two goroutines, when it is imported.
	goleak.VerifyTestMain(m,
		goleak.IgnoreTopFunction("github.com/panjf2000/ants/v2.(*poolCommon).purgeStaleWorkers"),
		goleak.IgnoreTopFunction("github.com/panjf2000/ants/v2.(*poolCommon).ticktock"))
}

func TestMedian(t *testing.T) {
	for _, tt := range []struct {
		in   []float64
		want float64
	}{
		{[]float64{3}, 3},
		{[]float64{5, 1, 3}, 3},
		{[]float64{4, 1, 3, 2}, 2.5},
		{nil, 0},
	} {
		if got := medianOf(tt.in); got != tt.want {
			t.Errorf("medianOf(%v): got %v; want %v", tt.in, got, tt.want)
		}
	}
}

// TestSkippedWorkIsAnError pins the harness's rule: a contender that
// produces less than it was asked for fails instead of winning.
func TestSkippedWorkIsAnError(t *testing.T) {
	w := &workload{id: "W", unit: "ns/item", items: 10, perItem: true, want: 10,
		contenders: []contender{
			{name: "honest", run: func() (int64, error) { return 10, nil }},
			{name: "lazy", run: func() (int64, error) { return 9, nil }},
			{name: "broken", run: func() (int64, error) { return 0, errors.New("boom") }},
		}}
	var lines []string
	outs := runWorkload(w, 3, func(l string) { lines = append(lines, l) })
	if outs[0].err != nil || len(outs[0].samples) != 3 {
		t.Errorf("honest contender: %v, %d samples", outs[0].err, len(outs[0].samples))
	}
	if outs[1].err == nil || !strings.Contains(outs[1].err.Error(), "skipped work") {
		t.Errorf("lazy contender: got %v; want a skipped-work error", outs[1].err)
	}
	if outs[2].err == nil {
		t.Error("broken contender: got no error")
	}
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "BenchmarkW/impl=honest\t10\t") {
		t.Errorf("raw lines: %q", lines)
	}
}

func TestGoalsAndReport(t *testing.T) {
	mk := func(name string, median, allocs float64) *outcome {
		return &outcome{name: name, samples: []sample{{value: median}}, median: median, lo: median, hi: median, allocs: allocs}
	}
	results := []workloadResult{
		{&workload{id: "PoolOneSubmitter", title: "1", unit: "ns/task"}, []*outcome{mk("weft", 40, 0), mk("channel", 80, 0), mk("ants", 900, 1)}},
		{&workload{id: "Group", title: "5", unit: "ns/task"}, []*outcome{mk("weft", 60, 0), mk("errgroup", 100, 2)}},
	}
	gs := goals(results)
	if len(gs) != 2 || !gs[0].met || gs[1].met {
		t.Errorf("goals: %+v; want the pool goal met (0.50x) and the group goal not (0.60x)", gs)
	}
	dir := t.TempDir()
	if err := writeReport(dir, env{cpu: "test", reps: 1}, results); err != nil {
		t.Fatal(err)
	}
	svg := chart(results)
	if !strings.HasPrefix(svg, "<svg") || strings.Count(svg, "<rect") != 1+5 {
		t.Errorf("chart: want a background and 5 bars, got %d rects", strings.Count(svg, "<rect"))
	}
}
