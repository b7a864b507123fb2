package run

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/weft-dev/weft/cmd/weft/internal/job"
)

// Halt is a --halt policy: when to stop a run early.
type Halt struct {
	Now     bool    // kill running jobs (else let them finish)
	Success bool    // count successes (else failures)
	Done    bool    // count every finished job
	Count   int     // halt when this many have happened, or
	Percent float64 // this percentage of all the jobs
}

// haltShort are GNU parallel's short --halt policies.
var haltShort = map[string]string{"0": "never", "1": "soon,fail=1", "2": "now,fail=1", "-1": "soon,success=1", "-2": "now,success=1"}

// setHalt reads a --halt policy: never, or soon|now,fail|success|done=N|P%
// (GNU parallel's 0, 1, 2, -1, -2 and P% too).
func (c *Config) setHalt(flag, v string) error {
	bad := fmt.Errorf("bad value for %s: %q (want never, or soon|now,fail|success|done=N|P%%)", flag, v)
	if long, ok := haltShort[v]; ok {
		v = long
	} else if strings.HasSuffix(v, "%") && !strings.ContainsAny(v, ",=") {
		v = "soon,fail=" + v
	}
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
	case "done":
		h.Done = true
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

// checkHalt applies --halt after each finished job, as GNU parallel
// does: a percentage is of all the jobs of the run; the exit status is the
// halting job's for fail=1 or done=1, the number of failed jobs (at most
// 101) for a count, their percentage (rounded up) for a percentage, and 0
// for success.
func (r *Run) checkHalt(res *job.Result) (halted bool) {
	h := r.c.Halt
	if h == nil || res.Skipped {
		return false
	}
	var n int64
	switch {
	case h.Done:
		n = r.tally.done.Load()
	case h.Success && res.OK():
		n = r.tally.succeeded.Load()
	case !h.Success && !res.OK():
		n = r.tally.failed.Load()
	default:
		return false // only a job of the kind counted can trigger the halt
	}
	hit := (h.Count > 0 && n >= int64(h.Count)) ||
		(h.Percent > 0 && float64(n) >= float64(r.total)*h.Percent/100)
	if !hit || !r.stopping.CompareAndSwap(false, true) {
		return false
	}
	status := 0
	failed := r.tally.failed.Load()
	switch {
	case h.Success:
	case h.Percent > 0:
		status = percentOf(failed, r.total)
	case h.Count == 1:
		status = res.Exit
		if res.Signal != 0 || status < 0 {
			status = 128 + res.Signal
		}
	case failed == 0:
		status = 101 // done=N with none failed: GNU parallel 20221122 exits 101
	default:
		status = int(min(failed, 101))
	}
	r.haltExit.Store(int32(status) + 1)
	fmt.Fprintf(r.stderr, "weft: halting after job %d (%s)\n", res.Seq, res.Cmdline)
	if h.Now {
		r.killed.Store(true)
		r.cancel()
	}
	if s := r.stopper.Load(); s != nil {
		(*s).Stop(h.Now)
	}
	return true
}

// percentOf is n as a percentage of total, rounded up, as GNU parallel's
// --halt with a percentage gives its exit status.
func percentOf(n, total int64) int {
	return int(math.Ceil(float64(n) * 100 / float64(max(total, 1))))
}
