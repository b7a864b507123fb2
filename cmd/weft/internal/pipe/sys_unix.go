//go:build unix

package pipe

import (
	"os"
	"syscall"
)

func mkfifo(name string) error {
	if err := syscall.Mkfifo(name, 0o600); err != nil {
		return &os.PathError{Op: "mkfifo", Path: name, Err: err}
	}
	return nil
}

// openReadNonblock opens a FIFO for reading without waiting for a writer.
func openReadNonblock(name string) (*os.File, error) {
	return os.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}
