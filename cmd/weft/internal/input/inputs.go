// Package input reads the inputs of a run and streams its jobs: the
// records of stdin, of files (:::: FILE, -a FILE) or the values of :::
// groups, split at a separator, cut in columns by --colsep, and combined
// as GNU parallel does: with several groups, every combination, the last
// group varying fastest; linked groups (:::+, ::::+, --link) go together
// instead, value by value.
//
//	in, err := input.Open(input.Config{Sources: sources, Sep: "\n"}, os.Stdin)
//	defer in.Close()
//	for j, err := range in.Jobs() { ... }
//
// Only the first group (with the groups linked to it, unless --link
// wraps them) is streamed; the later ones are read whole, as every
// combination needs them, so memory stays flat however long the first
// input is.
package input

import (
	"fmt"
	"io"
	"iter"
	"os"
	"regexp"
	"strings"
)

// Job is one job of a run: its sequence number, from 1, and its arguments
// (one per group, or per column with --colsep).
type Job struct {
	Seq  int64
	Args []string
	// Names are the names of the arguments with --header (Config.Header,
	// Inputs.Headers), one per argument: the column's name in its source's
	// header, or the argument's position (from 1) when the header has no
	// name for it. Nil without --header. Read-only: jobs may share it.
	Names []string
}

// Source is one input group: literal values (::: a b c) or the records of
// a file (:::: FILE or -a FILE; "-" is stdin).
type Source struct {
	Values []string
	File   string
	IsFile bool
	// Linked links the source to the one before (:::+, ::::+): their
	// n-th records make one job, and the shorter source decides how many
	// there are.
	Linked bool
}

// Config says where a run's inputs come from and how they are cut.
type Config struct {
	Sources []Source       // in order; none: the records of stdin
	Sep     string         // the record separator, such as "\n"
	Colsep  *regexp.Regexp // splits each record into columns, if set
	// EOF, if set, ends each source at a record equal to it (-E): that
	// record and the rest are not read.
	EOF string
	// SkipEmpty skips records that are empty or only white space (-r).
	SkipEmpty bool
	// Link links every source (--link, --xapply): their n-th records make
	// one job, and the longest source decides how many there are, the
	// shorter ones starting again from their first record.
	Link bool
	// Header makes the first record of each source a header that names
	// its columns instead of a job (see Inputs.Headers, which reads it).
	Header bool
	// NamesOnly, with Header, reads no header record: only the names of
	// the file sources name arguments (GNU parallel's --header 0).
	NamesOnly bool
	// Continue joins a record that ends in white space with the next one
	// (-L and --max-lines, as GNU parallel reads them; multi.go).
	Continue bool
}

// units returns the sources' indexes, grouped by linking: each unit
// gives one part of every combination.
func (c Config) units() [][]int {
	var us [][]int
	for i, s := range c.Sources {
		if i > 0 && (s.Linked || c.Link) {
			us[len(us)-1] = append(us[len(us)-1], i)
			continue
		}
		us = append(us, []int{i})
	}
	return us
}

// Total returns the number of jobs when it is known without reading any
// input (only ::: groups), or -1.
func (c Config) Total() int64 {
	if len(c.Sources) == 0 {
		return -1
	}
	n := int64(1)
	for _, u := range c.units() {
		var shortest, longest int64 = -1, 0
		for _, i := range u {
			s := c.Sources[i]
			if s.IsFile {
				return -1
			}
			k := int64(len(s.Values))
			if c.Header && !c.NamesOnly && k > 0 {
				k-- // the header is no job
			}
			if shortest < 0 || k < shortest {
				shortest = k
			}
			longest = max(longest, k)
		}
		m := shortest // :::+ stops at the shortest
		if c.Link && shortest > 0 {
			m = longest // --link starts the shorter ones over
		}
		n *= m
	}
	return n
}

// Inputs holds the opened input sources of a run. It is used by one
// goroutine at a time.
type Inputs struct {
	c     Config
	stdin io.Reader
	files []*os.File // one per source; nil for ::: groups and stdin

	headed bool        // Headers was called
	rest   []io.Reader // per source, a file or stdin after its header
	names  []string    // the names of the arguments, with Header
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
		values := s.Values
		if in.headed && !in.c.NamesOnly && len(values) > 0 {
			values = values[1:] // the header
		}
		return in.filter(func(yield func(string, error) bool) {
			for _, v := range values {
				if !yield(v, nil) {
					return
				}
			}
		})
	}
	if in.rest != nil && in.rest[i] != nil {
		return in.filter(Records(in.rest[i], in.c.Sep))
	}
	if in.files[i] == nil {
		return in.filter(Records(in.stdin, in.c.Sep))
	}
	return in.filter(Records(in.files[i], in.c.Sep))
}

// filter applies -E, -r and -L's continued lines to the records of one
// source.
func (in *Inputs) filter(recs iter.Seq2[string, error]) iter.Seq2[string, error] {
	if in.c.Continue {
		return continued(in.filterEOF(recs))
	}
	return in.filterEOF(recs)
}

// filterEOF applies -E and -r to the records of one source.
func (in *Inputs) filterEOF(recs iter.Seq2[string, error]) iter.Seq2[string, error] {
	if in.c.EOF == "" && !in.c.SkipEmpty {
		return recs
	}
	return func(yield func(string, error) bool) {
		for r, err := range recs {
			switch {
			case err != nil:
				yield(r, err)
				return
			case in.c.EOF != "" && r == in.c.EOF:
				return
			case in.c.SkipEmpty && strings.Trim(r, " \t\n\r\f\v") == "":
				continue
			}
			if !yield(r, nil) {
				return
			}
		}
	}
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
// varying fastest, linked sources going together. A read error is yielded
// once, and ends the sequence.
func (in *Inputs) Jobs() iter.Seq2[Job, error] {
	return func(yield func(Job, error) bool) {
		var seq int64
		emit := func(args []string) bool {
			seq++
			return yield(Job{Seq: seq, Args: args, Names: in.namesOf(len(args))}, nil)
		}
		units := in.c.units()
		first := in.columnsOf(in.filter(Records(in.stdin, in.c.Sep)))
		if len(units) > 0 {
			first = in.unit(units[0])
		}
		var rest [][][]string // per later unit, its records split in columns
		for _, u := range units[min(1, len(units)):] {
			var recs [][]string
			for r, err := range in.unit(u) {
				if err != nil {
					yield(Job{}, err)
					return
				}
				recs = append(recs, r)
			}
			if len(recs) == 0 {
				return // an empty group: no combination
			}
			rest = append(rest, recs)
		}
		idx := make([]int, len(rest))
		for head, err := range first {
			if err != nil {
				yield(Job{}, err)
				return
			}
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

// columnsOf splits each record of recs in columns; a read error is
// wrapped to say so.
func (in *Inputs) columnsOf(recs iter.Seq2[string, error]) iter.Seq2[[]string, error] {
	return func(yield func([]string, error) bool) {
		for r, err := range recs {
			if err != nil {
				yield(nil, fmt.Errorf("reading input: %w", err))
				return
			}
			if !yield(in.columns(r), nil) {
				return
			}
		}
	}
}

// unit yields the records of the linked sources u, each the columns of
// every source's record in turn: one source's records as they are;
// sources linked by :::+ as long as all have one; with --link, as long as
// the longest has one, the others starting over (read whole for that).
func (in *Inputs) unit(u []int) iter.Seq2[[]string, error] {
	if len(u) == 1 {
		return in.columnsOf(in.source(u[0]))
	}
	if in.c.Link {
		return in.wrapped(u)
	}
	return func(yield func([]string, error) bool) {
		nexts := make([]func() ([]string, error, bool), len(u))
		for k, i := range u {
			next, stop := iter.Pull2(in.columnsOf(in.source(i)))
			defer stop()
			nexts[k] = next
		}
		for {
			var rec []string
			for _, next := range nexts {
				cols, err, ok := next()
				if err != nil {
					yield(nil, err)
					return
				}
				if !ok {
					return
				}
				rec = append(rec, cols...)
			}
			if !yield(rec, nil) {
				return
			}
		}
	}
}

// wrapped is unit for --link: the sources read whole, as many records as
// the longest has, the shorter ones starting over; none if one is empty.
func (in *Inputs) wrapped(u []int) iter.Seq2[[]string, error] {
	return func(yield func([]string, error) bool) {
		all := make([][][]string, len(u))
		longest := 0
		for k, i := range u {
			for cols, err := range in.columnsOf(in.source(i)) {
				if err != nil {
					yield(nil, err)
					return
				}
				all[k] = append(all[k], cols)
			}
			if len(all[k]) == 0 {
				return
			}
			longest = max(longest, len(all[k]))
		}
		for n := range longest {
			var rec []string
			for _, recs := range all {
				rec = append(rec, recs[n%len(recs)]...)
			}
			if !yield(rec, nil) {
				return
			}
		}
	}
}
