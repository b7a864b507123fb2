//go:build linux && (amd64 || arm64)

package job

import (
	"runtime"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/weft-dev/weft/cmd/weft/internal/rawpoll"
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

// heldWaits is the number of waits for a job's exit that keep their
// processor (awaitHeld).
var heldWaits atomic.Int32

// heldPoll is one poll of a held wait.
const heldPoll = time.Millisecond

// heldPolls is the number of polls before a held wait goes to Go's
// poller: a variable for the tests.
var heldPolls = 16

// awaitHeld waits for the process of pidfd to exit while keeping the
// goroutine's processor, and reports whether it has exited: it polls pidfd
// without telling Go's scheduler (rawpoll), a millisecond at a time, and
// lets the goroutines waiting for a processor run between polls. It gives
// up, and returns false, after heldPolls polls (a job that runs longer is
// waited for in Go's poller, as any goroutine waits), and does not start
// when as many waits as processors already keep theirs.
//
// The exit of a job waited for in Go's poller is noticed when some thread
// next polls, and the system calls that follow it set the scheduler's
// monitor waking every 20 µs again: for jobs of a millisecond, that cost
// more than the jobs themselves (BenchmarkRunners, README). A thread
// blocked in ppoll(2) is woken by the kernel the moment the job exits.
func awaitHeld(pidfd int) bool {
	defer heldWaits.Add(-1)
	if int(heldWaits.Add(1)) > runtime.GOMAXPROCS(0) {
		return false
	}
	for range heldPolls {
		if exited, _ := rawpoll.Ready(uintptr(pidfd), rawpoll.In, heldPoll); exited {
			return true
		}
		runtime.Gosched()
	}
	return false
}
