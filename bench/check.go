package main

import (
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
)

// selectClaims returns the claims whose id or workload matches filter.
func selectClaims(cs []claim, filter *regexp.Regexp) []claim {
	var out []claim
	for _, c := range cs {
		if filter.MatchString(c.id) || filter.MatchString(c.workload) {
			out = append(out, c)
		}
	}
	return out
}

// claimWorkloads returns the workloads that cs need, in the order of all,
// each cut down to the contenders that cs name: nothing else is measured.
func claimWorkloads(cs []claim, all []*workload) []*workload {
	need := map[string][]string{}
	for _, c := range cs {
		for _, name := range []string{c.contender, c.baseline} {
			if !slices.Contains(need[c.workload], name) {
				need[c.workload] = append(need[c.workload], name)
			}
		}
	}
	var out []*workload
	for _, w := range all {
		names, ok := need[w.id]
		if !ok {
			continue
		}
		cut := *w
		cut.contenders = nil
		for _, c := range w.contenders {
			if slices.Contains(names, c.name) {
				cut.contenders = append(cut.contenders, c)
			}
		}
		out = append(out, &cut)
	}
	return out
}

// check re-runs the workloads that the claims matching filter need, reps
// repetitions interleaved, and prints one line per claim on stdout. It
// returns the ids of the claims that do not hold (or could not be
// measured).
func check(cs []claim, all []*workload, reps int, filter *regexp.Regexp, stdout, stderr io.Writer) (failed []string, err error) {
	cs = selectClaims(cs, filter)
	if len(cs) == 0 {
		return nil, fmt.Errorf("no claim matches -only %q", filter)
	}
	var results []workloadResult
	for _, w := range claimWorkloads(cs, all) {
		fmt.Fprintf(stderr, "== %s\n", w.title)
		outs := runWorkload(w, reps, func(line string) { fmt.Fprintln(stdout, line) })
		results = append(results, workloadResult{w, outs})
	}
	fmt.Fprintln(stdout)
	for _, c := range cs {
		j := judge(c, results)
		fmt.Fprintln(stdout, j.line())
		if !j.holds() {
			failed = append(failed, c.id)
		}
	}
	return failed, nil
}

// line is a judgement as -check prints it.
func (j judgement) line() string {
	if j.err != nil {
		return fmt.Sprintf("%-28s %8s  stated %-12s %s", j.id, "-", j.rangeText(), j.verdict())
	}
	return fmt.Sprintf("%-28s %7.2fx  stated %-12s %s  (%s %s / %s %s, medians in %s)", j.id, j.ratio, j.rangeText(), j.verdict(),
		j.contender, num(j.contenderMed), j.baseline, num(j.baseMed), j.unit)
}

// claimsSection is the claims part of docs/benchmarks.md: every claim, the
// range it is published with, and what this run measured.
func claimsSection(results []workloadResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "## Claims\n\n")
	fmt.Fprintf(&b, "Every speed or memory figure that README.md and the package docs publish is one of these: the ratio of a contender's median to a baseline's median in the same run, given as the range measured over at least two separate runs (separate processes). The baseline is the strongest hand-written implementation the workload has (named below), or weft itself where a peer is compared with weft. The table is `claims` in bench/claims.go.\n\n")
	fmt.Fprintf(&b, "To check them on your own machine, run `go run ./bench -check` from the repository root (or `-check -only REGEXP` for the claims whose id or workload matches): it re-runs just the workloads the claims need, `-reps` interleaved repetitions each (default 9, as the ranges were measured), prints one line per claim with its measured ratio and stated range, and exits with status 1, naming them, if any claim does not hold. A ratio outside its range does not hold either way: below it, the published range is out of date. The ranges were measured on a shared 2-core machine; on yours, expect ratios to move with the number of cores and the cost of the clock, and read a claim that does not hold as a fact about your machine worth knowing.\n\n")
	fmt.Fprintf(&b, "| claim | contender / baseline (workload) | stated range (runs) | this run | holds |\n|---|---|---|---|---|\n")
	for _, c := range claims {
		j := judge(c, results)
		run, holds := "not run", ""
		if j.err == nil {
			run = fmt.Sprintf("%.2fx", j.ratio)
			holds = "yes"
			if !j.holds() {
				holds = "no"
			}
		} else if !strings.Contains(j.err.Error(), "did not run") {
			run = j.err.Error()
		}
		fmt.Fprintf(&b, "| `%s`: %s | %s / %s (%s) | %s (%d) | %s | %s |\n", c.id, c.says, c.contender, c.baseline, c.workload, c.rangeText(), c.runs, run, holds)
	}
	return b.String()
}
