package job

import (
	"bytes"
	"io"
	"os"
)

// SpillAt is how much of a job's output is kept in memory; past it the
// output goes to a temporary file.
const SpillAt = 1 << 20

// Output collects a job's output (stdout or stderr) in memory, then in a
// temporary file once it passes SpillAt bytes. The file is unlinked at
// once: it is gone when closed, even if weft is killed. The zero value is
// an empty output. An Output is written by one goroutine, then read.
type Output struct {
	// Dir is where the temporary file goes; "" for $TMPDIR.
	Dir  string
	mem  bytes.Buffer
	file *os.File
	n    int64
}

// Write appends p. With no temporary space, the output stays in memory.
func (s *Output) Write(p []byte) (int, error) {
	s.n += int64(len(p))
	if s.file == nil && s.mem.Len()+len(p) > SpillAt {
		f, err := os.CreateTemp(s.Dir, "weft-output-*")
		if err != nil {
			return s.mem.Write(p) // no temporary space: keep it in memory
		}
		os.Remove(f.Name()) // unlinked: gone when closed, even if weft is killed
		if _, err := f.Write(s.mem.Bytes()); err != nil {
			f.Close()
			return 0, err
		}
		s.mem = bytes.Buffer{}
		s.file = f
	}
	if s.file != nil {
		return s.file.Write(p)
	}
	return s.mem.Write(p)
}

// Len is the number of bytes written (with --line-buffer and -u, the bytes
// that went by, for the joblog).
func (s *Output) Len() int64 { return s.n }

// CopyTo writes the whole output to w.
func (s *Output) CopyTo(w io.Writer) error {
	if s.file == nil {
		_, err := w.Write(s.mem.Bytes())
		return err
	}
	if _, err := s.file.Seek(0, io.SeekStart); err != nil {
		return err
	}
	_, err := io.Copy(w, s.file)
	return err
}

// Reader reads the whole output from the start.
func (s *Output) Reader() (io.Reader, error) {
	if s.file == nil {
		return bytes.NewReader(s.mem.Bytes()), nil
	}
	if _, err := s.file.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return io.NopCloser(s.file), nil
}

// Bytes returns the whole output, which must be small enough to hold in
// memory.
func (s *Output) Bytes() []byte {
	if s.file == nil {
		return s.mem.Bytes()
	}
	var b bytes.Buffer
	s.CopyTo(&b)
	return b.Bytes()
}

// Close removes the temporary file, if any. Close on nil does nothing.
func (s *Output) Close() {
	if s != nil && s.file != nil {
		s.file.Close()
	}
}
