package dash

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"sync"
	"time"
)

// fakeSource is a Source and Actions over state held in memory, for the
// tests, the benchmarks and the screenshots.
type fakeSource struct {
	mu        sync.Mutex
	snap      Snapshot
	jobs      map[string][]Job // by run, in sequence order
	tails     map[string][]byte
	halts     []string // "run mode", as asked
	err       error    // returned by every read when set
	joblogErr error    // returned by Joblog after its first job when set
}

func newFake(s Snapshot) *fakeSource {
	return &fakeSource{snap: s, jobs: map[string][]Job{}, tails: map[string][]byte{}}
}

func tailKey(run string, seq int64) string { return fmt.Sprintf("%s/%d", run, seq) }

// update changes the state under the lock.
func (f *fakeSource) update(fn func(s *Snapshot, jobs map[string][]Job)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(&f.snap, f.jobs)
}

func (f *fakeSource) Snapshot(ctx context.Context) (*Snapshot, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	s := f.snap
	s.Runs = slices.Clone(s.Runs)
	s.Workers = slices.Clone(s.Workers)
	for i := range s.Workers {
		s.Workers[i].Running = slices.Clone(s.Workers[i].Running)
	}
	s.Failures = slices.Clone(s.Failures)
	s.Throughput.Counts = slices.Clone(s.Throughput.Counts)
	return &s, nil
}

func (f *fakeSource) Jobs(ctx context.Context, run string, q JobQuery) (JobPage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return JobPage{}, f.err
	}
	all, ok := f.jobs[run]
	if !ok && findRun(&f.snap, run) == nil {
		return JobPage{}, fmt.Errorf("run %q: %w", run, ErrNotFound)
	}
	if q.State == "" {
		lo := min(q.Offset, int64(len(all)))
		hi := min(lo+int64(q.Limit), int64(len(all)))
		return JobPage{Jobs: slices.Clone(all[lo:hi]), Matching: int64(len(all))}, nil
	}
	var p JobPage
	for _, j := range all {
		if j.State != q.State {
			continue
		}
		if p.Matching >= q.Offset && len(p.Jobs) < q.Limit {
			p.Jobs = append(p.Jobs, j)
		}
		p.Matching++
	}
	return p, nil
}

func (f *fakeSource) Job(ctx context.Context, run string, seq int64) (Job, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return Job{}, f.err
	}
	all := f.jobs[run]
	if seq < 1 || seq > int64(len(all)) {
		return Job{}, fmt.Errorf("job %d of run %q: %w", seq, run, ErrNotFound)
	}
	return all[seq-1], nil
}

func (f *fakeSource) StderrTail(ctx context.Context, run string, seq int64, n int) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	b := f.tails[tailKey(run, seq)]
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return slices.Clone(b), nil
}

func (f *fakeSource) Joblog(ctx context.Context, run string) iter.Seq2[Job, error] {
	return func(yield func(Job, error) bool) {
		f.mu.Lock()
		all, err, jerr := slices.Clone(f.jobs[run]), f.err, f.joblogErr
		f.mu.Unlock()
		if err != nil {
			yield(Job{}, err)
			return
		}
		n := 0
		for _, j := range all {
			if j.State != JobDone && j.State != JobFailed {
				continue
			}
			if n++; n > 1 && jerr != nil {
				yield(Job{}, jerr)
				return
			}
			if !yield(j, nil) {
				return
			}
		}
	}
}

func (f *fakeSource) Halt(ctx context.Context, run string, mode HaltMode) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := findRun(&f.snap, run)
	if r == nil {
		return fmt.Errorf("run %q: %w", run, ErrNotFound)
	}
	r.Halt = mode
	f.halts = append(f.halts, run+" "+string(mode))
	return nil
}

func (f *fakeSource) haltCalls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.halts)
}

// demoNow is the fixed clock of the demo fleet.
var demoNow = time.Date(2025, 3, 14, 15, 9, 26, 0, time.UTC)

// demoRun is the run the demo fleet is busy with.
const demoRun = "7f3a9c21"

// demoFleet is a fleet as a new user sees it: two workers busy with a
// large run, a third killed a minute ago, a few runs before, failures with
// their stderr; jobs jobs in the main run, of which queued wait.
func demoFleet(jobs, queued int) *fakeSource {
	now := demoNow
	rnd := uint64(42)
	next := func(n int) int { // a small deterministic generator
		rnd ^= rnd << 13
		rnd ^= rnd >> 7
		rnd ^= rnd << 17
		return int(rnd % uint64(n))
	}
	f := newFake(Snapshot{Time: now})
	started := now.Add(-12*time.Minute - 41*time.Second)
	cmd := "convert {} -resize 1200x1200 -quality 85 out/{/.}.jpg"
	running := 15
	finished := jobs - queued - running
	var all []Job
	var failures []Job
	workers := []string{"build-01", "build-02", "build-03"}
	var done, failed int64
	perWorker := map[string][2]int64{}
	for i := 1; i <= jobs; i++ {
		name := fmt.Sprintf("photos/2025-03/IMG_%04d.jpg", i)
		j := Job{Run: demoRun, Seq: int64(i), Command: fmt.Sprintf("convert %s -resize 1200x1200 -quality 85 out/IMG_%04d.jpg", name, i), State: JobQueued}
		switch {
		case i <= finished:
			j.Worker = workers[i%2]
			if i < finished/2 && i%3 == 0 {
				j.Worker = workers[2]
			}
			j.Started = started.Add(time.Duration(i) * (11*time.Minute + 50*time.Second) / time.Duration(max(finished, 1)))
			j.Elapsed = time.Duration(1800+next(1400)) * time.Millisecond
			j.Stdout = int64(next(200))
			j.State = JobDone
			if next(250) == 0 || i == 412 || i == 1877 {
				j.State, j.Exit = JobFailed, 1
				if i == 1877 {
					j.Exit, j.Signal = -1, 9
				}
				failures = append(failures, j)
				f.tails[tailKey(demoRun, j.Seq)] = fmt.Appendf(nil,
					"convert: Corrupt JPEG data: premature end of data segment `%s' @ warning/jpeg.c/JPEGWarningHandler/403.\n"+
						"convert: Insufficient image data in file `%s' @ error/jpeg.c/ReadJPEGImage/1289.\n"+
						"convert: no images defined `out/IMG_%04d.jpg' @ error/convert.c/ConvertImageCommand/3342.\n", name, name, i)
				failed++
			} else {
				done++
			}
			c := perWorker[j.Worker]
			if j.State == JobDone {
				c[0]++
			} else {
				c[1]++
			}
			perWorker[j.Worker] = c
		case i <= finished+running:
			j.State = JobRunning
			j.Worker = workers[i%2]
			j.Started = now.Add(-time.Duration(200+next(2600)) * time.Millisecond)
		}
		all = append(all, j)
	}
	f.jobs[demoRun] = all
	slices.Reverse(failures)
	var refs [2][]JobRef
	for _, j := range all {
		if j.State == JobRunning {
			w := j.Seq % 2
			refs[w] = append(refs[w], JobRef{Run: j.Run, Seq: j.Seq, Command: j.Command, Started: j.Started})
		}
	}
	f.snap.Workers = []Worker{
		{Name: "build-01", Slots: 8, Started: now.Add(-3*time.Hour - 12*time.Minute), LastSeen: now.Add(-1 * time.Second),
			Running: refs[1], Done: perWorker["build-01"][0], Failed: perWorker["build-01"][1]},
		{Name: "build-02", Slots: 8, Started: now.Add(-3*time.Hour - 12*time.Minute), LastSeen: now.Add(-2 * time.Second),
			Running: refs[0], Done: perWorker["build-02"][0], Failed: perWorker["build-02"][1]},
		{Name: "build-03", Slots: 4, Started: now.Add(-52 * time.Minute), LastSeen: now.Add(-47 * time.Second), Gone: true,
			Done: perWorker["build-03"][0], Failed: perWorker["build-03"][1]},
	}
	f.snap.Runs = []Run{
		{ID: demoRun, Command: cmd, Submitter: "alice@studio-mac", Started: started, Total: int64(jobs), TotalKnown: true,
			Done: done, Failed: failed, Running: int64(running)},
		{ID: "c04d11e8", Command: "make -C services/{} test", Submitter: "ci@runner-7", Started: now.Add(-41 * time.Minute),
			Ended: now.Add(-26 * time.Minute), Total: 48, TotalKnown: true, Done: 45, Failed: 3},
		{ID: "5d6e7f80", Command: "python3 train.py --seed {} --epochs 40", Submitter: "bob@gpu-box", Started: now.Add(-2*time.Hour - 5*time.Minute),
			Ended: now.Add(-1*time.Hour - 48*time.Minute), Halt: HaltNow, Total: 20, TotalKnown: true, Done: 6, Skipped: 10, Failed: 4},
		{ID: "e9b2f0a7", Command: "./scripts/backup.sh {}", Submitter: "ops@backup-1", Started: now.Add(-3 * time.Hour),
			Ended: now.Add(-2*time.Hour - 40*time.Minute), Total: 120, TotalKnown: true, Done: 120},
	}
	f.snap.Failures = failures[:min(len(failures), 12)]
	counts := make([]int64, 90)
	for i := range counts {
		switch {
		case i < 14:
			counts[i] = 0
		case i >= 85: // build-03 died
			counts[i] = int64(38 + next(12))
		default:
			counts[i] = int64(52 + next(16))
		}
	}
	f.snap.Throughput = History{Step: 10 * time.Second, End: now, Counts: counts}
	return f
}

// The hostile strings that the escaping tests put in every field that a
// job, a submitter or a worker controls.
const (
	hostileScript = `<script>alert(1)</script>`
	hostileImg    = `"><img src=x onerror=alert(2)>`
	hostileRun    = `r"<b>`
)

// hostileFleet is a fleet where everything a user controls is hostile.
func hostileFleet() *fakeSource {
	now := demoNow
	cmd := hostileScript + " " + hostileImg + " {}"
	f := newFake(Snapshot{Time: now})
	jobs := []Job{
		{Run: hostileRun, Seq: 1, Command: hostileScript + " 1\nsecond line", State: JobFailed, Worker: hostileImg, Started: now.Add(-time.Minute), Elapsed: time.Second, Exit: 3, Error: hostileImg},
		{Run: hostileRun, Seq: 2, Command: hostileImg + " 2", State: JobRunning, Worker: hostileScript, Started: now.Add(-time.Second)},
		{Run: hostileRun, Seq: 3, Command: hostileImg + " 3", State: JobQueued},
	}
	f.jobs[hostileRun] = jobs
	f.tails[tailKey(hostileRun, 1)] = []byte("line one\n" + hostileScript + "\n" + hostileImg + "\n\x1b[31mred\r\nevent: update\rdata: " + hostileScript + "\n")
	f.snap.Runs = []Run{{ID: hostileRun, Command: cmd, Submitter: hostileImg, Started: now.Add(-2 * time.Minute), Total: 3, TotalKnown: true, Failed: 1, Running: 1}}
	f.snap.Workers = []Worker{{Name: hostileScript, Slots: 2, Started: now.Add(-time.Hour), LastSeen: now,
		Running: []JobRef{{Run: hostileRun, Seq: 2, Command: jobs[1].Command, Started: jobs[1].Started}}}}
	f.snap.Failures = []Job{jobs[0]}
	f.snap.Throughput = History{Step: 10 * time.Second, End: now, Counts: make([]int64, 90)}
	return f
}
