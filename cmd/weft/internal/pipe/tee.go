package pipe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
)

// teeChunk is how much of a streamed input Tee reads at a time.
const teeChunk = 256 << 10

// Tee copies all of src to every writer (--tee), then closes them. The
// writers are written at the same time, each at its own pace, but a chunk
// is read only once every writer has taken the one before: the slowest job
// sets the pace, and memory stays at two chunks. When src is a regular
// file, each writer gets the file from the current offset on by splice(2)
// instead, and no data goes through weft's memory.
//
// A job that stops reading its input is left out from then on (GNU
// parallel's tee ignores a closed pipe too). When ctx is done Tee closes
// the writers (so that no write waits for a job that does not read) and
// returns ctx's error; writers must allow Close during Write, as *os.File
// does.
func Tee(ctx context.Context, src io.Reader, ws []io.WriteCloser) (err error) {
	outs := make([]*teeOut, len(ws))
	for i, w := range ws {
		outs[i] = &teeOut{w: w}
	}
	stop := onCancel(ctx, func() {
		for _, o := range outs {
			o.close()
		}
	})
	defer func() {
		stop()
		for _, o := range outs {
			o.close()
		}
		err = errors.Join(err, teeErrs(outs))
	}()

	if f, ok := src.(*os.File); ok {
		if st, serr := f.Stat(); serr == nil && st.Mode().IsRegular() {
			if off, serr := f.Seek(0, io.SeekCurrent); serr == nil {
				var wg sync.WaitGroup
				for _, o := range outs {
					wg.Go(func() {
						_, err := copyRange(o.w, f, off, st.Size()-off)
						o.fail(err)
					})
				}
				wg.Wait()
				f.Seek(st.Size(), io.SeekStart)
				return ctx.Err()
			}
		}
	}

	var wg sync.WaitGroup
	bufs := [2][]byte{make([]byte, teeChunk), make([]byte, teeChunk)}
	for turn := 0; ; turn++ {
		buf := bufs[turn%2]
		n, rerr := io.ReadFull(src, buf)
		wg.Wait() // every writer has taken the chunk before
		if err := ctx.Err(); err != nil {
			return err
		}
		if n > 0 {
			for _, o := range outs {
				if o.done() {
					continue
				}
				wg.Go(func() {
					_, err := o.w.Write(buf[:n])
					o.fail(err)
				})
			}
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			wg.Wait()
			return ctx.Err()
		}
		if rerr != nil {
			wg.Wait()
			return fmt.Errorf("pipe: --tee: reading the input: %w", rerr)
		}
	}
}

type teeOut struct {
	w    io.WriteCloser
	once sync.Once
	mu   sync.Mutex
	err  error // the write that failed, nil for a job that stopped reading
	dead bool
}

func (o *teeOut) close() { o.once.Do(func() { o.w.Close() }) }

func (o *teeOut) fail(err error) {
	if err == nil {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.dead = true
	if !Stopped(err) && !closedErr(err) {
		o.err = err
	}
}

func (o *teeOut) done() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.dead
}

func teeErrs(outs []*teeOut) error {
	var errs []error
	for i, o := range outs {
		if o.err != nil {
			errs = append(errs, fmt.Errorf("pipe: --tee: writing to job %d: %w", i+1, o.err))
		}
	}
	return errors.Join(errs...)
}
