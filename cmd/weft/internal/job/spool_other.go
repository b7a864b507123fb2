//go:build !(linux && (amd64 || arm64))

package job

import (
	"errors"
	"syscall"
)

// openUnnamed says that files without a name are not made here: jobs
// write their output to pipes.
func openUnnamed(string) (int, error) {
	return -1, errors.New("job: no unnamed files here")
}

func closeFile(fd int) { syscall.Close(fd) }

func fileSize(fd int) (int64, error) {
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return 0, err
	}
	return st.Size, nil
}

// awaitHeld says that waits keep no processor here: see spool_linux.go.
func awaitHeld(int) bool { return false }
