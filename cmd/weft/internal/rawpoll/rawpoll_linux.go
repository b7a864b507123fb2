//go:build linux

package rawpoll

import (
	"syscall"
	"time"
	"unsafe"
)

func ready_(fd uintptr, ev Events, d time.Duration) (bool, error) {
	pfd := struct {
		fd              int32
		events, revents int16
	}{int32(fd), int16(ev), 0}
	ts := syscall.NsecToTimespec(int64(d))
	n, _, e := syscall.RawSyscall6(syscall.SYS_PPOLL, uintptr(unsafe.Pointer(&pfd)), 1, uintptr(unsafe.Pointer(&ts)), 0, 0, 0)
	switch {
	case e == syscall.EINTR:
		return false, nil
	case e != 0:
		return false, e
	}
	switch {
	case n != 1:
		return false, nil
	case pfd.revents&pollNval != 0:
		return false, syscall.EBADF
	}
	// An error or hang-up on fd makes it ready too: the read or write
	// that follows does not wait, and says what happened.
	return pfd.revents&(int16(ev)|pollErr|pollHup) != 0, nil
}

const (
	pollErr  = 0x8  // POLLERR
	pollHup  = 0x10 // POLLHUP
	pollNval = 0x20 // POLLNVAL
)
