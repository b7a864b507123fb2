// Package local runs a run's jobs on this machine: a weft pool of -j
// workers (with --rate and --delay as its start-rate limit), each running
// one job at a time as its own process group. With --pipe and --pipe-part
// a job is a block of the input; with --round-robin and --tee the jobs
// are started at once, each with a stdin of its own (pipe.go).
//
//	status := local.Execute(r) // r from run.New
package local

import (
	"context"
	"sync"

	"github.com/weft-dev/weft/cmd/weft/internal/job"
	"github.com/weft-dev/weft/cmd/weft/internal/run"
	"github.com/weft-dev/weft/pool"
)

// Execute runs the jobs of r here, -j at once, until the input ends or the
// run is stopped, and returns the run's exit status.
func Execute(r *run.Run) int {
	jobs := r.Config().Jobs
	// A few dozen jobs read ahead at least: the reader is woken once for
	// many of them rather than once a job, which counts when jobs are
	// quick (a job waiting in the queue is its arguments, a few bytes).
	queue := max(jobs, readAhead)
	if r.Config().Pipe.Active() {
		queue = 0 // a block waits in the splitter's hands, not in a queue: memory stays at -j+1 blocks
	}
	opts := []pool.Option{pool.WithQueue(queue)}
	lim, err := r.Limiter()
	if err != nil {
		return r.Fail(err)
	}
	if lim != nil {
		opts = append(opts, pool.WithRate(lim))
	}
	p, err := pool.New(jobs, opts...)
	if err != nil {
		return r.Fail(err)
	}
	gate, err := r.Gate(func(n int) { p.Resize(n) })
	if err != nil {
		p.Close()
		return r.Fail(err)
	}
	if gate != nil {
		// --memfree: the youngest job is killed when memory runs low.
		ctx, stop := context.WithCancel(r.Context())
		var wg sync.WaitGroup
		wg.Go(func() { gate.Watch(ctx) })
		defer wg.Wait()
		defer stop()
	}
	r.Start(jobs)
	var inputErr error
	switch x, pc := r.Executor(), r.Config().Pipe; {
	case pc.Tee:
		inputErr = tee(r, x)
	case pc.RoundRobin:
		inputErr = roundRobin(r, x)
	case pc.Active():
		inputErr = feedBlocks(r, p, x)
	default:
		inputErr = feed(r, p, x)
	}
	p.Close()
	outErr := r.Finish()
	switch {
	case inputErr != nil:
		return r.Fail(inputErr)
	case outErr != nil:
		return r.Fail(outErr)
	}
	return r.Status()
}

// readAhead is the fewest jobs read ahead of those running.
const readAhead = 64

// feed reads the jobs and hands them to the pool, until the input ends or
// the run is stopped.
func feed(r *run.Run, p *pool.Pool, x *job.Executor) error {
	for j, err := range r.Jobs() {
		if err != nil {
			return err
		}
		err := p.Go(func() {
			r.Done(r.RunJob(x, j)) // counted, and --halt decided, before this worker takes another job
		})
		if err != nil {
			return nil // stopped
		}
	}
	return nil
}
