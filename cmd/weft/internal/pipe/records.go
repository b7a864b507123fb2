package pipe

import "bytes"

// The functions here reproduce GNU parallel's string primitives exactly,
// corner cases included, since block boundaries depend on them.

// perlIndex is Perl's index(s, t, pos): the first t at or after pos, with
// pos clamped into [0, len(s)]; an empty t is found at pos.
func perlIndex(s, t []byte, pos int) int {
	pos = max(0, min(pos, len(s)))
	j := bytes.Index(s[pos:], t)
	if j < 0 {
		return -1
	}
	return pos + j
}

// nthIndex finds the n-th t in s, each search starting one byte after the
// previous find, the first at 1 (GNU parallel's nindex: a separator at the
// very start of a block does not end a record).
func nthIndex(s, t []byte, n int) int {
	i := 0
	for range n {
		if i = perlIndex(s, t, i+1); i == -1 {
			break
		}
	}
	return i
}

// lastNewlineAt is Perl's rindex(s, "\n", pos): the last newline at or
// before pos, -1 for a negative pos.
func lastNewlineAt(s []byte, pos int) int {
	if pos < 0 {
		return -1
	}
	return bytes.LastIndexByte(s[:min(pos+1, len(s))], '\n')
}

// removeRecSep removes the record separators from a block in place and
// returns what is left: every end+start, then a start at the beginning,
// then an end at the end (or just before a final newline, as Perl's $).
func removeRecSep(sp *spec, b []byte) []byte {
	if !sp.fixed {
		b = sp.rrsMid.ReplaceAll(b, nil)
		if m := sp.rrsLead.FindIndex(b); m != nil {
			b = b[m[1]:]
		}
		if m := sp.rrsTrail.FindSubmatchIndex(b); m != nil && m[3] > m[2] {
			b = append(b[:m[2]], b[m[3]:]...)
		}
		return b
	}
	if len(sp.sep) > 0 {
		w, r := 0, 0
		for {
			j := bytes.Index(b[r:], sp.sep)
			if j < 0 {
				break
			}
			w += copy(b[w:], b[r:r+j])
			r += j + len(sp.sep)
		}
		w += copy(b[w:], b[r:])
		b = b[:w]
	}
	if len(sp.start) > 0 && bytes.HasPrefix(b, sp.start) {
		b = b[len(sp.start):]
	}
	if e := sp.end; len(e) > 0 {
		n := len(b)
		switch {
		case n > len(e) && b[n-1] == '\n' && bytes.Equal(b[n-1-len(e):n-1], e):
			b = append(b[:n-1-len(e)], '\n')
		case bytes.HasSuffix(b, e):
			b = b[:n-len(e)]
		}
	}
	return b
}

// isSpace is Perl's \s on bytes.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// dropBlank removes, in place, the lines made only of white space, as
// GNU parallel's -r does to each buffer (s/^\s*\n//gm), and returns the new
// length.
func dropBlank(b []byte) int {
	w, r := 0, 0
	for r < len(b) {
		if r == 0 || b[r-1] == '\n' {
			// At a line start: skip the white space up to its last newline.
			j, nl := r, -1
			for j < len(b) && isSpace(b[j]) {
				if b[j] == '\n' {
					nl = j
				}
				j++
			}
			if nl >= 0 {
				r = nl + 1
				continue
			}
		}
		// b[r-1] is read before b[w] is written, and w < r once anything was
		// dropped, so the test above sees the original bytes.
		b[w] = b[r]
		w++
		r++
	}
	return w
}

// lastIndex is Perl's rindex(s, t): the last t in s; an empty t is found
// at the end.
func lastIndex(s, t []byte) int { return bytes.LastIndex(s, t) }

func countNewlines(s []byte) int { return bytes.Count(s, []byte{'\n'}) }
