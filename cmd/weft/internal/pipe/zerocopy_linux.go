package pipe

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/weft-dev/weft/cmd/weft/internal/rawpoll"
)

const (
	spliceMove     = 0x1 // SPLICE_F_MOVE
	spliceNonblock = 0x2 // SPLICE_F_NONBLOCK
	maxKernelCopy  = 1 << 30
)

// copyRange writes n bytes of src from offset off to w. When w is a pipe
// the kernel splices the file's pages into it; when w is another file or a
// socket, sendfile(2) copies inside the kernel. Anything else, or a kernel
// that refuses, gets a plain read and write.
func copyRange(w io.Writer, src *os.File, off, n int64) (int64, error) {
	var written int64
	if dst, ok := w.(*os.File); ok {
		m, handled, err := kernelCopy(dst, src, off, n)
		written += m
		if handled || err != nil {
			return written, err
		}
		off, n = off+m, n-m
	}
	m, err := io.CopyBuffer(w, io.NewSectionReader(src, off, n), make([]byte, 256<<10))
	written += m
	if err == nil && m < n {
		err = io.ErrUnexpectedEOF // the file shrank under us
	}
	return written, err
}

// kernelCopy moves the range with splice(2) or sendfile(2). handled is
// false when neither applies; the caller then copies what is left.
func kernelCopy(dst, src *os.File, off, n int64) (written int64, handled bool, err error) {
	dc, err := dst.SyscallConn()
	if err != nil {
		return 0, false, nil
	}
	sc, err := src.SyscallConn()
	if err != nil {
		return 0, false, nil
	}
	var st syscall.Stat_t
	var nonblock bool
	var pause syscall.Timespec
	var capacity int64
	paused := false
	if cerr := dc.Control(func(fd uintptr) {
		if syscall.Fstat(int(fd), &st) != nil {
			st.Mode = 0
		}
		fl, _, e := syscall.Syscall(syscall.SYS_FCNTL, fd, syscall.F_GETFL, 0)
		nonblock = e == 0 && fl&syscall.O_NONBLOCK != 0
		if st.Mode&syscall.S_IFMT == syscall.S_IFIFO {
			if c, _, e := syscall.Syscall(syscall.SYS_FCNTL, fd, fGetPipeSize, 0); e == 0 {
				capacity = int64(c)
				pause = syscall.NsecToTimespec(int64(refillPause(int(c))))
			}
		}
	}); cerr != nil {
		return 0, false, nil
	}
	useSplice := st.Mode&syscall.S_IFMT == syscall.S_IFIFO
	if !useSplice && st.Mode&syscall.S_IFMT != syscall.S_IFREG && st.Mode&syscall.S_IFMT != syscall.S_IFSOCK {
		return 0, false, nil
	}

	var opErr error
	refused := false
	// While there are no more writers than processors, a writer keeps its
	// processor through the pauses and waits of a job that reads quickly
	// (see nap).
	held := false
	if useSplice && nonblock && pause.Nano() > 0 {
		held = int(writers.Add(1)) <= runtime.GOMAXPROCS(0)
		defer writers.Add(-1)
	}
	fast := true // the job read at least 1/32 of the pipe during the last pause
	// Control, not Read: it takes no lock on src, so that several blocks
	// of one file can be written at once.
	cerr := sc.Control(func(sfd uintptr) {
		werr := dc.Write(func(dfd uintptr) bool {
			for n > 0 {
				chunk := int(min(n, maxKernelCopy))
				var m int64
				var e error
				if useSplice {
					flags := spliceMove
					if nonblock {
						flags |= spliceNonblock
					}
					var k int64
					k, e = splice(int(sfd), &off, int(dfd), chunk, flags)
					m = k
				} else {
					o := off
					var k int
					k, e = syscall.Sendfile(int(dfd), int(sfd), &o, chunk)
					if k > 0 {
						m = int64(k)
						off += m
					}
				}
				switch {
				case e == syscall.EAGAIN && nonblock:
					if held && fast && awaitRoom(dfd, roomWait) {
						continue
					}
					return false // wait until writable, then go on
				case e == syscall.EINTR:
					continue
				case e == syscall.EINVAL || e == syscall.ENOSYS || e == syscall.EOPNOTSUPP:
					if written == 0 {
						refused = true // a plain copy will do
						return true
					}
					opErr = e
					return true
				case e != nil:
					opErr = e
					return true
				case m == 0:
					opErr = io.ErrUnexpectedEOF // the file shrank under us
					return true
				}
				if paused {
					fast = m >= capacity/32
					paused = false
				}
				written += m
				n -= m
				if useSplice && m < int64(chunk) && n > 0 && pause.Nano() > 0 {
					// The pipe is full: let the reader empty part of it
					// before refilling it (refillPause).
					refillPauses.Add(1)
					paused = true
					if held && fast {
						nap(&pause)
					} else {
						syscall.Nanosleep(&pause, nil)
					}
				}
			}
			return true
		})
		if opErr == nil && werr != nil {
			opErr = werr
		}
	})
	if cerr != nil && opErr == nil {
		opErr = cerr
	}
	if refused {
		return 0, false, nil
	}
	if opErr != nil {
		op := "sendfile"
		if useSplice {
			op = "splice"
		}
		return written, true, os.NewSyscallError(op, opErr)
	}
	return written, true, nil
}

// writers is the number of kernelCopy splices into pipes under way.
var writers atomic.Int32

// roomWait is the longest a writer that keeps its processor waits for its
// job to make room in the pipe, before it waits in Go's poller.
const roomWait = time.Millisecond

// nap sleeps for d, a refill pause, without telling Go's scheduler, as the
// calls on a job's output files in package job are made; then it lets the
// goroutines that wait for a processor run first (runtime.Gosched).
//
// A sleep that the scheduler is told of, and finds still under way 20 µs
// later, gets its processor handed to another thread, and sets the
// scheduler's monitor waking every 20 µs; and a wait in Go's poller for
// room in the pipe is noticed only when some thread next polls, which
// under load can be milliseconds after the job has read: meanwhile the
// job finds the pipe empty (BenchmarkPipe, README: `--pipe` took about a
// tenth longer so). The processor is kept only while there are no more
// writers than processors, and only for a job that read at least 1/32 of
// the pipe during the last pause (about 600 MB/s for a pipe of 1 MiB): a
// slower job's writer sleeps, and waits, as any goroutine does.
//
//go:noinline
func nap(d *syscall.Timespec) {
	syscall.RawSyscall(syscall.SYS_NANOSLEEP, uintptr(unsafe.Pointer(d)), 0, 0)
	runtime.Gosched()
}

// awaitRoom waits up to d, without telling Go's scheduler (see nap), for
// room in the pipe fd, and reports whether there is some.
func awaitRoom(fd uintptr, d time.Duration) bool {
	ok, _ := rawpoll.Ready(fd, rawpoll.Out, d)
	runtime.Gosched()
	return ok
}

func splice(rfd int, roff *int64, wfd int, n int, flags int) (int64, error) {
	m, err := syscall.Splice(rfd, roff, wfd, nil, n, flags)
	return int64(m), err
}

const (
	fSetPipeSize = 1031 // F_SETPIPE_SZ
	fGetPipeSize = 1032 // F_GETPIPE_SZ
)

// refillPauses counts the pauses of refillPause taken, for tests.
var refillPauses atomic.Int64

// refillPause is how long a splice that left a pipe of capacity bytes full
// waits before it fills the pipe again. Without it, the reader's first read
// of a full pipe wakes weft, which splices the few pages that read freed
// (wc reads 16 KiB at a time) and finds the pipe full again: a wake-up, a
// context switch and a splice per read, for both processes. A reader as
// fast as memory (about 10 bytes a nanosecond) empties half of the pipe in
// the pause, so it does not run dry; a slow reader is woken no more often
// than without it. Pipes under 256 KiB (where Linux refused a larger size)
// drain too quickly for a pause to pay.
func refillPause(capacity int) time.Duration {
	if capacity < 256<<10 {
		return 0
	}
	return time.Duration(capacity/20) * time.Nanosecond
}

// setPipeSize asks for a pipe capacity of n bytes, or as much as the
// system allows; it leaves the pipe as it was when it cannot.
func setPipeSize(p *os.File, n int) {
	rc, err := p.SyscallConn()
	if err != nil {
		return
	}
	rc.Control(func(fd uintptr) {
		for ; n >= 64<<10; n /= 2 {
			if _, _, e := syscall.Syscall(syscall.SYS_FCNTL, fd, fSetPipeSize, uintptr(n)); e == 0 {
				return
			}
		}
	})
}

// Pollable returns a new descriptor of f's pipe, FIFO or terminal on
// which reads have deadlines, so that --block-timeout and a cancelled
// Next can interrupt a read. The new descriptor has its own file status
// flags: making it non-blocking leaves f, and whoever else shares it, as
// they were. A regular file needs none and is returned as it is.
func Pollable(f *os.File) (*os.File, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("pipe: %w", err)
	}
	if st.Mode().IsRegular() {
		return f, nil
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, fmt.Errorf("pipe: %w", err)
	}
	var fd int
	var oerr error
	rc.Control(func(sfd uintptr) {
		path := fmt.Sprintf("/proc/self/fd/%d", sfd)
		fd, oerr = syscall.Open(path, syscall.O_RDONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	})
	if oerr != nil {
		return nil, fmt.Errorf("pipe: reopening %s to read it with deadlines: %w", f.Name(), oerr)
	}
	return os.NewFile(uintptr(fd), f.Name()), nil
}
