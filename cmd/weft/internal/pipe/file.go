package pipe

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
)

// searchWindow is how much of a file one pread looks at while searching
// for a record boundary.
const searchWindow = 64 << 10

// fileEngine is bufEngine's pass for a regular file, without reading the
// blocks: it keeps only the file offsets GNU parallel's buffer would cover,
// and reads the few bytes near a block's end that the last boundary is
// in. Blocks are ranges of the file.
type fileEngine struct {
	sp     *spec
	f      *os.File
	start  int64 // where the input began in the file
	pos    int64 // the pending input is [pos, end)
	end    int64
	size   int64
	block  int64
	clean  int64 // no boundary starts in [pos, clean)
	header []byte
	seq    int

	headerDone, done bool
	win              []byte
}

func newFileEngine(sp *spec, f *os.File, start, size int64) *fileEngine {
	return &fileEngine{sp: sp, f: f, start: start, pos: start, end: start, clean: start, size: size, block: sp.block}
}

func (e *fileEngine) next(ctx context.Context) (*Block, error) {
	if e.done {
		return nil, io.EOF
	}
	if !e.headerDone {
		h, n, err := readHeader(e.sp, e.f, e.start, e.size, e.block)
		if err != nil {
			return nil, err
		}
		e.header, e.headerDone = h, true
		e.pos, e.clean = e.start+int64(len(h)), e.start+int64(len(h))
		e.end = e.start + n
	}
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		have := e.end - e.pos
		target := (have/e.block + 1) * e.block
		if e.pos+target > e.size {
			// The read would not fill the buffer: the rest is the last block.
			e.done = true
			e.f.Seek(e.size, io.SeekStart) // as if read to the end
			if e.size > e.pos {
				return e.emit(e.size), nil
			}
			return nil, io.EOF
		}
		e.end = e.pos + target
		cut, err := e.lastBoundary()
		if err != nil {
			return nil, err
		}
		if cut > e.pos {
			return e.emit(cut), nil
		}
		if e.sp.timeout == 0 {
			e.block = grow(e.sp, e.block)
		}
	}
}

func (e *fileEngine) emit(cut int64) *Block {
	e.seq++
	b := &Block{seq: e.seq, header: e.header, file: e.f, off: e.pos, n: cut - e.pos}
	e.pos, e.clean = cut, cut
	return b
}

// lastBoundary returns where the block [pos, end) ends: after the RecEnd
// of the last RecEnd+RecStart in it, or pos if there is none (or only one
// at pos that ends nothing).
func (e *fileEngine) lastBoundary() (int64, error) {
	sep := e.sp.sep
	if len(sep) == 0 {
		return e.end, nil
	}
	i, err := e.lastIndex(max(e.pos, e.clean), e.end)
	if err != nil {
		return 0, err
	}
	if i < 0 {
		e.clean = max(e.pos, e.end-int64(len(sep))+1)
		return e.pos, nil
	}
	return i + int64(len(e.sp.end)), nil
}

// lastIndex finds the last separator that starts at or after from and
// ends by to, reading backwards a window at a time; -1 if there is none.
func (e *fileEngine) lastIndex(from, to int64) (int64, error) {
	sep := e.sp.sep
	w := max(searchWindow, 2*len(sep))
	if len(e.win) < w {
		e.win = make([]byte, w)
	}
	hi := to
	for hi-from >= int64(len(sep)) {
		lo := max(from, hi-int64(w))
		buf := e.win[:hi-lo]
		if _, err := e.f.ReadAt(buf, lo); err != nil {
			return 0, readErr(err)
		}
		if j := bytes.LastIndex(buf, sep); j >= 0 {
			return lo + int64(j), nil
		}
		if lo == from {
			break
		}
		hi = lo + int64(len(sep)) - 1 // a separator may straddle the edge
	}
	return -1, nil
}

func (e *fileEngine) close() {
	if !e.done {
		e.f.Seek(e.pos, io.SeekStart) // the input consumed so far
	}
}

func readErr(err error) error {
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("pipe: reading the input file (did it shrink?): %w", err)
}

// readHeader does what bufEngine.findHeader does, with preads from start:
// it returns the header and how many bytes GNU parallel would have read.
func readHeader(sp *spec, f *os.File, start, size, block int64) ([]byte, int64, error) {
	if sp.header == nil {
		return nil, 0, nil
	}
	var acc []byte
	for {
		n := min(block, size-start-int64(len(acc)))
		if n <= 0 {
			return nil, int64(len(acc)), nil
		}
		at := len(acc)
		acc = append(acc, make([]byte, n)...)
		if _, err := f.ReadAt(acc[at:], start+int64(at)); err != nil {
			return nil, 0, readErr(err)
		}
		if m := sp.header.FindIndex(acc); m != nil {
			return bytes.Clone(acc[:m[1]]), int64(len(acc)), nil
		}
		if int64(len(acc)) > max(maxHeaderSearch, block) {
			return nil, 0, fmt.Errorf("pipe: --header matched nothing in the first %d bytes of input (it must match at the start of the input)", len(acc))
		}
	}
}
