// Package input reads the inputs of a run and streams its jobs: the
// records of stdin, of files (:::: FILE, -a FILE) or the values of :::
// groups, split at a separator, cut in columns by --colsep, and combined
// as GNU parallel does: with several groups, every combination, the last
// group varying fastest.
//
//	in, err := input.Open(input.Config{Sources: sources, Sep: "\n"}, os.Stdin)
//	defer in.Close()
//	for j, err := range in.Jobs() { ... }
//
// Only the first group is streamed; the later ones are read whole, as
// every combination needs them, so memory stays flat however long the
// first input is.
package input

import (
	"fmt"
	"io"
	"iter"
	"os"
	"regexp"
)

// Job is one job of a run: its sequence number, from 1, and its arguments
// (one per group, or per column with --colsep).
type Job struct {
	Seq  int64
	Args []string
}

// Source is one input group: literal values (::: a b c) or the records of
// a file (:::: FILE or -a FILE; "-" is stdin).
type Source struct {
	Values []string
	File   string
	IsFile bool
}

// Config says where a run's inputs come from and how they are cut.
type Config struct {
	Sources []Source       // in order; none: the records of stdin
	Sep     string         // the record separator, such as "\n"
	Colsep  *regexp.Regexp // splits each record into columns, if set
}

// Total returns the number of jobs when it is known without reading any
// input (only ::: groups), or -1.
func (c Config) Total() int64 {
	if len(c.Sources) == 0 {
		return -1
	}
	n := int64(1)
	for _, s := range c.Sources {
		if s.IsFile {
			return -1
		}
		n *= int64(len(s.Values))
	}
	return n
}

// Inputs holds the opened input sources of a run. It is used by one
// goroutine at a time.
type Inputs struct {
	c     Config
	stdin io.Reader
	files []*os.File // one per source; nil for ::: groups and stdin
}

// Open opens every input file before any job starts, so that an
// unreadable file is reported before anything runs.
func Open(c Config, stdin io.Reader) (*Inputs, error) {
	in := &Inputs{c: c, stdin: stdin, files: make([]*os.File, len(c.Sources))}
	for i, s := range c.Sources {
		if !s.IsFile || s.File == "-" {
			continue
		}
		f, err := os.Open(s.File)
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

// source returns the records of source i.
func (in *Inputs) source(i int) iter.Seq2[string, error] {
	s := in.c.Sources[i]
	if !s.IsFile {
		return func(yield func(string, error) bool) {
			for _, v := range s.Values {
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

// Jobs streams the jobs of the run: the records of stdin when no source is
// given; else every combination of the sources' records, the last source
// varying fastest. A read error is yielded once, and ends the sequence.
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
		var rest [][][]string // per later source, its records split in columns
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
