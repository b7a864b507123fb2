package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"iter"
	"os"
)

// job is one command line to run: its number and its arguments.
type job struct {
	seq  int64
	args []string
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

// maxRecord is the longest input record accepted.
const maxRecord = 64 << 20

// records streams the records of r.
func records(r io.Reader, sep string) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), maxRecord)
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

// inputs holds the opened input sources of a run.
type inputs struct {
	o     *options
	stdin io.Reader
	files []*os.File // one per group; nil for ::: groups
}

// openInputs opens every input file before any job starts, so that an
// unreadable file is bad usage.
func openInputs(o *options, stdin io.Reader) (*inputs, error) {
	in := &inputs{o: o, stdin: stdin, files: make([]*os.File, len(o.groups))}
	for i, g := range o.groups {
		if !g.isFile {
			continue
		}
		if g.file == "-" {
			continue
		}
		f, err := os.Open(g.file)
		if err != nil {
			in.close()
			return nil, usagef("cannot read input file: %v", err)
		}
		in.files[i] = f
	}
	return in, nil
}

func (in *inputs) close() {
	for _, f := range in.files {
		if f != nil {
			f.Close()
		}
	}
}

// source returns the records of group i.
func (in *inputs) source(i int) iter.Seq2[string, error] {
	g := in.o.groups[i]
	if !g.isFile {
		return func(yield func(string, error) bool) {
			for _, v := range g.values {
				if !yield(v, nil) {
					return
				}
			}
		}
	}
	if in.files[i] == nil {
		return records(in.stdin, in.o.sep)
	}
	return records(in.files[i], in.o.sep)
}

// columns splits a record by --colsep, if given.
func (in *inputs) columns(rec string) []string {
	if in.o.colsep == nil {
		return []string{rec}
	}
	return in.o.colsep.Split(rec, -1)
}

// jobs streams the jobs of the run: the records of stdin when no input
// group is given; else every combination of the groups' records, the last
// group varying fastest. Only the first group is streamed; the others are
// read whole, as every combination needs them.
func (in *inputs) jobs() iter.Seq2[job, error] {
	return func(yield func(job, error) bool) {
		var seq int64
		emit := func(args []string) bool {
			seq++
			return yield(job{seq: seq, args: args}, nil)
		}
		first := records(in.stdin, in.o.sep)
		if len(in.o.groups) > 0 {
			first = in.source(0)
		}
		var rest [][][]string // per later group, its records split in columns
		for i := 1; i < len(in.o.groups); i++ {
			var recs [][]string
			for r, err := range in.source(i) {
				if err != nil {
					yield(job{}, fmt.Errorf("reading input: %w", err))
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
				yield(job{}, fmt.Errorf("reading input: %w", err))
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

// total returns the number of jobs when it is known without reading the
// input (only ::: groups), or -1.
func (o *options) total() int64 {
	if len(o.groups) == 0 {
		return -1
	}
	n := int64(1)
	for _, g := range o.groups {
		if g.isFile {
			return -1
		}
		n *= int64(len(g.values))
	}
	return n
}
