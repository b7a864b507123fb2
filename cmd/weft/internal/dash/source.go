package dash

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"time"
)

// Source is where the dashboard reads the fleet's state. The dashboard owns
// this interface; the fleet's side implements it (over JetStream: the
// worker registry, the run records and the reports). Its methods are called
// from many requests at once, so an implementation must be safe for
// concurrent use by multiple goroutines. Each method must answer from state
// it already holds or can fetch in bounded time: the overview and the live
// updates call Snapshot about once a second per open page.
type Source interface {
	// Snapshot returns the fleet as it is now: its workers, its runs (with
	// their counts), the latest failures and the jobs-per-second history.
	// Its cost must not grow with the number of jobs: the overview, the
	// runs list and the workers list are built from it alone.
	Snapshot(ctx context.Context) (*Snapshot, error)
	// Jobs returns one page of a run's jobs, in sequence order, those in
	// state q.State only when it is set. It returns an error wrapping
	// ErrNotFound for a run it does not know.
	Jobs(ctx context.Context, run string, q JobQuery) (JobPage, error)
	// Job returns one job of a run, or an error wrapping ErrNotFound.
	Job(ctx context.Context, run string, seq int64) (Job, error)
	// StderrTail returns at most the last max bytes of what a job wrote on
	// its stderr (nil when it wrote nothing, or has not finished).
	StderrTail(ctx context.Context, run string, seq int64, max int) ([]byte, error)
	// Joblog returns a run's finished jobs (done, failed) in sequence
	// order, for its joblog. The sequence stops at the first error, which
	// it yields; it wraps ErrNotFound for a run it does not know.
	Joblog(ctx context.Context, run string) iter.Seq2[Job, error]
}

// Actions are the changes the dashboard can ask of the fleet. An
// implementation must be safe for concurrent use by multiple goroutines.
type Actions interface {
	// Halt asks the fleet to halt a run: with HaltSoon its workers start no
	// new job of it; with HaltNow they also stop the running ones. It
	// returns an error wrapping ErrNotFound for a run it does not know.
	Halt(ctx context.Context, run string, mode HaltMode) error
}

// ErrNotFound is wrapped by the errors a Source or Actions returns for a run
// or a job it does not know.
var ErrNotFound = errors.New("not found")

// Snapshot is the fleet at one moment, as a Source sees it. Time is the
// Source's clock: every relative time on a page ("12 s ago") is measured
// from it.
type Snapshot struct {
	Time    time.Time
	Workers []Worker // alive and recently gone, in any order
	Runs    []Run    // the runs kept, in any order
	// Failures are the latest failed jobs of any run, most recent first
	// (the Source keeps a few dozen at most).
	Failures []Job
	// Throughput counts the jobs that finished, in steps, over the last
	// minutes (the overview shows 15).
	Throughput History
	// Pending is the number of jobs in the job stream waiting for a
	// worker, over every run (the stream's own count); -1 when unknown.
	Pending int64
}

// Worker is one `weft worker` process.
type Worker struct {
	Name     string    // as in the joblog's Host column
	Slots    int       // how many jobs it runs at once (-j)
	Started  time.Time // when it started
	LastSeen time.Time // its last heartbeat
	// Gone is set once the worker stopped, or missed its heartbeats long
	// enough to be taken for dead (10 s for weft workers).
	Gone    bool
	Running []JobRef // the jobs it runs now
	Done    int64    // jobs it finished with exit status 0
	Failed  int64    // jobs it finished otherwise
}

// JobRef names a job that a worker runs now.
type JobRef struct {
	Run     string
	Seq     int64
	Command string
	Started time.Time
}

// Run is one submission (`weft --nats URL ...`) and its counts so far.
type Run struct {
	ID        string
	Command   string // the command template, as given
	Submitter string // who submitted it: user@host
	Started   time.Time
	// Ended is when its last job finished; zero while it goes on.
	Ended time.Time
	// LastEnded is when its latest job finished so far; zero before the
	// first. A run with jobs queued and none seen running is waiting for
	// a worker only if none has finished in the last 5 s either.
	LastEnded time.Time
	Halt      HaltMode // "" unless a halt was asked for
	// Total is the number of jobs read from the input so far, and the
	// run's size once TotalKnown is set (the input was read to its end).
	Total      int64
	TotalKnown bool
	Done       int64 // finished with exit status 0
	Failed     int64 // finished otherwise (exit status, signal, timeout, failed to start)
	Running    int64 // started on a worker and not finished
	Skipped    int64 // handed back unrun because the run was halted
}

// Queued is the number of jobs of r that wait for a worker: read from the
// input and neither running nor finished nor skipped.
func (r *Run) Queued() int64 {
	q := r.Total - r.Done - r.Failed - r.Running - r.Skipped
	return max(q, 0)
}

// Job is one job of a run.
type Job struct {
	Run     string
	Seq     int64    // its sequence number in the run, from 1, as {#}
	Command string   // the command line it runs (or its template while queued)
	State   JobState // where it is
	Worker  string   // the worker that runs or ran it
	Started time.Time
	Elapsed time.Duration // how long it ran, once finished
	Exit    int           // its exit status once finished; -1 when killed by a signal
	Signal  int           // the signal that killed it, or 0
	Error   string        // why it failed to start, or ""
	Stdout  int64         // bytes it wrote on stdout (the joblog's Receive column)
}

// JobState is where a job is: one of the constants below.
type JobState string

// The states of a job.
const (
	JobQueued  JobState = "queued"  // waits for a worker
	JobRunning JobState = "running" // runs on a worker
	JobDone    JobState = "done"    // finished with exit status 0
	JobFailed  JobState = "failed"  // finished otherwise
	JobSkipped JobState = "skipped" // handed back unrun: its run was halted
)

var jobStates = []JobState{JobQueued, JobRunning, JobDone, JobFailed, JobSkipped}

// ParseJobState returns the state named s; "" and "all" are the empty
// state, which matches every job.
func ParseJobState(s string) (JobState, error) {
	if s == "" || s == "all" {
		return "", nil
	}
	for _, st := range jobStates {
		if s == string(st) {
			return st, nil
		}
	}
	return "", fmt.Errorf("dash: unknown job state %q (want all, queued, running, done, failed or skipped)", s)
}

// HaltMode says how a run is halted.
type HaltMode string

// The ways to halt a run, as `weft --halt` and the run states in the
// fleet's bucket name them.
const (
	HaltSoon HaltMode = "soon" // start no new job
	HaltNow  HaltMode = "now"  // and stop the running ones
)

// ParseHaltMode returns the mode named s.
func ParseHaltMode(s string) (HaltMode, error) {
	switch HaltMode(s) {
	case HaltSoon, HaltNow:
		return HaltMode(s), nil
	}
	return "", fmt.Errorf("dash: unknown halt mode %q (want soon or now)", s)
}

// JobQuery selects a page of a run's jobs: those in State (every job when
// it is empty), skipping the first Offset of them, at most Limit.
type JobQuery struct {
	State  JobState
	Offset int64
	Limit  int
}

// JobPage is a page of a run's jobs, and how many jobs match the query in
// all (so that the pages can be numbered).
type JobPage struct {
	Jobs     []Job
	Matching int64
}

// History counts finished jobs over time: Counts[i] jobs finished in the
// step of length Step that ends at End - (len(Counts)-1-i)*Step. So the
// last count ends at End, the oldest first.
type History struct {
	Step   time.Duration
	End    time.Time
	Counts []int64
}
