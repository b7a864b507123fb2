// Package rawpoll waits, for a bounded time, for a descriptor to be ready,
// in a ppoll(2) made without telling Go's scheduler: the goroutine keeps
// its processor, and its thread sleeps in the kernel, which wakes it the
// moment the descriptor is ready.
//
// Go's own ways to wait cost more than the wait when it is short and
// frequent: a wait in Go's poller is noticed only when some thread next
// polls, and a system call that the scheduler is told of and finds still
// under way 20 µs later gets its processor handed to another thread, and
// sets the scheduler's monitor waking every 20 µs. The weft command waits
// so for the first milliseconds of a job's life (package job) and for room
// in a job's pipe (package pipe); longer waits go to Go's poller.
//
// A caller bounds each wait, lets other goroutines run between waits
// (runtime.Gosched), and keeps no more such waits going than there are
// processors.
//
//	for range 16 {
//		if ok, _ := rawpoll.Ready(pidfd, rawpoll.In, time.Millisecond); ok {
//			return true // the process has exited
//		}
//		runtime.Gosched()
//	}
package rawpoll

import "time"

// Events is what Ready waits for.
type Events int16

const (
	In  Events = 0x1 // POLLIN: there is something to read (a pidfd: its process has exited)
	Out Events = 0x4 // POLLOUT: there is room to write
)

// Ready waits up to d (none at all for 0) for fd to be ready for ev, and
// reports whether it is; an error or hang-up on fd (a pipe whose other end
// is closed) makes it ready too, since the read or write that follows will
// not wait. A signal that interrupts the wait (as Go's preemption does)
// ends it early, not ready. err is set for a descriptor that is not open,
// or another error of the system call. Ready is not inlined: a loop that
// calls it can be preempted at each call.
//
//go:noinline
func Ready(fd uintptr, ev Events, d time.Duration) (ready bool, err error) {
	return ready_(fd, ev, d)
}
