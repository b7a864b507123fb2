package output_test

import (
	"os"

	"github.com/weft-dev/weft/cmd/weft/internal/job"
	"github.com/weft-dev/weft/cmd/weft/internal/output"
)

// counts is what a run's tally would say.
type counts struct{ done, failed int64 }

func (c counts) Counts() (int64, int64) { return c.done, c.failed }

func Example() {
	p := output.New(output.Config{Keep: true, Tag: true, Total: -1}, os.Stdout, os.Stdout, nil, counts{})
	for _, r := range []struct {
		seq int64
		arg string
	}{{2, "b"}, {1, "a"}} { // finished out of order
		res := &job.Result{Seq: r.seq, Args: []string{r.arg}, Stdout: &job.Output{}, Stderr: &job.Output{}}
		res.Stdout.Write([]byte("hello " + r.arg + "\n"))
		p.Add(res)
	}
	if err := p.Finish(); err != nil {
		panic(err)
	}
	// Output:
	// a	hello a
	// b	hello b
}
