package run

import (
	"fmt"

	"github.com/weft-dev/weft/cmd/weft/internal/job"
)

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
