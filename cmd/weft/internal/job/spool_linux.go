//go:build linux && (amd64 || arm64)

package job

import (
	"syscall"
	"unsafe"
)

// oTmpfile is O_TMPFILE on these systems (with O_DIRECTORY).
const oTmpfile = 0x410000

// The calls on a job's output files are quick, and made without telling
// Go's scheduler (raw): a call it is told of and finds still running a
// moment later gets its processor handed to another thread, and keeps the
// scheduler's monitor waking every 20 µs; for many short jobs, that churn
// of threads costs more than the calls.

// openUnnamed opens a new file without a name in dir, for reading and
// writing.
func openUnnamed(dir string) (int, error) {
	p, err := syscall.BytePtrFromString(dir)
	if err != nil {
		return -1, err
	}
	for {
		fd, _, e := syscall.RawSyscall6(syscall.SYS_OPENAT, uintptr(atFdcwd), uintptr(unsafe.Pointer(p)),
			oTmpfile|syscall.O_RDWR|syscall.O_CLOEXEC, 0o600, 0, 0)
		switch e {
		case 0:
			return int(fd), nil
		case syscall.EINTR:
			continue
		}
		return -1, e
	}
}

// atFdcwd is AT_FDCWD.
var atFdcwd = -100

// closeFile closes fd.
func closeFile(fd int) { syscall.RawSyscall(syscall.SYS_CLOSE, uintptr(fd), 0, 0) }

// fileSize is the size of the file fd.
func fileSize(fd int) (int64, error) {
	var st syscall.Stat_t
	if _, _, e := syscall.RawSyscall(syscall.SYS_FSTAT, uintptr(fd), uintptr(unsafe.Pointer(&st)), 0); e != 0 {
		return 0, e
	}
	return st.Size, nil
}
