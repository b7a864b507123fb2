package run

import (
	"sync/atomic"

	"github.com/weft-dev/weft/cmd/weft/internal/job"
)

// tally counts the finished jobs. The worker that finished a job counts it,
// before --halt is decided and before that worker takes another job; the
// printer and the exit status read the same counts.
type tally struct{ started, done, succeeded, failed atomic.Int64 }

// Started returns the number of jobs started so far (run here).
func (t *tally) Started() int64 { return t.started.Load() }

// Counts returns the numbers of jobs done and failed so far.
func (t *tally) Counts() (done, failed int64) { return t.done.Load(), t.failed.Load() }

func (t *tally) count(r *job.Result) {
	if r.Skipped {
		return
	}
	t.done.Add(1)
	if r.OK() {
		t.succeeded.Add(1)
	} else {
		t.failed.Add(1)
	}
}
