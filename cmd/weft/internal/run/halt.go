package run

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/weft-dev/weft/cmd/weft/internal/job"
)

// Halt is a --halt policy: when to stop a run early.
type Halt struct {
	Now     bool // kill running jobs (else let them finish)
	Success bool // count successes (else failures)
	Count   int  // halt when this many have happened, or
	Percent float64
}

// setHalt reads a --halt policy: never, or soon|now,fail|success=N|P%.
func (c *Config) setHalt(flag, v string) error {
	bad := fmt.Errorf("bad value for %s: %q (want never, or soon|now,fail|success=N|P%%)", flag, v)
	if v == "never" {
		c.Halt = nil
		return nil
	}
	h := &Halt{}
	when, cond, ok := strings.Cut(v, ",")
	if !ok {
		when, cond = "soon", v
	}
	switch when {
	case "now":
		h.Now = true
	case "soon":
	default:
		return bad
	}
	kind, n, ok := strings.Cut(cond, "=")
	switch kind {
	case "fail":
	case "success":
		h.Success = true
	default:
		return bad
	}
	if !ok {
		return bad
	}
	if p, isPct := strings.CutSuffix(n, "%"); isPct {
		f, err := strconv.ParseFloat(p, 64)
		if err != nil || f <= 0 || f > 100 {
			return bad
		}
		h.Percent = f
	} else {
		c, err := strconv.Atoi(n)
		if err != nil || c < 1 {
			return bad
		}
		h.Count = c
	}
	c.Halt = h
	return nil
}

// checkHalt applies --halt after each finished job.
func (r *Run) checkHalt(res *job.Result) {
	h := r.c.Halt
	// Only a job of the kind counted can trigger the halt, so that the exit
	// status is that job's.
	if h == nil || res.Skipped || res.OK() != h.Success {
		return
	}
	n := r.tally.failed.Load()
	if h.Success {
		n = r.tally.succeeded.Load()
	}
	hit := (h.Count > 0 && n >= int64(h.Count)) ||
		(h.Percent > 0 && float64(n)*100/float64(r.tally.done.Load()) >= h.Percent)
	if !hit || !r.stopping.CompareAndSwap(false, true) {
		return
	}
	status := 0
	if !h.Success {
		status = res.Exit
		if res.Signal != 0 || status < 0 {
			status = 128 + res.Signal
		}
	}
	r.haltExit.Store(int32(status) + 1)
	fmt.Fprintf(r.stderr, "weft: halting after job %d (%s)\n", res.Seq, res.Cmdline)
	if h.Now {
		r.cancel()
	}
	if s := r.stopper.Load(); s != nil {
		(*s).Stop(h.Now)
	}
}
