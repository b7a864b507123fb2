package job

import (
	"bytes"
	"io"
	"sync"
)

// lineWriter writes whole lines to w under mu, each with prefix: the output
// of --line-buffer, where lines of different jobs interleave but never mix.
type lineWriter struct {
	w      io.Writer
	mu     *sync.Mutex
	prefix []byte
	buf    []byte
	count  *Output // counts the bytes for the joblog, if set
}

func (l *lineWriter) Write(p []byte) (int, error) {
	if l.count != nil {
		l.count.n += int64(len(p))
	}
	l.buf = append(l.buf, p...)
	i := bytes.LastIndexByte(l.buf, '\n')
	if i < 0 {
		return len(p), nil
	}
	err := l.emit(l.buf[:i+1])
	l.buf = append(l.buf[:0], l.buf[i+1:]...)
	return len(p), err
}

func (l *lineWriter) emit(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.prefix == nil {
		_, err := l.w.Write(b)
		return err
	}
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n') + 1
		if i == 0 {
			i = len(b)
		}
		if _, err := l.w.Write(append(append([]byte(nil), l.prefix...), b[:i]...)); err != nil {
			return err
		}
		b = b[i:]
	}
	return nil
}

// flush writes a last line without its newline.
func (l *lineWriter) flush() error { err := l.emit(l.buf); l.buf = nil; return err }
