package input

import (
	"bufio"
	"bytes"
	"io"
	"iter"
)

// MaxRecord is the longest input record accepted; a longer one is a read
// error.
const MaxRecord = 64 << 20

// Records streams the records of r, cut at sep (which is not part of a
// record). A last record without sep is yielded too; a read error is
// yielded once, last.
func Records(r io.Reader, sep string) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), MaxRecord)
		sc.Split(splitAt(sep))
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

// splitAt returns a bufio.SplitFunc that cuts records at sep.
func splitAt(sep string) bufio.SplitFunc {
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
