package output

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/weft-dev/weft/cmd/weft/internal/job"
)

// TestProgress draws --bar as it would on a terminal: with a known total, the
// percentage, the counts and an ETA; without one, the counts and the rate.
func TestProgress(t *testing.T) {
	for _, tt := range []struct {
		total int64
		want  []string
	}{
		{4, []string{"25% 1/4, 0 failed", "50% 2/4, 1 failed", "ETA "}},
		{-1, []string{"1 done, 0 failed", "2 done, 1 failed", "/s"}},
	} {
		var bar bytes.Buffer
		var counts counter
		p := New(Config{Progress: true, Total: tt.total}, io.Discard, io.Discard, nil, &counts)
		p.barOn, p.barOut = true, &bar
		for _, r := range []*job.Result{
			{Seq: 1, Stdout: &job.Output{}, Stderr: &job.Output{}},
			{Seq: 2, Exit: 1, Stdout: &job.Output{}, Stderr: &job.Output{}},
		} {
			counts.count(r)
			p.Add(r)
			p.progress(true)
		}
		for _, w := range tt.want {
			if !strings.Contains(bar.String(), w) {
				t.Errorf("progress %q lacks %q", bar.String(), w)
			}
		}
	}
}

// counter counts results as the run's tally does.
type counter struct{ done, failed int64 }

func (c *counter) count(r *job.Result) {
	c.done++
	if !r.OK() {
		c.failed++
	}
}

func (c *counter) Counts() (done, failed int64) { return c.done, c.failed }
