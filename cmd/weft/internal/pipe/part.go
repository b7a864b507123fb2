package pipe

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
)

// partWindow is how much GNU parallel's --pipe-part reads at a time while
// looking for a boundary (2^17 bytes); a regexp boundary is the last match
// in what it has read, so the window size is part of the semantics.
const partWindow = 1 << 17

// NewPartSplitter returns a Splitter that cuts the file f as GNU parallel's
// --pipe-part -a FILE does. Each part starts after the header and ends at
// the first record boundary at least Options.Block bytes after its start
// (or at the end of the file). Finding a boundary reads a few bytes; the
// parts themselves are never read: Block.WriteTo splices them from the
// file into the job's standard input.
//
// Options.Block defaults to DefaultPartBlocks parts per job slot, and a
// negative Block -n makes n parts per slot: both need Options.Slots. -N,
// -L, --rrs, -r and --block-timeout need the data to go through weft, so
// they are refused. f is read from its start whatever its offset.
func NewPartSplitter(f *os.File, opts Options) (*Splitter, error) {
	switch {
	case opts.Records != 0:
		return nil, errors.New("pipe: --pipe-part cannot count records (-N): use --pipe < FILE, or --recend/--recstart to say where records end")
	case opts.Lines != 0:
		return nil, errors.New("pipe: --pipe-part cannot count lines (-L): use --pipe < FILE")
	case opts.RemoveRecSep:
		return nil, errors.New("pipe: --pipe-part does not remove record separators (--rrs): use --pipe < FILE")
	case opts.SkipBlank:
		return nil, errors.New("pipe: --pipe-part does not skip blank lines (-r): use --pipe < FILE")
	case opts.BlockTimeout != 0:
		return nil, errors.New("pipe: --block-timeout means nothing with --pipe-part: a file never keeps a job waiting")
	}
	if opts.Block == 0 {
		opts.Block = -DefaultPartBlocks
	}
	sp, err := opts.compile()
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("pipe: --pipe-part: %w", err)
	}
	var size int64
	if st.Mode().IsRegular() {
		size = st.Size()
	} else if st.Mode()&os.ModeDevice != 0 && st.Mode()&os.ModeCharDevice == 0 {
		if size, err = f.Seek(0, io.SeekEnd); err != nil {
			return nil, fmt.Errorf("pipe: --pipe-part: the size of %s: %w", f.Name(), err)
		}
	} else {
		return nil, fmt.Errorf("pipe: --pipe-part needs a regular file or a block device, and %s is not one: use --pipe < FILE", f.Name())
	}
	if sp.block < 0 {
		sp.block = 1 + size/int64(sp.slots)/(-sp.block)
	}
	return &Splitter{eng: &partEngine{sp: sp, f: f, size: size}}, nil
}

// partEngine finds the parts one after the other.
type partEngine struct {
	sp     *spec
	f      *os.File
	size   int64
	pos    int64 // where the next part starts
	header []byte
	seq    int
	began  bool
	win    []byte
}

func (e *partEngine) next(ctx context.Context) (*Block, error) {
	if !e.began {
		h, _, err := readHeader(e.sp, e.f, 0, e.size, e.sp.block)
		if err != nil {
			return nil, err
		}
		e.header, e.pos, e.began = h, int64(len(h)), true
	}
	if e.pos >= e.size {
		return nil, io.EOF
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	end := e.size
	if from := e.pos + e.sp.block; from < e.size {
		cut, err := e.boundaryFrom(from)
		if err != nil {
			return nil, err
		}
		if cut >= 0 {
			end = cut
		}
	}
	e.seq++
	b := &Block{seq: e.seq, header: e.header, file: e.f, off: e.pos, n: end - e.pos}
	e.pos = end
	return b, nil
}

// boundaryFrom finds where the part that reaches from ends: after the
// first RecEnd+RecStart at or after from (with --regexp: the last match in
// the windows read until one matches); -1 if there is none.
func (e *partEngine) boundaryFrom(from int64) (int64, error) {
	sp := e.sp
	if sp.emptySep && sp.fixed {
		return from, nil
	}
	if !sp.fixed {
		var acc []byte
		for at := from; at < e.size; at += partWindow {
			n := min(partWindow, e.size-at)
			k := len(acc)
			acc = append(acc, make([]byte, n)...)
			if _, err := e.f.ReadAt(acc[k:], at); err != nil {
				return 0, readErr(err)
			}
			if m := sp.rePart.FindSubmatchIndex(acc); m != nil {
				return from + int64(m[3]), nil
			}
		}
		return -1, nil
	}
	sep := sp.sep
	w := max(partWindow, 2*len(sep))
	if len(e.win) < w {
		e.win = make([]byte, w)
	}
	for at := from; at < e.size; {
		buf := e.win[:min(int64(w), e.size-at)]
		if _, err := e.f.ReadAt(buf, at); err != nil {
			return 0, readErr(err)
		}
		if j := bytes.Index(buf, sep); j >= 0 {
			return at + int64(j) + int64(len(sp.end)), nil
		}
		if at+int64(len(buf)) >= e.size {
			break
		}
		at += int64(len(buf)) - int64(len(sep)) + 1 // a separator may straddle the edge
	}
	return -1, nil
}

func (e *partEngine) close() {}
