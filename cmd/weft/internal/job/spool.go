package job

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"github.com/weft-dev/weft/cmd/weft/internal/rawpoll"
)

// A job whose output is grouped writes it to two files of its own, one for
// stdout and one for stderr, as GNU parallel's jobs do, rather than to
// pipes that weft reads while the job runs: no reader, no wake-up per
// write, no pipe to make, and the job never waits for weft. The files have
// no name (O_TMPFILE, in Config.TmpDir): they are gone once closed, even if
// weft is killed. Once the job has ended, weft takes what they hold: in
// memory up to SpillAt, else the file itself becomes the output's spill
// file. Where such files cannot be made, the job writes to pipes.

// spool is the two files of a job's grouped output.
type spool struct{ out, err int }

// newSpool makes the files of a job's output in dir ("" for $TMPDIR).
func newSpool(dir string) (*spool, error) {
	if dir == "" {
		dir = os.TempDir()
	}
	out, err := openUnnamed(dir)
	if err != nil {
		return nil, err
	}
	e, err := openUnnamed(dir)
	if err != nil {
		closeFile(out)
		return nil, err
	}
	return &spool{out: out, err: e}, nil
}

// close closes both files.
func (s *spool) close() {
	closeFile(s.out)
	closeFile(s.err)
}

// collect moves what the job wrote into r's outputs.
func (s *spool) collect(r *Result) {
	if err := r.Stdout.fill(s.out); err != nil {
		fmt.Fprintf(r.Stderr, "weft: reading the job's output: %v\n", err)
	}
	if err := r.Stderr.fill(s.err); err != nil {
		fmt.Fprintf(r.Stderr, "weft: reading the job's error output: %v\n", err)
	}
}

// devNull is /dev/null open for reading, the stdin of a job that has
// none: opened once, and kept.
var devNull = sync.OnceValues(func() (int, error) {
	return syscall.Open(os.DevNull, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
})

// onceSpooled is once with the job's output in the files of sp, which it
// closes.
func (x *Executor) onceSpooled(ctx context.Context, r *Result, in Stdin, prog string, argv []string, sp *spool) {
	defer sp.close()
	r.Stdout, r.Stderr = &Output{Dir: x.c.TmpDir}, &Output{Dir: x.c.TmpDir}
	fail := func(err error) {
		r.FailedToStart = err
		r.Exit = 127
	}
	// The input is written while the job starts and runs; a job that
	// could not start has its end closed below, so that the writing ends
	// at once.
	var stdinF *os.File
	var writer sync.WaitGroup
	defer writer.Wait()
	// writes: weft's writing of the job's input (nil when it writes
	// none), which the wait for the job's exit lets go first.
	var writes *writing
	if in != nil {
		f, write, err := in()
		if err != nil {
			fail(err)
			return
		}
		stdinF = f
		if write != nil {
			writes = new(writing)
			writer.Go(func() {
				defer writes.end()
				write()
			})
		}
	}
	if prog != "" {
		x.startDirect(ctx, r, stdinF, prog, argv, sp, writes)
		return
	}
	stdin, err := devNull()
	if stdinF != nil {
		stdin, err = int(stdinF.Fd()), nil
	}
	if err != nil {
		fail(err)
		return
	}
	// The shell reports its own process group to the reaper before it
	// runs the command line; with a niceness, it waits at the gate (see
	// oncePiped) until weft has set it.
	script := r.Cmdline
	files := []uintptr{uintptr(stdin), uintptr(sp.out), uintptr(sp.err)}
	reported := false
	if x.c.Nice == nil && x.procs.reaper != nil {
		if fd := x.procs.reaper.Report(); fd >= 0 {
			reported, script = true, x.reportScript+r.Cmdline
			files = append(files, uintptr(fd)) // fd 3
		}
	}
	gate := -1
	if !reported && x.gated() {
		var p [2]int
		if err := syscall.Pipe2(p[:], syscall.O_CLOEXEC); err == nil {
			defer syscall.Close(p[0])
			gate, script = p[1], x.gateScript+r.Cmdline
			files = append(files, uintptr(p[0])) // fd 3
		}
	}
	closeGate := func(go_ bool) {
		if gate >= 0 {
			if go_ {
				syscall.Write(gate, []byte{'\n'}) // the reaper knows the group: go
			}
			syscall.Close(gate) // unopened, the shell reads end of file and exits
			gate = -1
		}
	}
	defer closeGate(false)
	r.Start = time.Now()
	pidfd := -1
	pid, err := syscall.ForkExec(x.shellPath, []string{x.shell(), "-c", script}, &syscall.ProcAttr{
		Env:   jobEnv(os.Environ(), r),
		Files: files,
		// Setpgid: the job is a process group of its own, to stop as a
		// whole. Pdeathsig: if weft itself is killed, the job's shell
		// dies with it.
		Sys: &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL, PidFD: &pidfd},
	})
	if stdinF != nil {
		stdinF.Close()
	}
	if err != nil {
		fail(&os.PathError{Op: "fork/exec", Path: x.shellPath, Err: err})
		return
	}
	admitted := x.admit(pid, reported)
	x.open(pid, admitted, closeGate)
	var ws syscall.WaitStatus
	e := ended{
		pid: pid, admitted: admitted,
		status:  func() syscall.WaitStatus { return ws },
		collect: func() { sp.collect(r) }, errSink: r.Stderr,
	}
	exited := make(chan struct{})
	e.exited = exited
	if _, limited := x.timeLeft(r.Start); limited {
		go func() {
			defer close(exited)
			ws = waitExit(pid, pidfd, writes)
		}()
		x.see(ctx, r, e)
		return
	}
	// No time limit: the job is waited for here, and only ctx's end
	// needs a goroutine, to stop it; one hand-over fewer for each job.
	terminated := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(terminated)
		x.terminate(pid, exited)
	})
	ws = waitExit(pid, pidfd, writes)
	close(exited)
	stopped := !stop()
	if stopped {
		<-terminated
	}
	x.finish(r, e, stopped)
}

// waitExit waits for the child pid to exit, reaps it and returns its
// status. With its pidfd (-1 for none), it waits as awaitExit does, rather
// than holding a thread in wait4, which the runtime then hands its
// processor to another thread for: with many short jobs, that churn of
// threads costs more than the jobs. It closes pidfd.
func waitExit(pid, pidfd int, in *writing) syscall.WaitStatus {
	var ws syscall.WaitStatus
	if pidfd >= 0 {
		awaitExit(pidfd, in)
		// Exited, in all but awaitExit's failures: reaped without
		// blocking, and raw (see spool_linux.go).
		p, _, e := syscall.RawSyscall6(syscall.SYS_WAIT4, uintptr(pid), uintptr(unsafe.Pointer(&ws)), syscall.WNOHANG, 0, 0, 0)
		if int(p) == pid && e == 0 {
			return ws
		}
	}
	for {
		if _, err := syscall.Wait4(pid, &ws, 0, nil); err != syscall.EINTR {
			return ws
		}
	}
}

// startDirect runs prog with argv, without its shell (see direct), its
// output in the files of sp and its input from stdin (nil for /dev/null),
// written by weft if in is not nil.
func (x *Executor) startDirect(ctx context.Context, r *Result, stdin *os.File, prog string, argv []string, sp *spool, in *writing) {
	cmd := x.direct.directCmd(prog, argv, r)
	pidfd := -1 // a copy of the one os/exec keeps: see awaitExit
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL, PidFD: &pidfd}
	if stdin != nil {
		cmd.Stdin = stdin
	}
	// Files of their own over sp's descriptors, which sp closes: kept
	// alive until the job has ended.
	out, err := fileOf(sp.out, "stdout")
	if err != nil {
		r.FailedToStart, r.Exit = err, 127
		return
	}
	defer out.Close()
	errf, err := fileOf(sp.err, "stderr")
	if err != nil {
		r.FailedToStart, r.Exit = err, 127
		return
	}
	defer errf.Close()
	cmd.Stdout, cmd.Stderr = out, errf
	r.Start = time.Now()
	admitted, err := x.startCmd(cmd, prog)
	if stdin != nil {
		stdin.Close()
	}
	if err != nil {
		if pidfd >= 0 {
			syscall.Close(pidfd)
		}
		r.FailedToStart = err
		r.Exit = 127
		return
	}
	exited := make(chan struct{})
	go func() {
		awaitExit(pidfd, in)
		cmd.Wait() // the program has exited: this reaps it at once
		close(exited)
	}()
	x.see(ctx, r, ended{
		pid: cmd.Process.Pid, admitted: admitted, direct: true, exited: exited,
		status:  func() syscall.WaitStatus { return cmd.ProcessState.Sys().(syscall.WaitStatus) },
		collect: func() { sp.collect(r) }, errSink: r.Stderr,
	})
}

// awaitExit waits until the process of pidfd has exited, without reaping
// it, and closes pidfd; with none (-1) it returns at once. For the job's
// first milliseconds, the wait keeps its processor (awaitHeld); then it
// parks in Go's poller, as a read of a socket does. While weft writes the
// job's input (in), the wait parks in the poller at once, leaving the
// processor to the writer, and holds its own once the writing has ended.
// cmd.Wait alone would hold a thread in waitid(2) for the job's whole
// life, and its return after the job's exit needs a processor handed back
// to that thread.
func awaitExit(pidfd int, in *writing) {
	if pidfd < 0 {
		return
	}
	if in == nil && awaitHeld(pidfd) {
		closeFile(pidfd)
		return
	}
	if syscall.SetNonblock(pidfd, true) != nil {
		syscall.Close(pidfd)
		return
	}
	f := os.NewFile(uintptr(pidfd), "pidfd")
	defer f.Close()
	rc, err := f.SyscallConn()
	if err != nil {
		return
	}
	exited := func(fd uintptr) bool {
		// Readable once the process has exited; an error (not a pidfd
		// after all) leaves it to the caller's wait.
		exited, err := rawpoll.Ready(fd, rawpoll.In, 0)
		return exited || err != nil
	}
	if in != nil {
		// Woken by the end of the writing (a deadline passed), or by
		// the exit.
		in.wakes(f)
		if !errors.Is(rc.Read(exited), os.ErrDeadlineExceeded) || awaitHeld(pidfd) {
			return
		}
		f.SetReadDeadline(time.Time{})
	}
	rc.Read(exited)
}

// writing is weft's writing of a job's input, as the wait for the job's
// exit sees it: the writer needs a processor, so the wait leaves its own
// until the writing ends (awaitExit). end then wakes the wait, parked in
// Go's poller on the job's pidfd, by passing the pidfd's read deadline.
type writing struct {
	mu    sync.Mutex
	ended bool
	wait  *os.File // the pidfd the wait parks on, once it does
}

// end ends the writing, and wakes the wait if it is parked.
func (w *writing) end() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.ended = true
	if w.wait != nil {
		w.wait.SetReadDeadline(longAgo)
	}
}

// wakes has the end of the writing wake a wait parked on f, at once if
// the writing has ended already.
func (w *writing) wakes(f *os.File) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.wait = f
	if w.ended {
		f.SetReadDeadline(longAgo)
	}
}

// longAgo is a deadline passed already.
var longAgo = time.Unix(1, 0)

// fileOf is an *os.File of a copy of descriptor fd.
func fileOf(fd int, name string) (*os.File, error) {
	nfd, err := dupCloexec(fd)
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(nfd), name), nil
}

// dupCloexec duplicates fd, close-on-exec.
func dupCloexec(fd int) (int, error) {
	nfd, _, e := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_DUPFD_CLOEXEC, 0)
	if e != 0 {
		return -1, e
	}
	return int(nfd), nil
}

// fill takes what a job wrote to the file fd (from its start): into
// memory up to SpillAt, else a copy of fd becomes the spill file.
func (s *Output) fill(fd int) error {
	size, err := fileSize(fd)
	if err != nil {
		return err
	}
	if size == 0 {
		return nil
	}
	if size > SpillAt && s.file == nil && s.mem.Len() == 0 {
		nfd, err := dupCloexec(fd)
		if err != nil {
			return err
		}
		f := os.NewFile(uintptr(nfd), "weft-output")
		if _, err := f.Seek(0, 2); err != nil { // io.SeekEnd: whatever comes next goes after it
			f.Close()
			return err
		}
		s.file, s.n = f, size
		return nil
	}
	buf := make([]byte, size)
	n := 0
	for n < len(buf) {
		m, err := syscall.Pread(fd, buf[n:], int64(n))
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		if m == 0 {
			break // shortened since
		}
		n += m
	}
	if s.file == nil && s.mem.Len() == 0 {
		s.mem = *bytes.NewBuffer(buf[:n])
		s.n = int64(n)
		return nil
	}
	_, err = s.Write(buf[:n])
	return err
}
