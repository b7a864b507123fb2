package main

import (
	"fmt"
	"html"
	"os"
	"path/filepath"
	"strings"
)

// find returns the outcome of the named contender, or nil.
func find(outs []*outcome, name string) *outcome {
	for _, o := range outs {
		if o.name == name && o.err == nil && len(o.samples) > 0 {
			return o
		}
	}
	return nil
}

func byID(results []workloadResult, id string) []*outcome {
	for _, r := range results {
		if r.w.id == id {
			return r.outs
		}
	}
	return nil
}

// allocsOr returns o's allocations per item, or 1 if o is nil.
func (o *outcome) allocsOr() float64 {
	if o == nil {
		return 1
	}
	return o.allocs
}

// goal is one of the targets the harness checks.
type goal struct {
	text, figure string
	met          bool
	known        bool
}

func ratio(outs []*outcome, a, b string) (float64, bool) {
	x, y := find(outs, a), find(outs, b)
	if x == nil || y == nil || y.median == 0 {
		return 0, false
	}
	return x.median / y.median, true
}

func goals(results []workloadResult) []goal {
	var gs []goal
	if outs := byID(results, "PoolOneSubmitter"); outs != nil {
		r, ok := ratio(outs, "weft", "channel")
		weft := find(outs, "weft")
		ahead := ok
		slowest := ""
		for _, o := range outs {
			if o.name != "weft" && o.name != "channel" && find(outs, o.name) != nil && o.median <= weft.median {
				ahead, slowest = false, o.name
			}
		}
		fig := fmt.Sprintf("%.2fx the channel pool; %.2f allocs/task", r, weft.allocs)
		if slowest != "" {
			fig += "; behind " + slowest
		}
		gs = append(gs, goal{"pool per-task cost <= 1.0x the hand-written channel pool, ahead of every peer, 0 allocs/task",
			fig, ok && r <= 1.0 && ahead && weft.allocs < 0.01, ok})
	}
	if outs := byID(results, "Group"); outs != nil {
		r, ok := ratio(outs, "weft", "errgroup")
		gs = append(gs, goal{"group <= 0.5x errgroup per task", fmt.Sprintf("%.2fx", r), ok && r <= 0.5, ok})
	}
	for _, r := range results {
		if r.w.id != "Map" && !strings.HasPrefix(r.w.id, "Map/") && !strings.HasPrefix(r.w.id, "Map1us/") {
			continue
		}
		// The hand-written fan-out/fan-in whose buffer did best in this run.
		best, okBest, bestName := 0.0, false, ""
		for _, name := range []string{"channel-buf0", "channel-bufW", "channel-buf64"} {
			if x, ok := ratio(r.outs, "weft-Map", name); ok && (!okBest || x > best) {
				best, okBest, bestName = x, true, name
			}
		}
		r1, ok1 := ratio(r.outs, "weft-OrderedMap", "weft-Map")
		gs = append(gs, goal{"flow Map (" + r.w.id + ") <= 1.0x the best hand-written channel fan-out/fan-in", fmt.Sprintf("%.2fx %s", best, bestName), okBest && best <= 1.0, okBest})
		gs = append(gs, goal{"flow ordered map (" + r.w.id + ") <= 1.2x unordered", fmt.Sprintf("%.2fx", r1), ok1 && r1 <= 1.2, ok1})
	}
	if outs := byID(results, "Map"); outs != nil {
		r2, ok2 := ratio(outs, "rill-OrderedMap", "weft-OrderedMap")
		gs = append(gs, goal{"flow ordered map ahead of rill OrderedMap by >= 3x", fmt.Sprintf("rill takes %.1fx as long", r2), ok2 && r2 >= 3, ok2})
	}
	if r := byID(results, "SlowHead"); r != nil {
		if o := find(r, "weft-OrderedMap"); o != nil {
			f := o.median / 300
			gs = append(gs, goal{"slow-head ordered run within 1.03x its 300 ms floor", fmt.Sprintf("%.3fx", f), f <= 1.03, true})
		}
	}
	for _, r := range results {
		if !strings.HasPrefix(r.w.id, "Allow/") {
			continue
		}
		weft, clock := find(r.outs, "weft"), find(r.outs, "clock")
		if r.w.id == "Allow/goroutines=1" {
			if weft != nil && clock != nil {
				d := weft.median - clock.median
				gs = append(gs, goal{"rate Allow (goroutines=1) within 10 ns of one monotonic clock read",
					fmt.Sprintf("%+.1f ns", d), d <= 10, true})
			}
			continue
		}
		// The mutex bucket on the monotonic clock that did best in this run.
		mono, okMono := ratio(r.outs, "weft", "mutexmono")
		for _, name := range []string{"mutexmonoearly", "mutextat"} {
			if x, ok := ratio(r.outs, "weft", name); ok && (!okMono || x > mono) {
				mono, okMono = x, true
			}
		}
		now, okNow := ratio(r.outs, "weft", "mutex")
		gs = append(gs, goal{"rate Allow (" + strings.TrimPrefix(r.w.id, "Allow/") + ") <= 0.8x the best mutex bucket on the monotonic clock, <= 0.5x the one on time.Now",
			fmt.Sprintf("%.2fx; %.2fx", mono, now), okMono && okNow && mono <= 0.8 && now <= 0.5, okMono && okNow})
	}
	for _, r := range results {
		if !strings.HasPrefix(r.w.id, "KeyedAllow/") {
			continue
		}
		x, ok := ratio(r.outs, "weft", "x/time/rate+sync.Map")
		weft := find(r.outs, "weft")
		gs = append(gs, goal{"keyed Allow on a known key (" + strings.TrimPrefix(r.w.id, "KeyedAllow/") + ") <= 0.6x x/time/rate limiters in a sync.Map, 0 allocs",
			fmt.Sprintf("%.2fx; %.3f allocs/call", x, weft.allocsOr()), ok && x <= 0.6 && weft.allocsOr() < 0.005, ok})
	}
	if outs := byID(results, "QueuedMemory"); outs != nil {
		// The channel pool holds an 8-byte func value per queued task; the
		// goal is a 16-byte slot.
		r, ok := ratio(outs, "weft", "channel")
		gs = append(gs, goal{"queued task memory <= 2.0x the channel pool's (a 16-byte slot per task against its 8-byte func value)",
			fmt.Sprintf("%.2fx", r), ok && r <= 2.005, ok})
	}
	return gs
}

func writeReport(dir string, e env, results []workloadResult) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# weft against its peers\n\n")
	fmt.Fprintf(&b, "Written by `go run ./bench` from one run on %s: %s, %d cores, %s. Every workload runs every contender with the same parameters, %d repetitions interleaved (each repetition runs each contender once, so that a slow spell of the machine hurts all alike), and checks each contender's result (tasks run, values produced, admissions) before its time counts.\n\n",
		e.date, e.cpu, e.cores, e.goVersion, e.reps)
	fmt.Fprintf(&b, "The published figures are the claims below: ratios of medians against a named baseline in the same run, given as ranges over separate runs. Everything after them (goals, where weft is behind, the tables and the chart) is the raw data of this one run, on a shared machine: read its ratios, not its absolute figures, and the claims' ranges for what holds from run to run. Raw `go test -bench` lines are printed by each run for benchstat.\n\n")
	fmt.Fprintf(&b, "%s\n![bar charts](benchmarks.svg)\n\n## Goals in this run\n\n| goal | measured | met |\n|---|---|---|\n", claimsSection(results))
	for _, g := range goals(results) {
		met := "no"
		switch {
		case !g.known:
			met = "not measured"
		case g.met:
			met = "yes"
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", g.text, g.figure, met)
	}
	fmt.Fprintf(&b, "\n## Where weft is behind in this run\n\n")
	behind := 0
	for _, r := range results {
		weft := weftOf(r.outs)
		if weft == nil {
			continue
		}
		for _, o := range r.outs {
			if o.err == nil && len(o.samples) > 0 && !strings.HasPrefix(o.name, "weft") && o.median < weft.median {
				behind++
				fmt.Fprintf(&b, "- %s: %s, at %.2fx weft's median %s.\n",
					r.w.title, o.name, o.median/weft.median, r.w.unit)
			}
		}
	}
	if behind == 0 {
		fmt.Fprintf(&b, "Nowhere in this run.\n")
	}
	for _, r := range results {
		fmt.Fprintf(&b, "\n## %s\n\n", r.w.title)
		if r.w.note != "" {
			fmt.Fprintf(&b, "%s\n\n", r.w.note)
		}
		weft := weftOf(r.outs)
		extra := "B/op per item | allocs per item"
		if r.w.id == "QueuedMemory" {
			extra = "peak RSS of the process | "
		}
		fmt.Fprintf(&b, "| contender | median (%s) | min-max | vs weft | %s |\n|---|---|---|---|---|---|\n", r.w.unit, extra)
		for _, o := range r.outs {
			if o.err != nil || len(o.samples) == 0 {
				fmt.Fprintf(&b, "| %s | failed: %v | | | | |\n", o.name, o.err)
				continue
			}
			vs := ""
			if weft != nil && weft.median > 0 {
				vs = fmt.Sprintf("%.2fx", o.median/weft.median)
			}
			cols := fmt.Sprintf("%.1f | %.3f", o.bytes, o.allocs)
			if r.w.id == "QueuedMemory" {
				cols = fmt.Sprintf("%.1f MiB | ", o.rssKiB/1024)
			}
			fmt.Fprintf(&b, "| %s | %s | %s-%s | %s | %s |\n", o.name, num(o.median), num(o.lo), num(o.hi), vs, cols)
		}
		if r.w.floor > 0 {
			fmt.Fprintf(&b, "\nFloor: %.0f %s.\n", r.w.floor, r.w.unit)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "benchmarks.md"), []byte(b.String()), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "benchmarks.svg"), []byte(chart(results)), 0o644)
}

// weftOf returns the outcome that the ratios are taken against: weft's, or
// for the map workloads weft's unordered Map.
func weftOf(outs []*outcome) *outcome {
	for _, name := range []string{"weft", "weft-Map", "weft-OrderedMap"} {
		if o := find(outs, name); o != nil {
			return o
		}
	}
	return nil
}

func num(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

// chart draws one horizontal bar chart per workload, medians to scale
// within each, weft's bars in a colour of their own.
func chart(results []workloadResult) string {
	const (
		width   = 1100
		labelW  = 190
		barMax  = 560
		rowH    = 22
		titleH  = 34
		spacing = 18
	)
	height := 20
	for _, r := range results {
		height += titleH + rowH*len(r.outs) + spacing
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">`+"\n", width, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	y := 20
	for _, r := range results {
		fmt.Fprintf(&b, `<text x="10" y="%d" font-size="14" font-weight="bold">%s (median %s; shorter is better)</text>`+"\n",
			y+16, html.EscapeString(r.w.title), html.EscapeString(r.w.unit))
		y += titleH
		top := 0.0
		for _, o := range r.outs {
			top = max(top, o.median)
		}
		for _, o := range r.outs {
			fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`+"\n", labelW-8, y+15, html.EscapeString(o.name))
			if o.err != nil || top == 0 {
				fmt.Fprintf(&b, `<text x="%d" y="%d" fill="#a00">failed</text>`+"\n", labelW, y+15)
				y += rowH
				continue
			}
			w := int(o.median / top * barMax)
			color := "#8aa4c8"
			if strings.HasPrefix(o.name, "weft") {
				color = "#d9822b"
			}
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s"/>`+"\n", labelW, y+3, max(w, 1), rowH-6, color)
			fmt.Fprintf(&b, `<text x="%d" y="%d">%s</text>`+"\n", labelW+max(w, 1)+6, y+15, num(o.median))
			y += rowH
		}
		y += spacing
	}
	b.WriteString("</svg>\n")
	return b.String()
}
