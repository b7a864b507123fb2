package fleetview

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/weft-dev/weft/cmd/weft/internal/dash"
	"github.com/weft-dev/weft/cmd/weft/internal/remote"
)

// Config configures a Source. The zero value is the default.
type Config struct {
	// MaxRuns is how many runs the Source keeps; 100 when zero.
	MaxRuns int
	// Now is the clock of snapshots; time.Now when nil.
	Now func() time.Time
	// OnResult, if set, is given every message of the results stream as
	// the Source takes it, from the stream's start (weft serve's metrics
	// count them there, so that the server follows its results once).
	OnResult func(data []byte)
}

const (
	defaultMaxRuns = 100
	maxFailures    = 50               // latest failures kept, over every run
	goneKept       = time.Hour        // how long a gone worker is listed
	maxGone        = 200              // most gone workers listed
	historyStep    = 10 * time.Second // of the jobs-per-second history
	historySteps   = 90               // 15 minutes
	pollEvery      = time.Second      // the job stream's pending count
)

// Source is the fleet's state over JetStream: a dash.Source and
// dash.Actions. It is safe for concurrent use by multiple goroutines.
type Source struct {
	c   *remote.Conn
	cfg Config

	cancel  context.CancelFunc
	wg      sync.WaitGroup
	caught  sync.WaitGroup // one per follower, done once caught up
	errOnce sync.Once
	err     error // the first follower's error, once it stopped

	mu       sync.Mutex
	runs     map[string]*runView
	workers  map[string]*workerView // by registry key
	failures []dash.Job             // latest first, at most maxFailures
	history  [historySteps]int64    // finished jobs per step, by step number mod historySteps
	histAt   [historySteps]int64    // the step number each count is for
	pending  int64                  // jobs waiting in the job stream
	names    map[string]string      // interned worker names
}

// runView is what the Source keeps of a run.
type runView struct {
	rec      remote.RunRecord
	haveRec  bool
	state    string
	jobs     map[int64]jobView // finished or skipped jobs
	counts   [3]int64          // done, failed, skipped
	maxSeq   int64             // the highest job number seen
	lastEnd  time.Time         // when its latest report came
	touched  time.Time         // latest activity, for eviction
	version  int64             // changes with jobs
	sorted   map[dash.JobState][]int64
	sortedAt int64 // the version sorted is of
}

const (
	nDone = iota
	nFailed
	nSkipped
)

// jobView is a finished or skipped job.
type jobView struct {
	report  uint64 // its report's sequence number in the results stream
	worker  string // interned
	started time.Time
	elapsed time.Duration
	exit    int32
	signal  int32
	stdout  int64
	state   dash.JobState
	k       int
	errText string // why it failed to start, if it did
	command string // kept for failed jobs only
}

// workerView is a worker's latest registry entry.
type workerView struct {
	e    remote.WorkerEntry
	seen time.Time // when the Source last had word of it
	gone bool      // stopped, or its entry deleted
}

// Start follows the fleet behind c (see the package documentation) until
// Close. c must be allowed to create consumers on the results stream and
// the buckets (a submitter's or an administrator's credentials).
func Start(c *remote.Conn, cfg Config) (*Source, error) {
	if cfg.MaxRuns < 0 {
		return nil, fmt.Errorf("fleetview: MaxRuns must be >= 0, got %d", cfg.MaxRuns)
	}
	if cfg.MaxRuns == 0 {
		cfg.MaxRuns = defaultMaxRuns
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Source{c: c, cfg: cfg, runs: map[string]*runView{}, workers: map[string]*workerView{}, names: map[string]string{}, pending: -1}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	results := c.ResultSubject(">")
	followers := []struct {
		stream string
		cfg    jetstream.OrderedConsumerConfig
		take   func(jetstream.Msg)
	}{
		{c.ResultsStream(), jetstream.OrderedConsumerConfig{FilterSubjects: []string{results}}, s.result},
		{c.RunsStream(), jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverLastPerSubjectPolicy}, s.takeRun},
		{c.WorkersStream(), jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverLastPerSubjectPolicy}, s.takeWorker},
	}
	its := make([]jetstream.MessagesContext, 0, len(followers))
	lasts := make([]uint64, 0, len(followers))
	stop := func() {
		for _, it := range its {
			it.Stop()
		}
		cancel()
	}
	sctx, scancel := context.WithTimeout(ctx, 10*time.Second)
	defer scancel()
	for i := 0; i < len(followers); i++ {
		f := followers[i]
		cons, err := c.JS.OrderedConsumer(sctx, f.stream, f.cfg)
		if errors.Is(err, jetstream.ErrStreamNotFound) && f.stream == c.WorkersStream() {
			// A stream set made before the registry: no worker is listed
			// until weft serve (or SetUp) makes it.
			followers = slices.Delete(followers, i, i+1)
			i--
			continue
		}
		if err != nil {
			stop()
			return nil, fmt.Errorf("fleetview: following %s: %w", f.stream, err)
		}
		st, err := c.JS.Stream(sctx, f.stream)
		if err != nil {
			stop()
			return nil, fmt.Errorf("fleetview: following %s: %w", f.stream, err)
		}
		last := uint64(0) // the last message there at start: caught up once taken
		if info := st.CachedInfo(); info.State.Msgs > 0 {
			last = info.State.LastSeq
		}
		it, err := cons.Messages()
		if err != nil {
			stop()
			return nil, fmt.Errorf("fleetview: following %s: %w", f.stream, err)
		}
		its = append(its, it)
		lasts = append(lasts, last)
	}
	for i, f := range followers {
		it, take, last := its[i], f.take, lasts[i]
		s.caught.Add(1)
		s.wg.Go(func() {
			defer it.Stop()
			s.follow(ctx, it, take, last)
		})
	}
	s.caught.Add(1)
	s.wg.Go(func() { s.poll(ctx) })
	return s, nil
}

// follow hands each message of it to take until ctx ends; it marks the
// follower caught up once it took the message of stream sequence last (0:
// the stream was empty at start), or a later one.
func (s *Source) follow(ctx context.Context, it jetstream.MessagesContext, take func(jetstream.Msg), last uint64) {
	caught := false
	markCaught := func() {
		if !caught {
			caught = true
			s.caught.Done()
		}
	}
	defer markCaught()
	if last == 0 {
		markCaught()
	}
	stop := context.AfterFunc(ctx, it.Stop)
	defer stop()
	for {
		msg, err := it.Next()
		if err != nil {
			if ctx.Err() == nil && !errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				s.fail(err)
			}
			return
		}
		take(msg)
		if md, err := msg.Metadata(); err == nil && (md.Sequence.Stream >= last || md.NumPending == 0) {
			markCaught()
		}
	}
}

func (s *Source) fail(err error) {
	s.errOnce.Do(func() {
		s.mu.Lock()
		s.err = fmt.Errorf("fleetview: following the fleet: %w", err)
		s.mu.Unlock()
	})
}

// poll reads the job stream's pending count once a second.
func (s *Source) poll(ctx context.Context) {
	first := true
	t := time.NewTicker(pollEvery)
	defer t.Stop()
	for {
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		n := int64(-1)
		if cons, err := s.c.JS.Consumer(pctx, s.c.Stream, s.c.Stream); err == nil {
			if info, err := cons.Info(pctx); err == nil {
				n = int64(info.NumPending)
			}
		}
		cancel()
		s.mu.Lock()
		s.pending = n
		s.mu.Unlock()
		if first {
			first = false
			s.caught.Done()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Sync waits until the Source has taken what the server held when it
// started (for weft status, which prints one snapshot), or ctx ends.
func (s *Source) Sync(ctx context.Context) error {
	done := make(chan struct{})
	go func() { s.caught.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		return ctx.Err()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Close stops following the fleet and waits for the followers. It does not
// close the connection.
func (s *Source) Close() {
	s.cancel()
	s.wg.Wait()
}

// takeResult counts a report: the first one of a job that ran counts, as
// for the submitter; a job handed back unrun counts as skipped until a
// report of it having run comes.
func (s *Source) takeResult(msg jetstream.Msg) {
	var r remote.Result
	if err := json.Unmarshal(msg.Data(), &r); err != nil || r.Run == "" || r.Seq < 1 {
		return // not a report: nothing counts it
	}
	md, err := msg.Metadata()
	if err != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rv := s.run(r.Run, md.Timestamp)
	if rv == nil {
		return
	}
	old, had := rv.jobs[r.Seq]
	if had && (old.state != dash.JobSkipped || r.Skipped) {
		return // the first report counts
	}
	j := jobView{report: md.Sequence.Stream, worker: s.intern(r.Host), started: r.Start, elapsed: r.Elapsed,
		exit: int32(r.Exit), signal: int32(r.Signal), stdout: int64(len(r.Stdout)), k: r.K, errText: r.FailedToStart}
	switch {
	case r.Skipped:
		j.state = dash.JobSkipped
		rv.counts[nSkipped]++
	case r.Exit != 0 || r.Signal != 0 || r.FailedToStart != "":
		j.state = dash.JobFailed
		j.command = cut(r.Cmdline, 4<<10)
		rv.counts[nFailed]++
	default:
		j.state = dash.JobDone
		rv.counts[nDone]++
	}
	if had { // skipped before, run now
		rv.counts[nSkipped]--
	}
	if r.Stored {
		j.stdout = -1 // in the object store: its size is read with the job
	}
	rv.jobs[r.Seq] = j
	rv.maxSeq = max(rv.maxSeq, r.Seq)
	rv.version++
	if !r.Skipped {
		rv.lastEnd = md.Timestamp
		s.count(md.Timestamp)
	}
	if j.state == dash.JobFailed {
		s.failures = slices.Insert(s.failures, 0, s.job(r.Run, r.Seq, rv, j))
		s.failures = s.failures[:min(len(s.failures), maxFailures)]
	}
}

// result takes a message of the results stream, and hands it to
// Config.OnResult.
func (s *Source) result(msg jetstream.Msg) {
	if s.cfg.OnResult != nil {
		s.cfg.OnResult(msg.Data())
	}
	s.takeResult(msg)
}

// takeRun takes a run's state or record from S_runs.
func (s *Source) takeRun(msg jetstream.Msg) {
	key := strings.TrimPrefix(msg.Subject(), "$KV."+s.c.Runs.Bucket()+".")
	md, err := msg.Metadata()
	if err != nil {
		return
	}
	deleted := msg.Headers().Get("KV-Operation") != ""
	s.mu.Lock()
	defer s.mu.Unlock()
	if run, ok := remote.RunOfRecordKey(key); ok {
		var rec remote.RunRecord
		if deleted || json.Unmarshal(msg.Data(), &rec) != nil || rec.ID != run {
			return
		}
		if rv := s.run(run, md.Timestamp); rv != nil {
			rv.rec, rv.haveRec = rec, true
		}
		return
	}
	if !remote.IsRunID(key) || deleted {
		return
	}
	if rv := s.run(key, md.Timestamp); rv != nil {
		rv.state = string(msg.Data())
	}
}

// takeWorker takes a worker's registry entry.
func (s *Source) takeWorker(msg jetstream.Msg) {
	key := strings.TrimPrefix(msg.Subject(), "$KV."+strings.TrimPrefix(s.c.WorkersStream(), "KV_")+".")
	md, err := msg.Metadata()
	if err != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if msg.Headers().Get("KV-Operation") != "" {
		if w := s.workers[key]; w != nil {
			w.gone = true
		}
		return
	}
	var e remote.WorkerEntry
	if json.Unmarshal(msg.Data(), &e) != nil {
		return
	}
	e.Name = s.intern(e.Name)
	s.workers[key] = &workerView{e: e, seen: md.Timestamp, gone: e.Stopped}
	s.forgetWorkers(s.cfg.Now())
}

// run returns the run id, made if new (forgetting the least recently
// active run past MaxRuns); nil for a name that is no run's.
func (s *Source) run(id string, at time.Time) *runView {
	if !remote.IsRunID(id) {
		return nil
	}
	rv := s.runs[id]
	if rv == nil {
		if len(s.runs) >= s.cfg.MaxRuns {
			var oldest string
			for k, r := range s.runs {
				if oldest == "" || r.touched.Before(s.runs[oldest].touched) {
					oldest = k
				}
			}
			delete(s.runs, oldest)
		}
		rv = &runView{jobs: map[int64]jobView{}, touched: at}
		s.runs[id] = rv
	}
	if at.After(rv.touched) {
		rv.touched = at
	}
	return rv
}

func (s *Source) intern(name string) string {
	if v, ok := s.names[name]; ok {
		return v
	}
	if len(s.names) > 10000 {
		clear(s.names)
	}
	s.names[name] = name
	return name
}

// count adds a finished job to the history.
func (s *Source) count(at time.Time) {
	step := at.UnixNano() / int64(historyStep)
	i := step % historySteps
	if s.histAt[i] != step {
		s.histAt[i], s.history[i] = step, 0
	}
	s.history[i]++
}

// alive tells whether a worker is alive at now: it has not stopped, and
// the server stored its entry at most remote.GoneAfter ago (the server's
// time, not the worker's, so a worker's clock cannot keep it alive).
func (w *workerView) alive(now time.Time) bool {
	return !w.gone && now.Sub(w.seen) <= remote.GoneAfter
}

// forgetWorkers drops the workers gone for longer than goneKept, and the
// oldest gone past maxGone.
func (s *Source) forgetWorkers(now time.Time) {
	var gone []string
	for k, w := range s.workers {
		if w.alive(now) {
			continue
		}
		if now.Sub(w.e.Beat) > goneKept {
			delete(s.workers, k)
			continue
		}
		gone = append(gone, k)
	}
	if len(gone) > maxGone {
		slices.SortFunc(gone, func(a, b string) int { return s.workers[a].e.Beat.Compare(s.workers[b].e.Beat) })
		for _, k := range gone[:len(gone)-maxGone] {
			delete(s.workers, k)
		}
	}
}

// running lists the jobs the alive workers run now, by run and job
// number, leaving out those already reported.
func (s *Source) running(now time.Time) map[string]map[int64]dash.Job {
	out := map[string]map[int64]dash.Job{}
	for _, w := range s.workers {
		if !w.alive(now) {
			continue
		}
		for _, j := range w.e.Running {
			rv := s.runs[j.Run]
			if rv == nil {
				continue
			}
			if old, ok := rv.jobs[j.Seq]; ok && old.state != dash.JobSkipped {
				continue
			}
			if out[j.Run] == nil {
				out[j.Run] = map[int64]dash.Job{}
			}
			out[j.Run][j.Seq] = dash.Job{Run: j.Run, Seq: j.Seq, Command: j.Command, State: dash.JobRunning, Worker: w.e.Name, Started: j.Started, Exit: 0}
		}
	}
	return out
}

// Snapshot returns the fleet as the Source holds it now. Its cost grows
// with the runs kept, the workers and the jobs running, never with the
// jobs finished.
func (s *Source) Snapshot(ctx context.Context) (*dash.Snapshot, error) {
	now := s.cfg.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return nil, s.err
	}
	s.forgetWorkers(now)
	snap := &dash.Snapshot{Time: now, Pending: s.pending}
	running := s.running(now)
	for _, w := range s.workers {
		dw := dash.Worker{Name: w.e.Name, Slots: w.e.Slots, Started: w.e.Started, LastSeen: w.e.Beat,
			Gone: !w.alive(now), Done: w.e.Done, Failed: w.e.Failed}
		if !dw.Gone {
			for _, j := range w.e.Running {
				if _, ok := running[j.Run][j.Seq]; ok { // not reported since the entry was written
					dw.Running = append(dw.Running, dash.JobRef{Run: j.Run, Seq: j.Seq, Command: j.Command, Started: j.Started})
				}
			}
		}
		snap.Workers = append(snap.Workers, dw)
	}
	for id, rv := range s.runs {
		snap.Runs = append(snap.Runs, s.summary(id, rv, int64(len(running[id]))))
	}
	snap.Failures = slices.Clone(s.failures)
	step := now.UnixNano() / int64(historyStep)
	snap.Throughput = dash.History{Step: historyStep, End: time.Unix(0, (step+1)*int64(historyStep)), Counts: make([]int64, historySteps)}
	for i := range historySteps {
		st := step - int64(historySteps-1-i)
		if k := st % historySteps; s.histAt[k] == st {
			snap.Throughput.Counts[i] = s.history[k]
		}
	}
	return snap, nil
}

// summary is a run's counts.
func (s *Source) summary(id string, rv *runView, running int64) dash.Run {
	r := dash.Run{ID: id, Command: rv.rec.Command, Submitter: rv.rec.Submitter, Started: rv.rec.Started,
		Done: rv.counts[nDone], Failed: rv.counts[nFailed], Skipped: rv.counts[nSkipped], Running: running}
	if !rv.haveRec {
		r.Started = rv.touched
	}
	switch rv.state {
	case remote.StateSoon, remote.StateNow:
		r.Halt = dash.HaltMode(rv.state)
	}
	finished := r.Done + r.Failed + r.Skipped
	r.Total = max(rv.rec.Total, rv.maxSeq, finished+running)
	r.TotalKnown = rv.rec.TotalKnown && r.Total == rv.rec.Total
	r.LastEnded = rv.lastEnd
	if r.TotalKnown && finished >= r.Total && running == 0 {
		r.Ended = rv.lastEnd
	}
	return r
}

// job is the dash.Job of a finished or skipped job (without its command
// unless kept).
func (s *Source) job(run string, seq int64, rv *runView, j jobView) dash.Job {
	d := dash.Job{Run: run, Seq: seq, Command: j.command, State: j.state, Worker: j.worker, Started: j.started,
		Elapsed: j.elapsed, Exit: int(j.exit), Signal: int(j.signal), Error: j.errText, Stdout: max(j.stdout, 0)}
	if d.Command == "" && j.state == dash.JobSkipped {
		d.Command = rv.rec.Command
	}
	return d
}

// lookup finds a run, or an error wrapping dash.ErrNotFound.
func (s *Source) lookup(run string) (*runView, error) {
	rv := s.runs[run]
	if rv == nil {
		return nil, fmt.Errorf("run %q: %w", run, dash.ErrNotFound)
	}
	return rv, nil
}

// Jobs returns a page of a run's jobs, in sequence order. Finished jobs'
// commands are read from their reports, one request per job of the page.
func (s *Source) Jobs(ctx context.Context, run string, q dash.JobQuery) (dash.JobPage, error) {
	now := s.cfg.Now()
	s.mu.Lock()
	rv, err := s.lookup(run)
	if err != nil {
		s.mu.Unlock()
		return dash.JobPage{}, err
	}
	running := s.running(now)[run]
	sum := s.summary(run, rv, int64(len(running)))
	var page dash.JobPage
	at := func(seq int64) dash.Job {
		if j, ok := rv.jobs[seq]; ok && (j.state != dash.JobSkipped || running[seq].Run == "") {
			return s.job(run, seq, rv, j)
		}
		if j, ok := running[seq]; ok {
			return j
		}
		return dash.Job{Run: run, Seq: seq, Command: rv.rec.Command, State: dash.JobQueued}
	}
	switch q.State {
	case "":
		page.Matching = sum.Total
		for seq := q.Offset + 1; seq <= sum.Total && len(page.Jobs) < q.Limit; seq++ {
			page.Jobs = append(page.Jobs, at(seq))
		}
	case dash.JobQueued:
		for seq := int64(1); seq <= sum.Total; seq++ {
			if _, ok := rv.jobs[seq]; ok {
				continue
			}
			if _, ok := running[seq]; ok {
				continue
			}
			if page.Matching >= q.Offset && len(page.Jobs) < q.Limit {
				page.Jobs = append(page.Jobs, at(seq))
			}
			page.Matching++
		}
	case dash.JobRunning:
		seqs := slices.Sorted(func(yield func(int64) bool) {
			for seq := range running {
				if !yield(seq) {
					return
				}
			}
		})
		page.Matching = int64(len(seqs))
		for _, seq := range seqs[min(q.Offset, int64(len(seqs))):] {
			if len(page.Jobs) == q.Limit {
				break
			}
			page.Jobs = append(page.Jobs, running[seq])
		}
	default:
		seqs := rv.inState(q.State)
		page.Matching = int64(len(seqs))
		for _, seq := range seqs[min(q.Offset, int64(len(seqs))):] {
			if len(page.Jobs) == q.Limit {
				break
			}
			page.Jobs = append(page.Jobs, s.job(run, seq, rv, rv.jobs[seq]))
		}
	}
	reports := make([]uint64, len(page.Jobs))
	for i, j := range page.Jobs {
		if jv, ok := rv.jobs[j.Seq]; ok && j.State != dash.JobRunning && j.State != dash.JobQueued {
			reports[i] = jv.report
		}
	}
	s.mu.Unlock()
	for i := range page.Jobs {
		if reports[i] != 0 && page.Jobs[i].Command == "" {
			if r, err := s.report(ctx, reports[i]); err == nil {
				page.Jobs[i].Command = r.Cmdline
			} else if ctx.Err() != nil {
				return dash.JobPage{}, ctx.Err()
			}
		}
	}
	return page, nil
}

// inState returns the numbers of a run's finished or skipped jobs in state
// st, in order (sorted once per change of the run).
func (rv *runView) inState(st dash.JobState) []int64 {
	if rv.sorted == nil || rv.sortedAt != rv.version {
		rv.sorted, rv.sortedAt = map[dash.JobState][]int64{}, rv.version
	}
	if seqs, ok := rv.sorted[st]; ok {
		return seqs
	}
	seqs := []int64{}
	for seq, j := range rv.jobs {
		if j.state == st {
			seqs = append(seqs, seq)
		}
	}
	slices.Sort(seqs)
	rv.sorted[st] = seqs
	return seqs
}

// report reads a job's report from the results stream.
func (s *Source) report(ctx context.Context, seq uint64) (*remote.Result, error) {
	m, err := s.c.Streams().Results.GetMsg(ctx, seq)
	if err != nil {
		return nil, err
	}
	var r remote.Result
	if err := json.Unmarshal(m.Data, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// Job returns one job of a run.
func (s *Source) Job(ctx context.Context, run string, seq int64) (dash.Job, error) {
	page, err := s.Jobs(ctx, run, dash.JobQuery{Offset: seq - 1, Limit: 1})
	if err != nil {
		return dash.Job{}, err
	}
	if seq < 1 || len(page.Jobs) == 0 {
		return dash.Job{}, fmt.Errorf("run %s has no job %d: %w", run, seq, dash.ErrNotFound)
	}
	return page.Jobs[0], nil
}

// StderrTail returns the last max bytes of a finished job's stderr, from
// its report or the object store.
func (s *Source) StderrTail(ctx context.Context, run string, seq int64, max int) ([]byte, error) {
	s.mu.Lock()
	rv, err := s.lookup(run)
	var j jobView
	ok := false
	if err == nil {
		j, ok = rv.jobs[seq]
	}
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if !ok || j.state == dash.JobSkipped {
		return nil, nil
	}
	r, err := s.report(ctx, j.report)
	if err != nil {
		return nil, fmt.Errorf("reading the report of job %d of run %s: %w", seq, run, err)
	}
	b := r.Stderr
	if r.Stored {
		obj, err := s.c.Streams().Output.Get(ctx, remote.JobID(r.Run, r.Seq, r.K)+"/stderr")
		if err != nil {
			return nil, fmt.Errorf("reading the stderr of job %d of run %s: %w", seq, run, err)
		}
		defer obj.Close()
		if b, err = io.ReadAll(obj); err != nil {
			return nil, fmt.Errorf("reading the stderr of job %d of run %s: %w", seq, run, err)
		}
	}
	if len(b) > max {
		b = b[len(b)-max:]
	}
	if len(b) == 0 {
		return nil, nil
	}
	return b, nil
}

// Joblog returns a run's finished jobs in sequence order, each command
// read from its report.
func (s *Source) Joblog(ctx context.Context, run string) iter.Seq2[dash.Job, error] {
	return func(yield func(dash.Job, error) bool) {
		s.mu.Lock()
		rv, err := s.lookup(run)
		var jobs []dash.Job
		var reports []uint64
		if err == nil {
			for _, st := range []dash.JobState{dash.JobDone, dash.JobFailed} {
				for _, seq := range rv.inState(st) {
					jobs = append(jobs, s.job(run, seq, rv, rv.jobs[seq]))
					reports = append(reports, rv.jobs[seq].report)
				}
			}
		}
		s.mu.Unlock()
		if err != nil {
			yield(dash.Job{}, err)
			return
		}
		idx := make([]int, len(jobs))
		for i := range idx {
			idx[i] = i
		}
		slices.SortFunc(idx, func(a, b int) int { return int(jobs[a].Seq - jobs[b].Seq) })
		for _, i := range idx {
			j := jobs[i]
			if j.Command == "" {
				r, err := s.report(ctx, reports[i])
				if err != nil {
					yield(dash.Job{}, fmt.Errorf("reading the report of job %d of run %s: %w", j.Seq, run, err))
					return
				}
				j.Command = r.Cmdline
			}
			if !yield(j, nil) {
				return
			}
		}
	}
}

// Halt writes the run's state (soon or now) in the bucket the workers
// follow, as weft --halt does.
func (s *Source) Halt(ctx context.Context, run string, mode dash.HaltMode) error {
	s.mu.Lock()
	_, err := s.lookup(run)
	s.mu.Unlock()
	if err != nil {
		return err
	}
	if _, err := dash.ParseHaltMode(string(mode)); err != nil {
		return err
	}
	if err := s.c.SetState(ctx, run, string(mode)); err != nil {
		return fmt.Errorf("halting run %s: %w", run, err)
	}
	return nil
}

func cut(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

var (
	_ dash.Source  = (*Source)(nil)
	_ dash.Actions = (*Source)(nil)
)
