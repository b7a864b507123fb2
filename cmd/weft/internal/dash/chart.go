package dash

import (
	"fmt"
	"html/template"
	"math"
	"strings"
	"time"
)

// chart draws the jobs-per-second history on the server, with no script:
// the plot is an inline SVG stretched to the page's width (its strokes
// keep their width), and the labels are HTML around it, so that they stay
// readable on a phone. Everything in it is a number or a label of ours,
// escaped all the same.
func chart(t Throughput) template.HTML {
	const w, h = 1000.0, 200.0
	var b strings.Builder
	n := len(t.PerSecond)
	peak, last := 0.0, 0.0
	for _, v := range t.PerSecond {
		peak = math.Max(peak, v)
	}
	if n > 0 {
		last = t.PerSecond[n-1]
	}
	window := time.Duration(float64(n) * t.StepSeconds * float64(time.Second))
	top := niceCeil(peak)
	esc := template.HTMLEscapeString
	fmt.Fprintf(&b, `<figure class="chart" aria-label="%s">`, esc(fmt.Sprintf(
		"jobs finished per second over the last %s: peak %s, latest %s", span(window), rate(peak), rate(last))))
	fmt.Fprintf(&b, `<div class="ylab" aria-hidden="true"><span>%s</span><span>%s</span><span>0</span></div>`, esc(rate(top)), esc(rate(top/2)))
	fmt.Fprintf(&b, `<svg class="plot" viewBox="0 0 %g %g" preserveAspectRatio="none" aria-hidden="true">`, w, h)
	for _, f := range []float64{0, 0.5, 1} {
		y := 1 + f*(h-2)
		fmt.Fprintf(&b, `<line class="grid" x1="0" x2="%g" y1="%.1f" y2="%.1f" vector-effect="non-scaling-stroke"/>`, w, y, y)
	}
	if n > 0 && peak > 0 {
		var line strings.Builder
		for i, v := range t.PerSecond {
			x := w
			if n > 1 {
				x = float64(i) / float64(n-1) * w
			}
			y := h - 1 - v/top*(h-2)
			cmd := "L"
			if i == 0 {
				cmd = "M"
			}
			fmt.Fprintf(&line, "%s%.1f %.1f", cmd, x, y)
		}
		first := 0.0
		if n == 1 {
			first = w
		}
		fmt.Fprintf(&b, `<path class="area" d="%sL%g %gL%.1f %gZ"/>`, line.String(), w, h, first, h)
		fmt.Fprintf(&b, `<path class="line" d="%s" vector-effect="non-scaling-stroke"/>`, line.String())
	}
	b.WriteString(`</svg>`)
	b.WriteString(`<div class="xlab" aria-hidden="true">`)
	if window > 0 {
		for k := 3; k >= 1; k-- {
			fmt.Fprintf(&b, `<span>%s ago</span>`, esc(span(window*time.Duration(k)/3)))
		}
		b.WriteString(`<span>now</span>`)
	}
	b.WriteString(`</div>`)
	if peak == 0 {
		b.WriteString(`<figcaption class="chart-empty">No job finished in this time.</figcaption>`)
	}
	b.WriteString(`</figure>`)
	return template.HTML(b.String())
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten (1 at least).
func niceCeil(v float64) float64 {
	if v <= 1 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}
