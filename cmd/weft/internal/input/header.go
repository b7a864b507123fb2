package input

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Column is a name for a job's argument, from --header: the argument at
// Pos (from 1) is called Name.
type Column struct {
	Name string
	Pos  int
}

// Headers reads the headers of the sources, as GNU parallel's --header
// does outside --pipe, and returns the names they give, in the order GNU
// parallel 20221122 applies them to the command: first the first record of
// each source (of stdin when there is none), cut in columns by Colsep,
// which names those columns in turn and is not a job; then the k-th file
// source (:::: FILE, -a FILE), counting the file sources only, whose name
// names the k-th argument too. With Config.NamesOnly no record is read,
// and only the file names count. A later name for the same position wins
// in Job.Names, which every Job of Jobs then carries.
//
// Call Headers once, before Jobs, on Inputs opened with Config.Header.
func (in *Inputs) Headers() ([]Column, error) {
	if !in.c.Header {
		return nil, nil
	}
	if in.headed {
		return nil, fmt.Errorf("input: Headers called twice")
	}
	in.headed = true
	var cols []Column
	add := func(rec string) {
		for _, n := range in.headerNames(rec) {
			cols = append(cols, Column{Name: n, Pos: len(cols) + 1})
		}
	}
	if len(in.c.Sources) == 0 && !in.c.NamesOnly {
		br := bufio.NewReader(in.stdin)
		in.stdin = br
		rec, ok, err := readRecord(br, in.c.Sep)
		if err != nil {
			return nil, fmt.Errorf("reading the header: %w", err)
		}
		if ok {
			add(rec)
		}
	}
	in.rest = make([]io.Reader, len(in.c.Sources))
	for i, s := range in.c.Sources {
		if in.c.NamesOnly {
			break
		}
		if !s.IsFile {
			if len(s.Values) > 0 {
				add(s.Values[0])
			}
			continue
		}
		var r io.Reader = in.stdin
		if in.files[i] != nil {
			r = in.files[i]
		}
		br := bufio.NewReader(r)
		in.rest[i] = br
		rec, ok, err := readRecord(br, in.c.Sep)
		if err != nil {
			return nil, fmt.Errorf("reading the header of %s: %w", s.File, err)
		}
		if ok {
			add(rec)
		}
	}
	k := 0
	for _, s := range in.c.Sources {
		if s.IsFile {
			k++
			cols = append(cols, Column{Name: s.File, Pos: k})
		}
	}
	for _, c := range cols {
		for len(in.names) < c.Pos {
			in.names = append(in.names, strconv.Itoa(len(in.names)+1))
		}
		in.names[c.Pos-1] = c.Name
	}
	return cols, nil
}

// headerNames cuts a header record in its column names, as perl's split
// does: without a final CR, and without the empty names at its end.
func (in *Inputs) headerNames(rec string) []string {
	rec = strings.TrimSuffix(rec, "\r")
	cols := in.columns(rec)
	for len(cols) > 0 && cols[len(cols)-1] == "" {
		cols = cols[:len(cols)-1]
	}
	return cols
}

// namesOf returns the names of a job's n arguments: the header's, and the
// position of an argument past them, as GNU parallel names it.
func (in *Inputs) namesOf(n int) []string {
	if !in.headed {
		return nil
	}
	if len(in.names) >= n {
		return in.names[:n:n]
	}
	names := append(make([]string, 0, n), in.names...)
	for len(names) < n {
		names = append(names, strconv.Itoa(len(names)+1))
	}
	return names
}

// readRecord reads one record from br, up to sep (which it consumes and
// does not return); ok is false at the end of the input.
func readRecord(br *bufio.Reader, sep string) (rec string, ok bool, err error) {
	var b []byte
	last := sep[len(sep)-1]
	for {
		chunk, err := br.ReadSlice(last)
		b = append(b, chunk...)
		switch {
		case err == nil && bytes.HasSuffix(b, []byte(sep)):
			return string(b[:len(b)-len(sep)]), true, nil
		case err == nil || err == bufio.ErrBufferFull:
			if len(b) > MaxRecord {
				return "", false, bufio.ErrTooLong
			}
		case err == io.EOF:
			return string(b), len(b) > 0, nil
		default:
			return "", false, err
		}
	}
}
