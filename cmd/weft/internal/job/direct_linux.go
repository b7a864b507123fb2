//go:build linux && (amd64 || arm64)

package job

import (
	"os/exec"
	"runtime"
	"syscall"
	"unsafe"
)

// canTrace says that programs can be started stopped here (startTraced),
// and that signals have Linux's numbers.
const canTrace = true

// hasFileCaps reports whether p has file capabilities.
func hasFileCaps(p string) bool {
	_, err := syscall.Getxattr(p, "security.capability", nil)
	return err == nil || err == syscall.ERANGE
}

const (
	pPID       = 1          // P_PID
	wNowait    = 0x01000000 // WNOWAIT
	wAll       = 0x40000000 // __WALL
	cldTrapped = 4          // CLD_TRAPPED
)

// startTraced starts cmd traced, so that the program stops before its
// first instruction, calls admit with its pid, then lets it run. admit
// returning false (weft is stopping) kills it instead. An error means the
// program did not start (tracing may have been refused).
func startTraced(cmd *exec.Cmd, admit func(pid int) bool) error {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Ptrace = true
	// The tracer is the thread that started the program: the same thread
	// must let it go.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := cmd.Start(); err != nil {
		return err
	}
	pid := cmd.Process.Pid
	// Wait for the stop at exec (or a signal before it), without reaping
	// the program if it died first: cmd.Wait does that.
	var info [128]byte
	stopped := false
	sig := 0
	for {
		_, _, e := syscall.Syscall6(syscall.SYS_WAITID, pPID, uintptr(pid), uintptr(unsafe.Pointer(&info[0])),
			syscall.WEXITED|syscall.WSTOPPED|wNowait|wAll, 0, 0)
		if e == syscall.EINTR {
			continue
		}
		if e == 0 {
			code := *(*int32)(unsafe.Pointer(&info[8]))
			status := *(*int32)(unsafe.Pointer(&info[24])) // si_status, after si_pid and si_uid
			stopped = code == cldTrapped
			if stopped && syscall.Signal(status) != syscall.SIGTRAP {
				sig = int(status) // a signal before the exec: pass it on
			}
		}
		break
	}
	ok := admit(pid)
	if !ok {
		syscall.Kill(-pid, syscall.SIGKILL)
	}
	if stopped {
		syscall.Syscall6(syscall.SYS_PTRACE, syscall.PTRACE_DETACH, uintptr(pid), 0, uintptr(sig), 0, 0)
	}
	return nil
}
