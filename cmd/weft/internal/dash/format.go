package dash

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// ago says how long before now t was, in words: "just now", "12 s ago",
// "3 min ago", "2 h 5 min ago", "3 days ago".
func ago(t, now time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t)
	if d < time.Second {
		return "just now"
	}
	return span(d) + " ago"
}

// span is a duration rounded for reading: "12 s", "3 min", "2 h 5 min",
// "3 days".
func span(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d/time.Minute))
	case d < 24*time.Hour:
		h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
		if m == 0 {
			return fmt.Sprintf("%d h", h)
		}
		return fmt.Sprintf("%d h %d min", h, m)
	case d < 48*time.Hour:
		return "1 day"
	}
	return fmt.Sprintf("%d days", int(d/(24*time.Hour)))
}

// duration formats a job's run time: "0.25 s", "12.4 s", "3 min 4 s",
// "2 h 3 min".
func duration(sec float64) string {
	switch {
	case sec < 10:
		return strconv.FormatFloat(sec, 'f', 2, 64) + " s"
	case sec < 60:
		return strconv.FormatFloat(sec, 'f', 1, 64) + " s"
	case sec < 3600:
		return fmt.Sprintf("%d min %d s", int(sec)/60, int(sec)%60)
	}
	return fmt.Sprintf("%d h %d min", int(sec)/3600, int(sec)%3600/60)
}

// eta formats a run's time left, or "" when there is none.
func eta(sec *float64) string {
	if sec == nil {
		return ""
	}
	d := time.Duration(math.Min(*sec, 1e7) * float64(time.Second))
	if d < time.Second {
		return "< 1 s"
	}
	if d < time.Minute {
		return span(d)
	}
	if d < time.Hour {
		return fmt.Sprintf("%d min %d s", int(d/time.Minute), int(d%time.Minute/time.Second))
	}
	return span(d)
}

// count writes n with thousands separators: 12,345.
func count(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// rate formats jobs per second.
func rate(r float64) string {
	switch {
	case r == 0:
		return "0"
	case r < 10:
		return strconv.FormatFloat(r, 'f', 1, 64)
	}
	return count(int64(math.Round(r)))
}

// percent formats a share from 0 to 1.
func percent(p float64) string {
	pc := p * 100
	if pc > 0 && pc < 1 {
		return "< 1%"
	}
	if pc < 100 && pc > 99 {
		return "99%"
	}
	return strconv.Itoa(int(math.Floor(pc))) + "%"
}

// terminal makes s safe to print on a terminal on one line: control
// characters (escape sequences, carriage returns, tabs, newlines) are
// written as Go escapes, so a job cannot move the cursor or recolour the
// screen of whoever runs `weft status`.
func terminal(s string) string {
	if strings.IndexFunc(s, needsEscape) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if needsEscape(r) {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// terminalLines is terminal for text of many lines: newlines are kept.
func terminalLines(s string) []string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = terminal(l)
	}
	return lines
}

func needsEscape(r rune) bool {
	return unicode.IsControl(r) || r == utf8RuneError || unicode.Is(unicode.Bidi_Control, r)
}

const utf8RuneError = '\uFFFD'

// exitText says how a finished job ended: "exit 0", "exit 2", "signal 9",
// "failed to start".
func exitText(j *JobInfo) string {
	switch {
	case j.Error != "":
		return "failed to start"
	case j.Signal != 0:
		return "signal " + strconv.Itoa(j.Signal)
	case j.Exit != nil:
		return "exit " + strconv.Itoa(*j.Exit)
	}
	return ""
}

// counts is a run's counts in words: "120 done, 3 failed, 4 running, 9,873
// queued of 10,000".
func counts(r *RunSummary) string {
	var parts []string
	parts = append(parts, count(r.Done)+" done")
	if r.Failed > 0 {
		parts = append(parts, count(r.Failed)+" failed")
	}
	if r.Running > 0 {
		parts = append(parts, count(r.Running)+" running")
	}
	if r.Queued > 0 {
		parts = append(parts, count(r.Queued)+" queued")
	}
	if r.Skipped > 0 {
		parts = append(parts, count(r.Skipped)+" skipped")
	}
	return strings.Join(parts, ", ") + " of " + total(r)
}

// total is a run's total: "10,000", or "1,200 so far" while its input is
// still being read.
func total(r *RunSummary) string {
	if r.TotalKnown {
		return count(r.Total)
	}
	return count(r.Total) + " so far"
}
