package pipe

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// WithTempFile gives a job its block as a file (--cat): it writes b to a
// new file in dir (os.TempDir() if dir is ""), calls run with the file's
// name (what {} stands for), and removes the file when run returns, panics
// included. A block held in a file is copied by the kernel (sendfile(2)),
// not through weft's memory. run is not called if writing fails or ctx is
// done first.
func WithTempFile(ctx context.Context, dir string, b *Block, run func(name string) error) error {
	f, err := os.CreateTemp(dir, "weft-cat-*")
	if err != nil {
		return fmt.Errorf("pipe: --cat: %w", err)
	}
	name := f.Name()
	defer os.Remove(name)
	_, werr := b.WriteTo(f)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return fmt.Errorf("pipe: --cat: writing block %d to %s: %w", b.Seq(), name, werr)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return run(name)
}

// WithFifo gives a job its block through a named pipe (--fifo): it makes a
// FIFO in a new directory in dir (os.TempDir() if dir is ""), calls run
// with the FIFO's name (what {} stands for) while it writes b into the FIFO
// as soon as the job opens it, and removes both when run returns, panics
// included.
//
// run must return once the job has ended. A job that ends without opening
// the FIFO, or without reading all of it, is no error: the writing stops
// (GNU parallel would wait forever for the first). When ctx is done the
// writing stops too.
func WithFifo(ctx context.Context, dir string, b *Block, run func(name string) error) error {
	d, err := os.MkdirTemp(dir, "weft-fifo-*")
	if err != nil {
		return fmt.Errorf("pipe: --fifo: %w", err)
	}
	defer os.RemoveAll(d)
	name := filepath.Join(d, "fifo")
	if err := mkfifo(name); err != nil {
		return fmt.Errorf("pipe: --fifo: %w", err)
	}

	feedCtx, cancel := context.WithCancel(ctx)
	fed := make(chan error, 1)
	go func() { fed <- feedFifo(feedCtx, name, b) }()
	waited := false
	defer func() {
		if !waited { // run panicked: the writer must not outlive the FIFO
			cancel()
			<-fed
		}
	}()
	rerr := run(name)
	cancel()
	ferr := <-fed
	waited = true
	if ferr != nil {
		ferr = fmt.Errorf("pipe: --fifo: writing block %d: %w", b.Seq(), ferr)
	}
	return errors.Join(rerr, ferr)
}

// feedFifo opens the FIFO for writing, which waits until a reader opens it,
// and writes b. When ctx is done it unblocks the open by opening the FIFO
// for reading itself, and closes what it opened, so that it returns.
func feedFifo(ctx context.Context, name string, b *Block) error {
	var (
		mu     sync.Mutex
		w      *os.File
		opened = make(chan struct{})
	)
	stop := onCancel(ctx, func() {
		// A reader of our own lets the open return. It stays open until
		// the open has returned, so that an open that begins after this
		// one returns at once too.
		if r, err := openReadNonblock(name); err == nil {
			<-opened
			r.Close()
		}
		mu.Lock()
		if w != nil {
			w.Close() // fails a write that waits for a job that does not read
		}
		mu.Unlock()
	})
	defer stop()

	f, err := os.OpenFile(name, os.O_WRONLY, 0)
	close(opened)
	if err != nil {
		return err
	}
	mu.Lock()
	w = f
	mu.Unlock()
	defer f.Close()
	if ctx.Err() != nil {
		return nil // the job ended, or the run stops: nobody reads
	}
	if _, err := b.WriteTo(f); err != nil && !Stopped(err) && !closedErr(err) {
		return err
	}
	return nil
}
