package perlexpr

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// The protocol between an Evaluator and its perl process (helper.pl). Every
// frame, both ways, is a 4-byte big-endian length n and n bytes; every
// integer is big-endian; a string is a uint32 length and its bytes, so any
// byte (NUL, newline, quotes, invalid UTF-8) travels as it is.
//
//	to perl, first frame:  uint32 count, count × string (code)
//	reply:                 byte 0                        all compiled
//	                       byte 1, uint32 i, string msg  expression i does not compile
//	to perl, per job:      int64 seq, int64 total (0: unknown), uint32 slot,
//	                       uint32 nargs, uint32 ncalls,
//	                       ncalls × (uint32 expr, uint32 arg), nargs × string
//	reply, in order:       byte 0, byte skip, ncalls × (byte flags, string value)
//	                       byte 1, byte 0, uint32 k, string msg   call k died
//
// flags bit 0 is set when the expression called uq(). Perl evaluates each
// (expr, arg) pair of a frame once and repeats its value.

// maxFrame bounds a frame: a command line is far smaller, so a larger
// length means the stream is broken.
const maxFrame = 1 << 30

var errFrame = errors.New("malformed reply from perl")

func appendString(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

// beginFrame reserves the length of a frame that starts at len(b);
// endFrame fills it in.
func beginFrame(b []byte) ([]byte, int) { return append(b, 0, 0, 0, 0), len(b) }

func endFrame(b []byte, start int) ([]byte, error) {
	n := len(b) - start - 4
	if n > maxFrame {
		return nil, fmt.Errorf("perlexpr: a job of %d bytes is too large", n)
	}
	binary.BigEndian.PutUint32(b[start:], uint32(n))
	return b, nil
}

func appendCompile(b []byte, exprs []Expr) ([]byte, error) {
	b, start := beginFrame(b)
	b = binary.BigEndian.AppendUint32(b, uint32(len(exprs)))
	for _, e := range exprs {
		b = appendString(b, e.Code)
	}
	return endFrame(b, start)
}

func appendJob(b []byte, job Job, args []string, calls []Call) ([]byte, error) {
	if job.Slot < 0 || job.Slot > math.MaxUint32 {
		return nil, fmt.Errorf("perlexpr: slot %d out of range", job.Slot)
	}
	b, start := beginFrame(b)
	b = binary.BigEndian.AppendUint64(b, uint64(job.Seq))
	b = binary.BigEndian.AppendUint64(b, uint64(job.Total))
	b = binary.BigEndian.AppendUint32(b, uint32(job.Slot))
	b = binary.BigEndian.AppendUint32(b, uint32(len(args)))
	b = binary.BigEndian.AppendUint32(b, uint32(len(calls)))
	for _, c := range calls {
		b = binary.BigEndian.AppendUint32(b, uint32(c.Expr))
		b = binary.BigEndian.AppendUint32(b, uint32(c.Arg))
	}
	for _, a := range args {
		if len(a) > maxFrame {
			return nil, fmt.Errorf("perlexpr: an argument of %d bytes is too large", len(a))
		}
		b = appendString(b, a)
	}
	return endFrame(b, start)
}

// readFrame reads one frame into buf (grown as needed) and returns it.
func readFrame(r *bufio.Reader, buf []byte) ([]byte, error) {
	var head [4]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return buf, err
	}
	n := binary.BigEndian.Uint32(head[:])
	if n > maxFrame {
		return buf, errFrame
	}
	if uint32(cap(buf)) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	if _, err := io.ReadFull(r, buf); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return buf, err
	}
	return buf, nil
}

// cursor reads the fields of a reply.
type cursor struct {
	p   []byte
	bad bool
}

func (c *cursor) byte() byte {
	if len(c.p) < 1 {
		c.bad = true
		return 0
	}
	v := c.p[0]
	c.p = c.p[1:]
	return v
}

func (c *cursor) uint32() uint32 {
	if len(c.p) < 4 {
		c.bad = true
		return 0
	}
	v := binary.BigEndian.Uint32(c.p)
	c.p = c.p[4:]
	return v
}

func (c *cursor) string() string {
	n := c.uint32()
	if c.bad || uint32(len(c.p)) < n {
		c.bad = true
		return ""
	}
	s := string(c.p[:n])
	c.p = c.p[n:]
	return s
}
