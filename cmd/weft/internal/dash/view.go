package dash

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// The documents below are what the web API (/api/...) answers and what
// `weft status --json` prints: one shape for both. Each is built from a
// Snapshot (and, for a run, a page of its jobs) and holds what its page
// shows, with derived values (a run's state, progress and ETA) computed
// once, here.

// Overview is the fleet at a glance: GET /api/overview, and `weft status
// --json` without a run.
type Overview struct {
	Time    time.Time    `json:"time"`
	Workers WorkerCounts `json:"workers"`
	Running int64        `json:"running"` // jobs running, over every run
	Queued  int64        `json:"queued"`  // jobs waiting for a worker, over every run
	// InStream is the job stream's count of jobs waiting for a worker
	// (those of runs whose input is still being read included); -1 when
	// the Source does not know it.
	InStream int64 `json:"in_stream"`
	// PerSecond is the jobs finished per second over the last minute.
	PerSecond  float64    `json:"jobs_per_second"`
	Throughput Throughput `json:"throughput"`
	// Runs are the active runs, then the latest ended ones, at most
	// overviewRuns; MoreRuns says how many more the runs list has.
	Runs     []RunSummary `json:"runs"`
	MoreRuns int          `json:"more_runs"`
	Failures []JobInfo    `json:"failures"` // the latest failed jobs, most recent first
}

// WorkerCounts counts the workers and their slots.
type WorkerCounts struct {
	Alive int `json:"alive"`
	Gone  int `json:"gone"`
	Slots int `json:"slots"` // the alive workers' slots
	Busy  int `json:"busy"`  // of which running a job
}

// Throughput is the jobs finished per second, step by step, the last step
// ending at End, the oldest first.
type Throughput struct {
	StepSeconds float64   `json:"step_seconds"`
	End         time.Time `json:"end"`
	PerSecond   []float64 `json:"jobs_per_second"`
}

// RunSummary is a run and its counts: one line of the runs list.
type RunSummary struct {
	ID        string     `json:"id"`
	Command   string     `json:"command"`
	Submitter string     `json:"submitter"`
	State     RunState   `json:"state"`
	Halt      HaltMode   `json:"halt,omitempty"`
	Started   time.Time  `json:"started"`
	Ended     *time.Time `json:"ended,omitempty"`
	Total     int64      `json:"total"`
	// TotalKnown is false while the submitter is still reading its input:
	// Total then counts the jobs read so far.
	TotalKnown bool  `json:"total_known"`
	Done       int64 `json:"done"`
	Failed     int64 `json:"failed"`
	Running    int64 `json:"running"`
	Queued     int64 `json:"queued"`
	Skipped    int64 `json:"skipped"`
	// Progress is the share of the jobs that are finished or skipped,
	// from 0 to 1.
	Progress float64 `json:"progress"`
	// ETASeconds is the time left at the run's average pace so far, while
	// it runs and its total is known.
	ETASeconds *float64 `json:"eta_seconds,omitempty"`
}

// RunState is a run's state, derived from its counts and halt mode.
type RunState string

// The states of a run.
const (
	RunRunning  RunState = "running"  // jobs are running
	RunWaiting  RunState = "waiting"  // jobs are queued and none runs: no worker takes them
	RunHalting  RunState = "halting"  // halted, and jobs are still running
	RunHalted   RunState = "halted"   // halted, and nothing runs any more
	RunFinished RunState = "finished" // every job finished
)

// RunDetail is a run, a page of its jobs and its latest failures with their
// stderr: GET /api/runs/{id}, and `weft status --json RUN`.
type RunDetail struct {
	Time time.Time  `json:"time"`
	Run  RunSummary `json:"run"`
	// Jobs is the page asked for: the jobs in State ("" for all), from
	// Offset, at most Limit; Matching counts all the jobs in State.
	State    JobState  `json:"state,omitempty"`
	Offset   int64     `json:"offset"`
	Limit    int       `json:"limit"`
	Matching int64     `json:"matching"`
	Jobs     []JobInfo `json:"jobs"`
	// Failures are the run's latest failed jobs, with the tail of their
	// stderr, most recent first.
	Failures []JobInfo `json:"failures"`
}

// JobInfo is one job: a line of a run's jobs, or a job's own page.
type JobInfo struct {
	Run     string     `json:"run"`
	Seq     int64      `json:"seq"`
	Command string     `json:"command"`
	State   JobState   `json:"state"`
	Worker  string     `json:"worker,omitempty"`
	Started *time.Time `json:"started,omitempty"`
	// Seconds is how long it ran, or has been running.
	Seconds float64 `json:"seconds"`
	Exit    *int    `json:"exit,omitempty"` // set once finished
	Signal  int     `json:"signal,omitempty"`
	Error   string  `json:"error,omitempty"`
	Stdout  int64   `json:"stdout_bytes"`
	// StderrTail is the end of its stderr, where the document shows it
	// (a failed job's), as text: bytes that are not UTF-8 become U+FFFD.
	StderrTail *string `json:"stderr_tail,omitempty"`
}

// JobDetail is one job with the tail of its stderr: GET
// /api/runs/{id}/jobs/{seq}.
type JobDetail struct {
	Time time.Time  `json:"time"`
	Run  RunSummary `json:"run"`
	Job  JobInfo    `json:"job"`
}

// RunList is every run kept: GET /api/runs.
type RunList struct {
	Time time.Time    `json:"time"`
	Runs []RunSummary `json:"runs"` // active first, then the latest ended
}

// WorkerList is every worker alive or recently gone: GET /api/workers.
type WorkerList struct {
	Time    time.Time    `json:"time"`
	Workers []WorkerInfo `json:"workers"` // alive first, by name, then gone, latest first
}

// WorkerInfo is one worker.
type WorkerInfo struct {
	Name     string       `json:"name"`
	State    string       `json:"state"` // "alive" or "gone"
	Slots    int          `json:"slots"`
	Started  time.Time    `json:"started"`
	LastSeen time.Time    `json:"last_seen"`
	Running  []RunningJob `json:"running"`
	Done     int64        `json:"done"`
	Failed   int64        `json:"failed"`
}

// RunningJob is a job a worker runs now.
type RunningJob struct {
	Run     string    `json:"run"`
	Seq     int64     `json:"seq"`
	Command string    `json:"command"`
	Started time.Time `json:"started"`
	Seconds float64   `json:"seconds"`
}

const (
	overviewRuns     = 10       // runs on the overview
	overviewFailures = 8        // failures on the overview
	runFailures      = 3        // failures with their stderr on a run's page
	runTail          = 2 << 10  // bytes of stderr per failure on a run's page
	jobTail          = 16 << 10 // bytes of stderr on a job's page
	maxLimit         = 1000     // most jobs on one page
)

// NewOverview builds the overview of s. Its cost grows with the runs,
// workers and failures in s, never with the jobs.
func NewOverview(s *Snapshot) *Overview {
	o := &Overview{Time: s.Time, Throughput: throughput(s.Throughput), Runs: []RunSummary{}, Failures: []JobInfo{}, InStream: s.Pending}
	for i := range s.Workers {
		w := &s.Workers[i]
		if w.Gone {
			o.Workers.Gone++
			continue
		}
		o.Workers.Alive++
		o.Workers.Slots += w.Slots
		o.Workers.Busy += len(w.Running)
	}
	runs := summaries(s)
	for i := range runs {
		o.Running += runs[i].Running
		if active(runs[i].State) {
			o.Queued += runs[i].Queued
		}
	}
	o.PerSecond = lastMinute(s.Throughput)
	n := min(len(runs), overviewRuns)
	o.Runs, o.MoreRuns = runs[:n], len(runs)-n
	for i := range s.Failures[:min(len(s.Failures), overviewFailures)] {
		o.Failures = append(o.Failures, jobInfo(&s.Failures[i], s.Time))
	}
	return o
}

// LoadOverview reads a snapshot from src and builds its overview.
func LoadOverview(ctx context.Context, src Source) (*Overview, error) {
	s, err := src.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	return NewOverview(s), nil
}

// NewRunList lists the runs of s.
func NewRunList(s *Snapshot) *RunList {
	return &RunList{Time: s.Time, Runs: summaries(s)}
}

// NewWorkerList lists the workers of s.
func NewWorkerList(s *Snapshot) *WorkerList {
	l := &WorkerList{Time: s.Time, Workers: make([]WorkerInfo, 0, len(s.Workers))}
	for i := range s.Workers {
		w := &s.Workers[i]
		wi := WorkerInfo{Name: w.Name, State: "alive", Slots: w.Slots, Started: w.Started,
			LastSeen: w.LastSeen, Done: w.Done, Failed: w.Failed, Running: []RunningJob{}}
		if w.Gone {
			wi.State = "gone"
		}
		for _, j := range w.Running {
			wi.Running = append(wi.Running, RunningJob{Run: j.Run, Seq: j.Seq, Command: j.Command,
				Started: j.Started, Seconds: seconds(s.Time.Sub(j.Started))})
		}
		l.Workers = append(l.Workers, wi)
	}
	slices.SortFunc(l.Workers, func(a, b WorkerInfo) int {
		if a.State != b.State {
			return cmp.Compare(a.State, b.State) // "alive" < "gone"
		}
		if a.State == "gone" {
			return b.LastSeen.Compare(a.LastSeen)
		}
		return cmp.Compare(a.Name, b.Name)
	})
	return l
}

// LoadRun reads run id from src: its summary, the page of its jobs that q
// selects, and its latest failures with their stderr. It returns an error
// wrapping ErrNotFound for a run src does not know, and a "dash: ..." error
// for a query it cannot answer (a negative offset, a limit out of 1..1000).
func LoadRun(ctx context.Context, src Source, id string, q JobQuery) (*RunDetail, error) {
	if q.Offset < 0 {
		return nil, fmt.Errorf("dash: offset must be >= 0, got %d", q.Offset)
	}
	if q.Limit < 1 || q.Limit > maxLimit {
		return nil, fmt.Errorf("dash: limit must be in 1..%d, got %d", maxLimit, q.Limit)
	}
	s, err := src.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	r := findRun(s, id)
	if r == nil {
		return nil, fmt.Errorf("run %q: %w", id, ErrNotFound)
	}
	page, err := src.Jobs(ctx, id, q)
	if err != nil {
		return nil, err
	}
	d := &RunDetail{Time: s.Time, Run: summary(r, s.Time), State: q.State, Offset: q.Offset, Limit: q.Limit,
		Matching: page.Matching, Jobs: make([]JobInfo, 0, len(page.Jobs)), Failures: []JobInfo{}}
	for i := range page.Jobs {
		d.Jobs = append(d.Jobs, jobInfo(&page.Jobs[i], s.Time))
	}
	for i := range s.Failures {
		if len(d.Failures) == runFailures {
			break
		}
		if f := &s.Failures[i]; f.Run == id {
			ji := jobInfo(f, s.Time)
			if err := tail(ctx, src, &ji, runTail); err != nil {
				return nil, err
			}
			d.Failures = append(d.Failures, ji)
		}
	}
	return d, nil
}

// LoadJob reads one job of a run from src, with the tail of its stderr.
func LoadJob(ctx context.Context, src Source, run string, seq int64) (*JobDetail, error) {
	s, err := src.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	r := findRun(s, run)
	if r == nil {
		return nil, fmt.Errorf("run %q: %w", run, ErrNotFound)
	}
	j, err := src.Job(ctx, run, seq)
	if err != nil {
		return nil, err
	}
	ji := jobInfo(&j, s.Time)
	if err := tail(ctx, src, &ji, jobTail); err != nil {
		return nil, err
	}
	return &JobDetail{Time: s.Time, Run: summary(r, s.Time), Job: ji}, nil
}

func tail(ctx context.Context, src Source, ji *JobInfo, n int) error {
	b, err := src.StderrTail(ctx, ji.Run, ji.Seq, n)
	if err != nil {
		return err
	}
	t := cutTail(b, n)
	ji.StderrTail = &t
	return nil
}

// cutTail keeps the last n bytes of b, from a line start when one is near
// (so that the tail does not start mid-line), as valid UTF-8.
func cutTail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
		if i := strings.IndexByte(string(b[:min(len(b), 200)]), '\n'); i >= 0 {
			b = b[i+1:]
		} else {
			for len(b) > 0 && !utf8.RuneStart(b[0]) {
				b = b[1:]
			}
		}
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

func findRun(s *Snapshot, id string) *Run {
	for i := range s.Runs {
		if s.Runs[i].ID == id {
			return &s.Runs[i]
		}
	}
	return nil
}

// summaries summarizes the runs of s, active first (latest started first),
// then the ended ones (latest ended first).
func summaries(s *Snapshot) []RunSummary {
	out := make([]RunSummary, len(s.Runs))
	for i := range s.Runs {
		out[i] = summary(&s.Runs[i], s.Time)
	}
	slices.SortStableFunc(out, func(a, b RunSummary) int {
		if aa, ba := active(a.State), active(b.State); aa != ba {
			if aa {
				return -1
			}
			return 1
		}
		if a.Ended != nil && b.Ended != nil {
			if c := b.Ended.Compare(*a.Ended); c != 0 {
				return c
			}
		}
		if c := b.Started.Compare(a.Started); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out
}

func active(s RunState) bool { return s == RunRunning || s == RunWaiting || s == RunHalting }

func summary(r *Run, now time.Time) RunSummary {
	rs := RunSummary{ID: r.ID, Command: r.Command, Submitter: r.Submitter, State: runState(r, now), Halt: r.Halt,
		Started: r.Started, Total: r.Total, TotalKnown: r.TotalKnown, Done: r.Done, Failed: r.Failed,
		Running: r.Running, Queued: r.Queued(), Skipped: r.Skipped}
	if !r.Ended.IsZero() {
		e := r.Ended
		rs.Ended = &e
	}
	finished := r.Done + r.Failed + r.Skipped
	if r.Total > 0 {
		rs.Progress = min(float64(finished)/float64(r.Total), 1)
	}
	if (rs.State == RunRunning || rs.State == RunWaiting) && r.TotalKnown && r.Done+r.Failed > 0 {
		elapsed := now.Sub(r.Started).Seconds()
		left := float64(max(r.Total-finished, 0))
		if elapsed > 0 {
			eta := elapsed * left / float64(r.Done+r.Failed)
			rs.ETASeconds = &eta
		}
	}
	return rs
}

// waitingAfter is how long after its latest job finished a run with none seen
// running and jobs queued is said to be waiting for a worker. A worker's
// registry entry lists the jobs it runs at most once a second while they
// change (a job shorter than that may never be listed), and every 5 s
// otherwise: a run whose jobs finished within 5 s is being run.
const waitingAfter = 5 * time.Second

func runState(r *Run, now time.Time) RunState {
	finished := r.Done + r.Failed + r.Skipped
	switch {
	case r.Halt != "" && r.Running > 0:
		return RunHalting
	case r.Halt != "":
		return RunHalted
	case r.TotalKnown && finished >= r.Total && r.Running == 0:
		return RunFinished
	case r.Running == 0 && r.Queued() > 0 && now.Sub(r.LastEnded) > waitingAfter:
		return RunWaiting
	}
	return RunRunning
}

func jobInfo(j *Job, now time.Time) JobInfo {
	ji := JobInfo{Run: j.Run, Seq: j.Seq, Command: j.Command, State: j.State, Worker: j.Worker,
		Signal: j.Signal, Error: j.Error, Stdout: j.Stdout}
	if !j.Started.IsZero() {
		t := j.Started
		ji.Started = &t
	}
	switch j.State {
	case JobRunning:
		ji.Seconds = seconds(now.Sub(j.Started))
	case JobDone, JobFailed:
		ji.Seconds = seconds(j.Elapsed)
		e := j.Exit
		ji.Exit = &e
	}
	return ji
}

func seconds(d time.Duration) float64 {
	return float64(max(d, 0).Milliseconds()) / 1000
}

func throughput(h History) Throughput {
	t := Throughput{StepSeconds: h.Step.Seconds(), End: h.End, PerSecond: make([]float64, len(h.Counts))}
	if h.Step <= 0 {
		return t
	}
	for i, c := range h.Counts {
		t.PerSecond[i] = float64(c) / h.Step.Seconds()
	}
	return t
}

// lastMinute is the jobs per second over the last minute of h (or over
// the whole of h when it is shorter).
func lastMinute(h History) float64 {
	if h.Step <= 0 || len(h.Counts) == 0 {
		return 0
	}
	n := min(len(h.Counts), max(int(time.Minute/h.Step), 1))
	var sum int64
	for _, c := range h.Counts[len(h.Counts)-n:] {
		sum += c
	}
	return float64(sum) / (float64(n) * h.Step.Seconds())
}
