package job

import (
	"strings"
	"time"
)

// Result is what one job did.
type Result struct {
	Seq           int64    // the job's number, from 1
	Slot          int      // the job slot it ran in ({%}), from 1; 0 when it has none
	Args          []string // its arguments
	Cmdline       string   // the command line it ran
	Start         time.Time
	Elapsed       time.Duration
	Exit          int // -1 when killed by a signal
	Signal        int
	Stdout        *Output
	Stderr        *Output
	Skipped       bool   // not run: done before (a joblog being resumed), or stopped before its turn
	FailedToStart error  // the shell could not be started
	Host          string // the worker that ran it, for a job run through NATS; "" here
}

// OK reports whether the job ran and succeeded.
func (r *Result) OK() bool { return r.Exit == 0 && r.Signal == 0 && r.FailedToStart == nil }

// Tag is the job's --tag prefix, without the tab: its arguments joined by
// spaces.
func (r *Result) Tag() string { return strings.Join(r.Args, " ") }

// Release frees the job's output (its temporary files); the output must
// not be read afterwards.
func (r *Result) Release() {
	r.Stdout.Close()
	r.Stderr.Close()
}
