package pool

// Stats is a snapshot of a pool's state and counters. Every task accepted by
// the pool is, at any moment, exactly one of queued, running, completed or
// dropped: Submitted == Queued + Running + Completed + Dropped.
type Stats struct {
	Workers   int    // the worker limit
	Live      int    // worker goroutines alive now (running or idle)
	Running   int    // tasks running now
	Queued    int    // tasks waiting for a worker
	Submitted uint64 // tasks accepted
	Completed uint64 // tasks that ran to the end, including failed and panicked ones
	Failed    uint64 // completed tasks that returned an error (or called runtime.Goexit)
	Panicked  uint64 // completed tasks that panicked
	Rejected  uint64 // tasks not accepted: pool closed, queue full, context ended, nil task
	Dropped   uint64 // accepted tasks dropped from the queue when the parent context ended
}

// Stats returns a snapshot of the pool's state and counters. A task's
// Future is done a moment before the task counts as completed; after Wait
// returns, the counters include every task it waited for. The counters
// are read one after another, so under load Failed and Panicked may already
// include a task that finishes at that instant and that Completed does not.
func (p *Pool) Stats() Stats {
	s := p.e.Stats()
	return Stats{
		Workers:   s.Workers,
		Live:      s.Live,
		Running:   s.Running,
		Queued:    s.Queued,
		Submitted: s.Submitted,
		Completed: s.Completed,
		Failed:    p.failed.Load(),
		Panicked:  p.panicked.Load(),
		Rejected:  s.Rejected + p.refused.Load(),
		Dropped:   s.Dropped,
	}
}
