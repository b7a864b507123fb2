package pipe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"syscall"
)

// Stopped reports whether err means that a job stopped reading its
// standard input (a write to it failed with EPIPE). GNU parallel ignores
// that: a job may read only what it needs.
func Stopped(err error) bool { return errors.Is(err, syscall.EPIPE) }

// closedErr reports a write that failed because weft closed the writer
// (on cancel).
func closedErr(err error) bool {
	return errors.Is(err, os.ErrClosed) || errors.Is(err, io.ErrClosedPipe)
}

// RoundRobin feeds the blocks of s to at most jobs jobs (--round-robin):
// each job gets one continuous standard input, the header once at its
// start, then whole blocks. Each of the first blocks starts a job, with
// start, and goes to it, until there are jobs of them (fewer blocks, fewer
// jobs; no block, no job).
//
// With ordered (-k), block k goes to job (k-1) mod jobs, so that every run
// over the same input gives each job the same data. Otherwise a later
// block goes to whichever job is ready to take it.
//
// RoundRobin closes every writer start returned before it returns. A job
// that stops reading takes no more blocks: its turn passes to the next.
// If every job has stopped, RoundRobin returns an error that says which
// block was the first not delivered. When ctx is done it closes the
// writers (so that no write waits for a job that does not read) and
// returns ctx's error. It holds at most jobs+1 blocks at once.
func RoundRobin(ctx context.Context, s *Splitter, jobs int, ordered bool, start func(ctx context.Context) (io.WriteCloser, error)) (err error) {
	if jobs < 1 {
		return fmt.Errorf("pipe: round robin needs at least 1 job, got %d", jobs)
	}
	rr := &robin{shared: make(chan *Block), died: make(chan struct{}, jobs)}
	defer func() {
		rr.closeChannels()
		rr.wg.Wait()
		err = errors.Join(err, rr.errs())
	}()
	stop := onCancel(ctx, rr.closeWriters)
	defer stop()

	next := 0 // whose turn it is, when ordered
	for {
		b, err := s.Next(ctx)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if len(rr.jobs) < jobs {
			// A new job for each of the first blocks, which it takes.
			if err := rr.start(ctx, start, ordered, b); err != nil {
				b.Release()
				return err
			}
			next++
			continue
		}
		if ordered {
			err = rr.sendOrdered(ctx, b, &next)
		} else {
			err = rr.sendAny(ctx, b)
		}
		if err != nil {
			b.Release()
			return err
		}
	}
}

type robin struct {
	jobs   []*rrJob    // the dispatcher's; mu guards it for closeWriters
	shared chan *Block // unordered: any job takes from here
	died   chan struct{}
	wg     sync.WaitGroup

	mu        sync.Mutex
	live      int
	failed    []error
	cancelled bool // closeWriters ran
}

type rrJob struct {
	w    io.WriteCloser
	own  chan *Block // ordered: this job's blocks
	gone chan struct{}
	once sync.Once
}

func (j *rrJob) close() { j.once.Do(func() { j.w.Close() }) }

func (rr *robin) start(ctx context.Context, start func(context.Context) (io.WriteCloser, error), ordered bool, first *Block) error {
	w, err := start(ctx)
	if err != nil {
		return fmt.Errorf("pipe: round robin: starting job %d: %w", len(rr.jobs)+1, err)
	}
	j := &rrJob{w: w, gone: make(chan struct{})}
	src := rr.shared
	if ordered {
		j.own = make(chan *Block)
		src = j.own
	}
	rr.mu.Lock()
	rr.jobs = append(rr.jobs, j)
	rr.live++
	if rr.cancelled {
		j.close() // started as ctx ended: its write must not wait either
	}
	rr.mu.Unlock()
	rr.wg.Go(func() { rr.feed(j, first, src) })
	return nil
}

// feed writes a job's first block, then the blocks that come to it, until
// its channel closes or the job stops reading.
func (rr *robin) feed(j *rrJob, first *Block, src <-chan *Block) {
	defer j.close()
	var err error
	if first.rrs != nil {
		_, err = j.w.Write(first.firstOfJob())
	} else {
		_, err = first.WriteTo(j.w) // the header, then the block
	}
	b := first
	for {
		b.Release()
		if err != nil {
			rr.mu.Lock()
			if !Stopped(err) && !closedErr(err) {
				rr.failed = append(rr.failed, fmt.Errorf("pipe: round robin: writing block %d: %w", b.Seq(), err))
			}
			rr.live--
			rr.mu.Unlock()
			close(j.gone)
			rr.died <- struct{}{} // room for every job
			return
		}
		var ok bool
		if b, ok = <-src; !ok {
			return
		}
		_, err = b.writeBody(j.w, 0)
	}
}

func (rr *robin) sendOrdered(ctx context.Context, b *Block, next *int) error {
	for range len(rr.jobs) {
		j := rr.jobs[*next%len(rr.jobs)]
		*next++
		select {
		case j.own <- b:
			return nil
		case <-j.gone: // stopped reading: its turn passes
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return rr.goneErr(b)
}

func (rr *robin) sendAny(ctx context.Context, b *Block) error {
	for {
		rr.mu.Lock()
		live := rr.live
		rr.mu.Unlock()
		if live == 0 {
			return rr.goneErr(b)
		}
		select {
		case rr.shared <- b:
			return nil
		case <-rr.died: // count again
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (rr *robin) goneErr(b *Block) error {
	return fmt.Errorf("pipe: round robin: all %d jobs stopped reading their input; block %d and the rest were not delivered", len(rr.jobs), b.Seq())
}

// closeChannels tells the feeders there is no more input.
func (rr *robin) closeChannels() {
	close(rr.shared)
	for _, j := range rr.jobs {
		if j.own != nil {
			close(j.own)
		}
	}
}

// closeWriters ends every job's input at once, failing a write under way.
func (rr *robin) closeWriters() {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	rr.cancelled = true
	for _, j := range rr.jobs {
		j.close()
	}
}

func (rr *robin) errs() error {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	return errors.Join(rr.failed...)
}
