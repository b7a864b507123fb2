//go:build !linux

package pipe

import (
	"errors"
	"io"
	"os"
)

// copyRange writes n bytes of src from offset off to w, through memory:
// only Linux moves them inside the kernel.
func copyRange(w io.Writer, src *os.File, off, n int64) (int64, error) {
	m, err := io.CopyBuffer(w, io.NewSectionReader(src, off, n), make([]byte, 256<<10))
	if err == nil && m < n {
		err = io.ErrUnexpectedEOF
	}
	return m, err
}

func setPipeSize(p *os.File, n int) {}

// Pollable returns f itself on a regular file; reopening a pipe with its
// own flags needs Linux.
func Pollable(f *os.File) (*os.File, error) {
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		return f, nil
	}
	return nil, errors.New("pipe: reading a pipe with deadlines needs Linux")
}
