package local

import (
	"context"
	"io"
	"os"
	"sync"

	"github.com/weft-dev/weft/cmd/weft/internal/job"
	"github.com/weft-dev/weft/cmd/weft/internal/pipe"
	"github.com/weft-dev/weft/cmd/weft/internal/run"
	"github.com/weft-dev/weft/pool"
)

// feedBlocks hands one job per block to the pool (--pipe, --pipe-part),
// until the input ends or the run is stopped. The pool has no queue: a
// block is read while the jobs run, and waits until a worker is free, so
// that -j+1 blocks are held at once.
func feedBlocks(r *run.Run, p *pool.Pool, x *job.Executor) error {
	s := r.Blocks()
	for {
		b, err := s.Next(r.Context())
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if r.Context().Err() != nil {
				return nil // stopped
			}
			return err
		}
		if r.Stopping() {
			b.Release()
			return nil
		}
		if err := p.Go(func() { r.Done(r.RunBlock(x, b)) }); err != nil {
			b.Release()
			return nil // stopped
		}
	}
}

// roundRobin runs at most -j jobs, each reading many blocks on one stdin
// (--round-robin), and returns once every one has ended.
func roundRobin(r *run.Run, x *job.Executor) error {
	c := r.Config()
	var (
		wg  sync.WaitGroup
		seq int64
	)
	start := func(ctx context.Context) (io.WriteCloser, error) {
		rd, w, err := pipe.JobStdin()
		if err != nil {
			return nil, err
		}
		seq++
		n := seq
		wg.Go(func() {
			defer rd.Close() // a job skipped never takes it
			r.Done(r.RunJobStdin(x, n, nil, func() (*os.File, func(), error) { return rd, nil, nil }))
		})
		return w, nil
	}
	err := pipe.RoundRobin(r.Context(), r.Blocks(), c.Jobs, c.Keep, start)
	wg.Wait()
	if r.Context().Err() != nil {
		return nil // stopped
	}
	return err
}

// tee runs one job per value, all at once, each reading all of stdin
// (--tee), and returns once every one has ended.
func tee(r *run.Run, x *job.Executor) error {
	jobs, err := r.TeeJobs()
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	ws := make([]io.WriteCloser, 0, len(jobs))
	for _, j := range jobs {
		rd, w, err := pipe.JobStdin()
		if err != nil {
			for _, w := range ws {
				w.Close()
			}
			wg.Wait()
			return err
		}
		ws = append(ws, w)
		wg.Go(func() {
			defer rd.Close()
			r.Done(r.RunJobStdin(x, j.Seq, j.Args, func() (*os.File, func(), error) { return rd, nil, nil }))
		})
	}
	err = pipe.Tee(r.Context(), r.TeeData(), ws)
	wg.Wait()
	if r.Context().Err() != nil {
		return nil // stopped
	}
	return err
}
