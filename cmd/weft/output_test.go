package main

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/weft-dev/weft/cmd/weft/internal/input"
	"github.com/weft-dev/weft/cmd/weft/internal/job"
)

// TestProgress draws --bar as it would on a terminal: with a known total, the
// percentage, the counts and an ETA; without one, the counts and the rate.
func TestProgress(t *testing.T) {
	for _, tt := range []struct {
		groups []input.Source
		want   []string
	}{
		{[]input.Source{{Values: []string{"a", "b", "c", "d"}}}, []string{"25% 1/4, 0 failed", "50% 2/4, 1 failed", "ETA "}},
		{nil, []string{"1 done, 0 failed", "2 done, 1 failed", "/s"}},
	} {
		o := &options{bar: true, groups: tt.groups}
		var bar bytes.Buffer
		var counts tally
		p := newPrinter(o, io.Discard, io.Discard, nil, &counts)
		p.barOn, p.barOut = true, &bar
		for _, r := range []*job.Result{
			{Seq: 1, Stdout: &job.Output{}, Stderr: &job.Output{}},
			{Seq: 2, Exit: 1, Stdout: &job.Output{}, Stderr: &job.Output{}},
		} {
			counts.count(r)
			p.add(r)
			p.progress(true)
		}
		for _, w := range tt.want {
			if !strings.Contains(bar.String(), w) {
				t.Errorf("progress %q lacks %q", bar.String(), w)
			}
		}
	}
}
