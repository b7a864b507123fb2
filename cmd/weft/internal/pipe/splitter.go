package pipe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"sync"
	"time"
)

// ErrClosed is returned by Next after Close.
var ErrClosed = errors.New("pipe: splitter closed")

// maxHeaderSearch bounds the input read while looking for a --header that
// does not match: GNU parallel would read the whole input.
const maxHeaderSearch = 64 << 20

// Splitter cuts an input into blocks, as GNU parallel's --pipe (NewSplitter)
// or --pipe-part (NewPartSplitter) does.
//
// Next is not safe for concurrent use; the blocks it returns may be written
// and released from any goroutine.
type Splitter struct {
	eng    engine
	err    error // sticky
	closed bool
}

type engine interface {
	next(ctx context.Context) (*Block, error)
	close()
}

// deadliner is a source whose reads can time out: a pollable *os.File or a
// net.Conn.
type deadliner interface {
	SetReadDeadline(t time.Time) error
}

// NewSplitter returns a Splitter that reads src as GNU parallel's --pipe
// reads its standard input.
//
// When src is a regular file and the records are fixed strings (no
// --regexp, -N, -L, --rrs or -r), the blocks are ranges of the file: finding
// a boundary reads a few bytes near the end of each block, and WriteTo
// splices the rest, so memory stays small whatever the block size.
// Otherwise each block is read into memory: a block holds about
// Options.Block bytes (more for a record longer than that), and the memory
// of the blocks released is reused, so that a run holds about as many
// blocks as it has jobs writing, plus one.
func NewSplitter(src io.Reader, opts Options) (*Splitter, error) {
	sp, err := opts.compile()
	if err != nil {
		return nil, err
	}
	if f, ok := src.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			if start, err := f.Seek(0, io.SeekCurrent); err == nil {
				size := st.Size()
				if sp.block < 0 {
					sp.block = 1 + (size-start)/int64(sp.slots)/(-sp.block)
				}
				if sp.fixed && sp.records == 0 && sp.lines == 0 && !sp.rrs && !sp.skip {
					return &Splitter{eng: newFileEngine(sp, f, start, size)}, nil
				}
				return &Splitter{eng: newBufEngine(sp, f, nil)}, nil
			}
		}
	}
	if sp.block < 0 {
		return nil, fmt.Errorf("pipe: --block %d (blocks per job slot) needs the input's size: give a regular file as input (< FILE), or use --pipe-part -a FILE, or a positive --block", sp.block)
	}
	var dl deadliner
	if d, ok := src.(deadliner); ok {
		dl = d
	}
	if sp.timeout > 0 && dl == nil {
		return nil, fmt.Errorf("pipe: --block-timeout needs an input whose reads can time out, got a %T (see Pollable)", src)
	}
	return &Splitter{eng: newBufEngine(sp, src, dl)}, nil
}

// Next returns the next block, or io.EOF after the last one. An empty input
// gives no block at all.
//
// Next blocks while it reads the input. When ctx is done Next returns its
// error, at once if the input has read deadlines (see Pollable), otherwise
// when the read under way returns. After any error, Next returns the same
// error again.
func (s *Splitter) Next(ctx context.Context) (*Block, error) {
	if s.err != nil {
		return nil, s.err
	}
	if err := ctx.Err(); err != nil {
		s.err = err
		return nil, err
	}
	b, err := s.eng.next(ctx)
	if err != nil {
		s.err = err
	}
	return b, err
}

// Close stops the splitter and lets its memory go; blocks already returned
// stay valid until they are released. Close does not close the input.
func (s *Splitter) Close() error {
	if !s.closed {
		s.closed = true
		s.eng.close()
		if s.err == nil || s.err == io.EOF {
			s.err = ErrClosed
		}
	}
	return nil
}

// bufEngine reproduces GNU parallel's --pipe loop on blocks read into
// memory. Each round reads the buffer up to a whole number of block sizes,
// passes on what the options say (all but a trailing partial record, or so
// many records), and keeps the rest for the next round.
type bufEngine struct {
	sp   *spec
	src  io.Reader
	dl   deadliner // nil when src has no deadlines
	pool *bufPool
	size int64 // the block size, which grows for records longer than it

	cur    *buffer // the pending input is cur.b[lo:hi]
	lo, hi int

	srcEOF     bool // src said EOF: never read it again
	eof        bool // the last round's read did not fill the buffer
	headerDone bool
	header     []byte
	garbage    bool // -N --regexp looked for text before the first record
	seq        int
	out        []*Block // blocks of the last round, handed out one by one
	done       bool

	mu          sync.Mutex
	interrupted bool // ctx ended while reading
}

func newBufEngine(sp *spec, src io.Reader, dl deadliner) *bufEngine {
	e := &bufEngine{sp: sp, src: src, dl: dl, pool: &bufPool{}, size: sp.block}
	e.cur = e.pool.get(0)
	return e
}

func (e *bufEngine) next(ctx context.Context) (*Block, error) {
	for len(e.out) == 0 {
		if e.done {
			return nil, io.EOF
		}
		if err := e.roundCtx(ctx); err != nil {
			return nil, err
		}
	}
	b := e.out[0]
	e.out[0] = nil
	e.out = e.out[1:]
	return b, nil
}

// roundCtx runs one round, with ctx able to interrupt a read when the
// source has deadlines.
func (e *bufEngine) roundCtx(ctx context.Context) error {
	if e.dl == nil || ctx.Done() == nil {
		return e.round(ctx)
	}
	stop := onCancel(ctx, func() {
		e.mu.Lock()
		e.interrupted = true
		e.dl.SetReadDeadline(time.Unix(1, 0))
		e.mu.Unlock()
	})
	err := e.round(ctx)
	if stop() && err == nil {
		err = ctx.Err()
	}
	return err
}

// onCancel calls f in a goroutine of its own if ctx is done before stop
// is called. stop reports whether f was called, and returns only after f
// has, so that nothing outlives the caller.
func onCancel(ctx context.Context, f func()) (stop func() bool) {
	done := make(chan struct{})
	cancelStop := context.AfterFunc(ctx, func() {
		defer close(done)
		f()
	})
	return func() bool {
		if cancelStop() {
			return false
		}
		<-done
		return true
	}
}

func (e *bufEngine) close() {
	for _, b := range e.out {
		b.Release()
	}
	e.out = nil
	if e.cur != nil {
		e.cur.release()
		e.cur = nil
	}
	e.pool.drop()
}

// round is one turn of GNU parallel's loop.
func (e *bufEngine) round(ctx context.Context) error {
	if !e.headerDone {
		if err := e.findHeader(ctx); err != nil {
			return err
		}
		e.headerDone = true
	}
	if err := e.readBlock(ctx); err != nil {
		return err
	}
	sp := e.sp
	if sp.skip {
		e.hi = e.lo + dropBlank(e.cur.b[e.lo:e.hi])
		if e.hi == e.lo {
			e.done = e.eof
			return nil
		}
	}
	var written int
	switch {
	case sp.lines > 0 && sp.records == 0:
		written = e.passLines()
	case !sp.fixed && sp.records > 0:
		written = e.passRegexpRecords()
	case !sp.fixed:
		written = e.passRegexp()
	case sp.records > 0:
		written = e.passRecords()
	default:
		written = e.pass()
	}
	if e.eof {
		e.emit(e.hi - e.lo) // whatever is left, boundary or not
		e.done = true
		return nil
	}
	if written == 0 && sp.timeout == 0 {
		e.size = grow(sp, e.size)
	}
	return nil
}

// grow is GNU parallel's answer to a block that holds no whole record: 30%
// more, up to 2 GiB.
func grow(sp *spec, size int64) int64 {
	if size >= maxGrowth {
		return size
	}
	n := min(int64(math.Ceil(float64(size)*1.3+1)), maxGrowth)
	if sp.warn != nil {
		sp.warn(fmt.Sprintf("a record is longer than the block size (%d bytes): the block grows to %d bytes", size, n))
	}
	return n
}

func (e *bufEngine) pending() []byte { return e.cur.b[e.lo:e.hi] }

// emit passes on the first n pending bytes as a block; it returns the
// number of blocks made (0 for n == 0, as GNU parallel starts no job for
// nothing).
func (e *bufEngine) emit(n int) int {
	if n <= 0 {
		return 0
	}
	b := &Block{seq: e.seq + 1, header: e.header, body: e.cur.b[e.lo : e.lo+n], buf: e.cur}
	if e.sp.rrs {
		b.rrs = e.sp // applied when the block is first used
	}
	e.cur.retain()
	e.seq++
	e.out = append(e.out, b)
	e.lo += n
	return 1
}

// firstChunk is the room a round starts with: the buffer grows toward the
// block size as input arrives, so a small input never costs a whole block.
const firstChunk = 256 << 10

// reserve moves the pending bytes to the start of a buffer with room for
// want bytes in all, or firstChunk more than pending if that is less.
func (e *bufEngine) reserve(want int) {
	have := e.hi - e.lo
	want = min(want, have+firstChunk)
	if e.lo == 0 && cap(e.cur.b) >= want {
		return
	}
	if e.cur.refs.Load() == 1 && cap(e.cur.b) >= want {
		copy(e.cur.b, e.cur.b[e.lo:e.hi]) // no block uses this buffer
		e.lo, e.hi = 0, have
		return
	}
	e.move(want)
}

// move puts the pending bytes at the start of a buffer of capacity at least
// n from the pool.
func (e *bufEngine) move(n int) {
	have := e.hi - e.lo
	nb := e.pool.get(n)
	nb.b = nb.b[:cap(nb.b)]
	copy(nb.b, e.cur.b[e.lo:e.hi])
	e.cur.release()
	e.cur = nb
	e.lo, e.hi = 0, have
}

// fill reads into the buffer up to index limit, growing it as needed,
// until src ends or its read deadline passes; timedOut says the latter.
func (e *bufEngine) fill(ctx context.Context, limit int) (timedOut bool, err error) {
	for e.hi < limit && !e.srcEOF {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		if e.hi == len(e.cur.b) {
			shift := e.lo
			e.move(min(limit, 2*len(e.cur.b)) - shift)
			limit -= shift
		}
		n, err := e.src.Read(e.cur.b[e.hi:min(limit, len(e.cur.b))])
		e.hi += n
		switch {
		case err == io.EOF:
			e.srcEOF = true
		case errors.Is(err, os.ErrDeadlineExceeded):
			e.mu.Lock()
			stopped := e.interrupted
			e.mu.Unlock()
			if stopped {
				return false, ctx.Err()
			}
			return true, nil
		case err != nil:
			return false, fmt.Errorf("pipe: reading the input: %w", err)
		}
	}
	return false, nil
}

func (e *bufEngine) setDeadline(t time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.interrupted {
		e.dl.SetReadDeadline(t)
	}
}

// readBlock reads until the pending input is a whole number of block
// sizes (one, unless a long record made it more), or the input ends, or
// --block-timeout passes.
func (e *bufEngine) readBlock(ctx context.Context) error {
	have := int64(e.hi - e.lo)
	target := (have/e.size + 1) * e.size
	e.reserve(int(target))
	timed := e.sp.timeout > 0 && e.dl != nil
	if timed {
		e.setDeadline(time.Now().Add(e.sp.timeout))
	}
	timedOut, err := e.fill(ctx, int(target))
	if timed {
		e.setDeadline(time.Time{})
	}
	if err != nil {
		return err
	}
	e.eof = e.hi < int(target) && !timedOut
	return nil
}

// findHeader reads a block at a time until the header matches the start of
// the input; with no match, the header is empty and what was read stays.
func (e *bufEngine) findHeader(ctx context.Context) error {
	if e.sp.header == nil {
		return nil
	}
	for !e.srcEOF {
		before := e.hi
		e.reserve(e.hi - e.lo + int(e.size))
		if _, err := e.fill(ctx, e.hi+int(e.size)); err != nil {
			return err
		}
		if e.hi == before {
			break
		}
		if m := e.sp.header.FindIndex(e.pending()); m != nil {
			e.header = append([]byte(nil), e.pending()[:m[1]]...)
			e.lo += m[1]
			return nil
		}
		if e.hi-e.lo > max(maxHeaderSearch, int(e.size)) {
			return fmt.Errorf("pipe: --header matched nothing in the first %d bytes of input (it must match at the start of the input)", e.hi-e.lo)
		}
	}
	return nil
}

// pass passes on everything up to the last record boundary.
func (e *bufEngine) pass() int {
	if e.eof {
		return 0
	}
	i := lastIndex(e.pending(), e.sp.sep)
	if i < 0 {
		return 0
	}
	return e.emit(i + len(e.sp.end))
}

// passRecords passes on blocks of -N records (times -L) while the buffer
// holds that many.
func (e *bufEngine) passRecords() int {
	want := e.sp.records * max(e.sp.lines, 1)
	n := 0
	for {
		p := e.pending()
		i := nthIndex(p, e.sp.sep, want)
		if i == -1 || len(p) == 0 {
			return n
		}
		n += e.emit(i + len(e.sp.end))
	}
}

// passLines passes on everything up to the last newline that ends a
// multiple of -L lines (whatever --recend says, as GNU parallel does).
func (e *bufEngine) passLines() int {
	p := e.pending()
	lines := countNewlines(p)
	last := lastNewlineAt(p, len(p))
	for lines%e.sp.lines != 0 {
		lines--
		last = lastNewlineAt(p, last-1)
	}
	return e.emit(last + 1)
}

// passRegexp passes on everything up to the last place where --recend
// matches and --recstart matches right after it.
func (e *bufEngine) passRegexp() int {
	if e.eof {
		return 0
	}
	return e.emit(lastRegexpBoundary(e.sp.reLast, e.pending()))
}

// lastRegexpBoundary returns where the last --recend that --recstart
// follows ends in p, or 0. It is GNU parallel's greedy
// /^((?s:.)*$recend)$recstart/ over p, run over windows at the end of p
// that grow until they hold the answer: Go's regexp engine costs the same
// for every byte it looks at, wherever the match is. A match that starts
// inside a window, not at its first byte, has all the context a match in
// the whole of p would have; one at the first byte might not (^ or \b
// look before it), so the window grows again.
func lastRegexpBoundary(re *regexp.Regexp, p []byte) int {
	for w := 4 << 10; ; w *= 4 {
		k := max(0, len(p)-w)
		m := re.FindSubmatchIndex(p[k:])
		if k == 0 {
			if m == nil {
				return 0
			}
			return m[3]
		}
		if m != nil && m[4] > 0 {
			return k + m[3]
		}
	}
}

// passRegexpRecords passes on blocks of -N records matched by regexps.
// The first time, text before the first --recstart is a block of its own.
func (e *bufEngine) passRegexpRecords() int {
	sp := e.sp
	n := 0
	if !e.garbage {
		e.garbage = true
		p := e.pending()
		if !sp.reStartP.Match(p) {
			if m := sp.reNext.FindSubmatchIndex(p); m != nil && m[3] > 0 {
				n += e.emit(m[3])
			}
		}
	}
	want := sp.records * max(sp.lines, 1)
	for {
		p := e.pending()
		pos := 0
		for range want {
			m := sp.reStartM.FindIndex(p[pos:])
			if m == nil {
				return n
			}
			pos += m[1]
			mm := sp.reNext.FindSubmatchIndex(p[pos:])
			if mm == nil {
				return n
			}
			pos += mm[3]
		}
		if pos == 0 {
			return n
		}
		n += e.emit(pos)
	}
}
