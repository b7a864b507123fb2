package pipe

import (
	"bytes"
	"errors"
	"io"
	"os"
	"sync"
	"sync/atomic"
)

// errReleased is returned by a Block used after Release.
var errReleased = errors.New("pipe: block used after Release")

// Block is one job's share of the input: the header (if any) followed by a
// run of whole records. Its body is either bytes held in memory or a range
// of a regular file, which WriteTo hands to the kernel without copying it
// through user space.
//
// A Block belongs to one goroutine at a time; it must be released with
// Release once written, so that its memory serves a later block.
type Block struct {
	seq    int
	header []byte
	body   []byte   // in memory, or
	file   *os.File // a range of a file
	off, n int64

	pos      int64   // Read's position in header+body
	buf      *buffer // the memory body lives in, nil for a file range
	rrs      *spec   // separators still to remove from body (--rrs)
	released bool
}

// removeSeps applies --rrs to the body, once.
func (b *Block) removeSeps() {
	if b.rrs != nil {
		b.body = removeRecSep(b.rrs, b.body)
		b.rrs = nil
	}
}

// firstOfJob returns what a round-robin job reads first when --rrs is on:
// GNU parallel removes the separators from the header and the block
// together, the header's included.
func (b *Block) firstOfJob() []byte {
	return removeRecSep(b.rrs, append(bytes.Clone(b.header), b.body...))
}

// Seq is the block's number, from 1 in input order: the order -k prints
// the jobs' output in.
func (b *Block) Seq() int { return b.seq }

// Len is the number of bytes the block holds, header included.
func (b *Block) Len() int64 {
	b.removeSeps()
	return int64(len(b.header)) + b.bodyLen()
}

func (b *Block) bodyLen() int64 {
	if b.file != nil {
		return b.n
	}
	return int64(len(b.body))
}

// Read reads the block, header first, so that a Block can be a job's
// io.Reader (exec.Cmd's Stdin, which then uses WriteTo).
func (b *Block) Read(p []byte) (int, error) {
	if b.released {
		return 0, errReleased
	}
	b.removeSeps()
	h := int64(len(b.header))
	if b.pos < h {
		n := copy(p, b.header[b.pos:])
		b.pos += int64(n)
		return n, nil
	}
	at := b.pos - h
	if at >= b.bodyLen() {
		return 0, io.EOF
	}
	var n int
	var err error
	if b.file != nil {
		if rest := b.n - at; int64(len(p)) > rest {
			p = p[:rest]
		}
		n, err = b.file.ReadAt(p, b.off+at)
		if err == io.EOF && n > 0 {
			err = nil
		} else if err == io.EOF {
			err = io.ErrUnexpectedEOF // the file shrank under us
		}
	} else {
		n = copy(p, b.body[at:])
	}
	b.pos += int64(n)
	return n, err
}

// WriteTo writes what Read has not yet read of the block to w. A body held
// in a file goes to a pipe with splice(2), to a regular file with
// copy_file_range(2): the kernel moves it, weft's memory never holds it.
// A job that stops reading its input makes WriteTo return an error that
// matches syscall.EPIPE.
func (b *Block) WriteTo(w io.Writer) (int64, error) {
	if b.released {
		return 0, errReleased
	}
	b.removeSeps()
	var total int64
	h := int64(len(b.header))
	if b.pos < h {
		n, err := w.Write(b.header[b.pos:])
		total += int64(n)
		b.pos += int64(n)
		if err != nil {
			return total, err
		}
	}
	n, err := b.writeBody(w, b.pos-h)
	total += n
	b.pos += n
	return total, err
}

// writeBody writes the body from offset at on.
func (b *Block) writeBody(w io.Writer, at int64) (int64, error) {
	b.removeSeps()
	if b.file == nil {
		if at >= int64(len(b.body)) {
			return 0, nil
		}
		n, err := w.Write(b.body[at:])
		return int64(n), err
	}
	if at >= b.n {
		return 0, nil
	}
	return copyRange(w, b.file, b.off+at, b.n-at)
}

// Rewind makes the block's next Read or WriteTo start again from its
// beginning, for a job that is run again (--retries).
func (b *Block) Rewind() { b.pos = 0 }

// Release gives the block's memory back for later blocks. The block must
// not be used afterwards; releasing twice does nothing.
func (b *Block) Release() {
	if b.released {
		return
	}
	b.released = true
	b.body, b.header = nil, nil
	if b.buf != nil {
		b.buf.release()
		b.buf = nil
	}
}

// buffer is memory that blocks share: a block holds a reference to the
// buffer its body lies in, and the buffer goes back to its pool when the
// last reference is dropped.
type buffer struct {
	b    []byte
	refs atomic.Int32
	pool *bufPool
}

func (b *buffer) retain() { b.refs.Add(1) }

func (b *buffer) release() {
	if b.refs.Add(-1) == 0 {
		b.pool.put(b)
	}
}

// bufPool recycles buffers: at most as many exist as blocks are held at
// once, plus the one being filled.
type bufPool struct {
	mu   sync.Mutex
	free []*buffer
	// allocated counts the bytes of every buffer made, for tests.
	allocated atomic.Int64
}

// get returns a buffer of capacity at least n, holding one reference.
func (p *bufPool) get(n int) *buffer {
	p.mu.Lock()
	for len(p.free) > 0 {
		b := p.free[len(p.free)-1]
		p.free = p.free[:len(p.free)-1]
		if cap(b.b) >= n {
			p.mu.Unlock()
			b.refs.Store(1)
			return b
		}
		// Too small since the block grew: let it go.
	}
	p.mu.Unlock()
	p.allocated.Add(int64(n))
	b := &buffer{b: make([]byte, n), pool: p}
	b.refs.Store(1)
	return b
}

func (p *bufPool) put(b *buffer) {
	p.mu.Lock()
	p.free = append(p.free, b)
	p.mu.Unlock()
}

// drop forgets the free buffers.
func (p *bufPool) drop() {
	p.mu.Lock()
	p.free = nil
	p.mu.Unlock()
}
