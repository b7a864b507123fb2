package input

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"iter"
	"os"
	"regexp"
)

// Job is one command line to run: its number and its arguments.
type Job struct {
	Seq  int64
	Args []string
}

// Source is one input source: literal values (:::) or a file (:::: or -a).
type Source struct {
	Values []string
	File   string
	IsFile bool
}

// Config says where the inputs come from and how they are cut.
type Config struct {
	Sources []Source
	Sep     string         // record separator
	Colsep  *regexp.Regexp // splits records into columns, if set
}

// recordSplitter returns a bufio.SplitFunc that cuts records at sep.
func recordSplitter(sep string) bufio.SplitFunc {
	s := []byte(sep)
	return func(data []byte, atEOF bool) (int, []byte, error) {
		if i := bytes.Index(data, s); i >= 0 {
			return i + len(s), data[:i], nil
		}
		if atEOF && len(data) > 0 {
			return len(data), data, nil
		}
		return 0, nil, nil
	}
}

// MaxRecord is the longest input record accepted.
const MaxRecord = 64 << 20

// Records streams the records of r.
func Records(r io.Reader, sep string) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), MaxRecord)
		sc.Split(recordSplitter(sep))
		for sc.Scan() {
			if !yield(sc.Text(), nil) {
				return
			}
		}
		if err := sc.Err(); err != nil {
			yield("", err)
		}
	}
}

// Inputs holds the opened input sources of a run.
type Inputs struct {
	c     Config
	stdin io.Reader
	files []*os.File // one per group; nil for ::: groups
}

// Open opens every input file before any job starts, so that an
// unreadable file is bad usage.
func Open(c Config, stdin io.Reader) (*Inputs, error) {
	in := &Inputs{c: c, stdin: stdin, files: make([]*os.File, len(c.Sources))}
	for i, g := range c.Sources {
		if !g.IsFile {
			continue
		}
		if g.File == "-" {
			continue
		}
		f, err := os.Open(g.File)
		if err != nil {
			in.Close()
			return nil, fmt.Errorf("cannot read input file: %v", err)
		}
		in.files[i] = f
	}
	return in, nil
}

// Close closes the input files.
func (in *Inputs) Close() {
	for _, f := range in.files {
		if f != nil {
			f.Close()
		}
	}
}

// source returns the records of group i.
func (in *Inputs) source(i int) iter.Seq2[string, error] {
	g := in.c.Sources[i]
	if !g.IsFile {
		return func(yield func(string, error) bool) {
			for _, v := range g.Values {
				if !yield(v, nil) {
					return
				}
			}
		}
	}
	if in.files[i] == nil {
		return Records(in.stdin, in.c.Sep)
	}
	return Records(in.files[i], in.c.Sep)
}

// columns splits a record by --colsep, if given.
func (in *Inputs) columns(rec string) []string {
	if in.c.Colsep == nil {
		return []string{rec}
	}
	return in.c.Colsep.Split(rec, -1)
}

// Jobs streams the jobs of the run: the records of stdin when no input
// group is given; else every combination of the groups' records, the last
// group varying fastest. Only the first group is streamed; the others are
// read whole, as every combination needs them.
func (in *Inputs) Jobs() iter.Seq2[Job, error] {
	return func(yield func(Job, error) bool) {
		var seq int64
		emit := func(args []string) bool {
			seq++
			return yield(Job{Seq: seq, Args: args}, nil)
		}
		first := Records(in.stdin, in.c.Sep)
		if len(in.c.Sources) > 0 {
			first = in.source(0)
		}
		var rest [][][]string // per later group, its records split in columns
		for i := 1; i < len(in.c.Sources); i++ {
			var recs [][]string
			for r, err := range in.source(i) {
				if err != nil {
					yield(Job{}, fmt.Errorf("reading input: %w", err))
					return
				}
				recs = append(recs, in.columns(r))
			}
			if len(recs) == 0 {
				return // an empty group: no combination
			}
			rest = append(rest, recs)
		}
		idx := make([]int, len(rest))
		for r, err := range first {
			if err != nil {
				yield(Job{}, fmt.Errorf("reading input: %w", err))
				return
			}
			head := in.columns(r)
			clear(idx)
			for {
				args := append([]string(nil), head...)
				for g, i := range idx {
					args = append(args, rest[g][i]...)
				}
				if !emit(args) {
					return
				}
				// Advance the odometer, last group fastest.
				g := len(idx) - 1
				for ; g >= 0; g-- {
					if idx[g]++; idx[g] < len(rest[g]) {
						break
					}
					idx[g] = 0
				}
				if g < 0 {
					break
				}
			}
		}
	}
}

// Total returns the number of jobs when it is known without reading the
// input (only ::: groups), or -1.
func (c Config) Total() int64 {
	if len(c.Sources) == 0 {
		return -1
	}
	n := int64(1)
	for _, g := range c.Sources {
		if g.IsFile {
			return -1
		}
		n *= int64(len(g.Values))
	}
	return n
}
