package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// fixed is a contender that measures value every time, without running
// anything: the judging logic sees exactly the medians it is given.
func fixed(name string, value float64) contender {
	return contender{name: name, measure: func() (sample, error) { return sample{value: value}, nil }}
}

func TestJudge(t *testing.T) {
	failing := contender{name: "broken", measure: func() (sample, error) { return sample{}, errors.New("boom") }}
	w := &workload{id: "W", unit: "ns/op", contenders: []contender{
		fixed("weft", 50), fixed("base", 100), fixed("zero", 0), failing}}
	results := []workloadResult{{w, runWorkload(w, 3, func(string) {})}}
	c := claim{id: "c", workload: "W", contender: "weft", baseline: "base"}
	for _, tt := range []struct {
		name      string
		c         claim
		holds     bool
		ratio     float64
		verdict   string // a prefix of the verdict
		wantError bool
	}{
		{"inside", with(c, 0.4, 0.6), true, 0.5, "holds", false},
		{"at the low end", with(c, 0.5, 0.6), true, 0.5, "holds", false},
		{"at the high end", with(c, 0.4, 0.5), true, 0.5, "holds", false},
		{"above", with(c, 0.3, 0.45), false, 0.5, "does not hold: above", false},
		{"below", with(c, 0.55, 0.7), false, 0.5, "does not hold: below", false},
		{"missing workload", claim{id: "c", workload: "V", contender: "weft", baseline: "base", low: 0, high: 9}, false, 0, "not measured: workload V did not run", true},
		{"missing contender", claim{id: "c", workload: "W", contender: "nobody", baseline: "base", low: 0, high: 9}, false, 0, "not measured: nobody in W did not run", true},
		{"failed baseline", claim{id: "c", workload: "W", contender: "weft", baseline: "broken", low: 0, high: 9}, false, 0, "not measured: broken in W failed: boom", true},
		{"zero baseline", claim{id: "c", workload: "W", contender: "weft", baseline: "zero", low: 0, high: 9}, false, 0, "not measured: zero in W measured 0", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			j := judge(tt.c, results)
			if got := j.holds(); got != tt.holds {
				t.Errorf("holds: got %v; want %v (%s)", got, tt.holds, j.verdict())
			}
			if (j.err != nil) != tt.wantError {
				t.Errorf("err: got %v; want an error: %v", j.err, tt.wantError)
			}
			if j.err == nil && j.ratio != tt.ratio {
				t.Errorf("ratio: got %v; want %v", j.ratio, tt.ratio)
			}
			if v := j.verdict(); !strings.HasPrefix(v, tt.verdict) {
				t.Errorf("verdict: got %q; want it to start with %q", v, tt.verdict)
			}
		})
	}
}

func with(c claim, low, high float64) claim { c.low, c.high = low, high; return c }

// TestCheck runs check end to end on synthetic workloads: it measures only
// the contenders that the selected claims name, prints a line per claim, and
// returns the claims that do not hold or could not be measured.
func TestCheck(t *testing.T) {
	ran := map[string]int{}
	counted := func(name string, value float64) contender {
		return contender{name: name, measure: func() (sample, error) { ran[name]++; return sample{value: value}, nil }}
	}
	all := []*workload{
		{id: "A", unit: "ns/op", contenders: []contender{counted("weft", 40), counted("channel", 100), counted("peer", 300)}},
		{id: "B", unit: "ns/op", contenders: []contender{counted("weft-b", 90), counted("mutex", 100)}},
	}
	cs := []claim{
		{id: "a.holds", workload: "A", contender: "weft", baseline: "channel", low: 0.35, high: 0.45},
		{id: "b.above", workload: "B", contender: "weft-b", baseline: "mutex", low: 0.5, high: 0.8},
		{id: "c.missing", workload: "C", contender: "weft", baseline: "mutex", low: 0.5, high: 0.8},
	}
	var stdout, stderr bytes.Buffer
	failed, err := check(cs, all, 3, regexp.MustCompile(""), &stdout, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"b.above", "c.missing"}; !slices.Equal(failed, want) {
		t.Errorf("failed: got %v; want %v", failed, want)
	}
	if ran["peer"] != 0 || ran["weft"] != 3 || ran["mutex"] != 3 {
		t.Errorf("repetitions run: got %v; want 3 of each named contender and none of peer", ran)
	}
	out := stdout.String()
	for _, want := range []string{
		"a.holds", "0.40x  stated 0.35-0.45x   holds",
		"b.above", "0.90x  stated 0.50-0.80x   does not hold: above",
		"c.missing", "not measured: workload C did not run",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	clear(ran)
	failed, err = check(cs, all, 1, regexp.MustCompile(`^a\.`), &stdout, &stderr)
	if err != nil || len(failed) != 0 || ran["mutex"] != 0 {
		t.Errorf("-only ^a.: failed %v, err %v, ran %v; want only claim a.holds checked, and nothing of B run", failed, err, ran)
	}
	if _, err := check(cs, all, 1, regexp.MustCompile("nothing"), &stdout, &stderr); err == nil {
		t.Error("-only matching no claim: got no error")
	}
}

// TestClaimsTable checks that every claim names a workload and two
// contenders that exist, with a range that can be met.
func TestClaimsTable(t *testing.T) {
	workloads := map[string]*workload{}
	for _, w := range allWorkloads(true) {
		workloads[w.id] = w
	}
	ids := map[string]bool{}
	for _, c := range claims {
		if ids[c.id] {
			t.Errorf("claim %s: id used twice", c.id)
		}
		ids[c.id] = true
		w := workloads[c.workload]
		if w == nil {
			t.Errorf("claim %s: no workload %q", c.id, c.workload)
			continue
		}
		for _, name := range []string{c.contender, c.baseline} {
			if !slices.ContainsFunc(w.contenders, func(x contender) bool { return x.name == name }) {
				t.Errorf("claim %s: workload %s has no contender %q", c.id, c.workload, name)
			}
		}
		if c.contender == c.baseline {
			t.Errorf("claim %s: contender and baseline are both %q", c.id, c.contender)
		}
		if !(c.low > 0 && c.low <= c.high) {
			t.Errorf("claim %s: range %v-%v; want 0 < low <= high", c.id, c.low, c.high)
		}
		if c.runs < 2 {
			t.Errorf("claim %s: range taken over %d runs; want at least 2 separate runs", c.id, c.runs)
		}
		if c.says == "" {
			t.Errorf("claim %s: says nothing", c.id)
		}
	}
}

// TestClaimsQuoted checks that each file a claim names still quotes its
// range, so that a figure changed in the table and not in the prose (or
// the other way round) fails here.
func TestClaimsQuoted(t *testing.T) {
	for _, c := range claims {
		for _, file := range c.quoted {
			data, err := os.ReadFile(filepath.Join("..", file))
			if err != nil {
				t.Errorf("claim %s: %v", c.id, err)
				continue
			}
			// Doc comments wrap lines: compare with the comment markers
			// and line breaks folded into spaces.
			text := strings.Join(strings.Fields(strings.ReplaceAll(string(data), "\n//", " ")), " ")
			if !strings.Contains(text, c.rangeText()) {
				t.Errorf("claim %s: %s does not quote its range %s", c.id, file, c.rangeText())
			}
		}
	}
}
