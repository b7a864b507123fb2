package output

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/weft-dev/weft/cmd/weft/internal/job"
	"github.com/weft-dev/weft/cmd/weft/internal/joblog"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// done returns a finished job that printed out on stdout.
func done(seq int64, out string, args ...string) *job.Result {
	r := &job.Result{Seq: seq, Args: args, Cmdline: fmt.Sprintf("job %d", seq), Stdout: &job.Output{}, Stderr: &job.Output{}}
	r.Stdout.Write([]byte(out))
	return r
}

func TestKeepOrderPrintsInInputOrder(t *testing.T) {
	for _, tt := range []struct {
		keep bool
		want string
	}{{true, "1\n2\n3\n"}, {false, "3\n1\n2\n"}} {
		var out bytes.Buffer
		var counts counter
		p := New(Config{Keep: tt.keep, Total: -1}, &out, io.Discard, nil, &counts)
		p.Add(done(3, "3\n"))
		if tt.keep && out.Len() != 0 {
			t.Errorf("-k printed job 3 before job 1: %q", out.String())
		}
		p.Add(done(1, "1\n"))
		p.Add(done(2, "2\n"))
		if err := p.Finish(); err != nil || out.String() != tt.want {
			t.Errorf("keep %v: got %q, %v; want %q", tt.keep, out.String(), err, tt.want)
		}
	}
}

func TestTagPrefixesEveryLine(t *testing.T) {
	var out bytes.Buffer
	p := New(Config{Tag: true, Total: -1}, &out, io.Discard, nil, &counter{})
	p.Add(done(1, "x\ny\nno newline", "a", "b"))
	p.Finish()
	if want := "a b\tx\na b\ty\na b\tno newline"; out.String() != want {
		t.Errorf("got %q; want %q", out.String(), want)
	}
}

// TestJoblogLineComesAtOnce: a job held back for -k is in the joblog as
// soon as it is done; a skipped job is neither logged nor printed.
func TestJoblogLineComesAtOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	w, err := joblog.Create(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	var out bytes.Buffer
	p := New(Config{Keep: true, Total: -1}, &out, io.Discard, w, &counter{})
	p.Add(done(2, "two\n"))
	if data, _ := os.ReadFile(path); !strings.Contains(string(data), "\tjob 2\n") || out.Len() != 0 {
		t.Errorf("joblog %q, output %q; want job 2 logged and not yet printed", data, out.String())
	}
	p.Add(&job.Result{Seq: 1, Skipped: true})
	p.Finish()
	data, _ := os.ReadFile(path)
	if strings.Count(string(data), "\n") != 2 || out.String() != "two\n" {
		t.Errorf("joblog %q, output %q; want only job 2, then printed", data, out.String())
	}
}

// TestStreamedOutputIsNotPrintedAgain: with -u and --line-buffer the
// output went out as it came; a job that could not start is still
// reported (it was left in a buffer before).
func TestStreamedOutputIsNotPrintedAgain(t *testing.T) {
	var out, errb bytes.Buffer
	p := New(Config{Streamed: true, Total: -1}, &out, &errb, nil, &counter{})
	p.Add(done(1, "already printed\n"))
	failed := done(2, "")
	failed.FailedToStart, failed.Exit = errors.New("no shell"), 127
	p.Add(failed)
	p.Finish()
	if out.Len() != 0 || errb.String() != "weft: job 2: no shell\n" {
		t.Errorf("stdout %q, stderr %q; want nothing printed, and the job that did not start reported", out.String(), errb.String())
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// TestFinishReturnsTheFirstWriteError: an error in flushing the output
// (a full disk) is reported, not only one in writing past the buffer.
func TestFinishReturnsTheFirstWriteError(t *testing.T) {
	p := New(Config{Total: -1}, failingWriter{}, io.Discard, nil, &counter{})
	p.Add(done(1, "x\n"))
	if err := p.Finish(); err == nil || err.Error() != "disk full" {
		t.Errorf("got %v; want the write error", err)
	}
}

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
