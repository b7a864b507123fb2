package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"

	"github.com/weft-dev/weft/cmd/weft/internal/input"
)

// job is one job of the run.
type job = input.Job

// result is what one job did.
type result struct {
	job
	cmdline       string
	start         time.Time
	elapsed       time.Duration
	exit          int // -1 when killed by a signal
	signal        int
	stdout        *spill
	stderr        *spill
	skipped       bool // already done in the joblog being resumed
	failedToStart error
	host          string // the worker that ran it, for a job run through NATS
}

func (r *result) ok() bool { return r.exit == 0 && r.signal == 0 && r.failedToStart == nil }

// gateScript precedes a job's command line when a reaper runs: the shell
// goes on once weft writes a line to fd 3, and exits if weft closes it
// first (or dies).
const gateScript = "read -r _ <&3 || exit 1; exec 3<&-; "

// spillAt is how much of a job's output is kept in memory; past it the
// output goes to a temporary file.
const spillAt = 1 << 20

// spill collects a job's output in memory, then in a temporary file once it
// passes spillAt bytes.
type spill struct {
	mem  bytes.Buffer
	file *os.File
	n    int64
}

func (s *spill) Write(p []byte) (int, error) {
	s.n += int64(len(p))
	if s.file == nil && s.mem.Len()+len(p) > spillAt {
		f, err := os.CreateTemp("", "weft-output-*")
		if err != nil {
			return s.mem.Write(p) // no temporary space: keep it in memory
		}
		os.Remove(f.Name()) // unlinked: gone when closed, even if weft is killed
		if _, err := f.Write(s.mem.Bytes()); err != nil {
			f.Close()
			return 0, err
		}
		s.mem = bytes.Buffer{}
		s.file = f
	}
	if s.file != nil {
		return s.file.Write(p)
	}
	return s.mem.Write(p)
}

// copyTo writes the whole output to w.
func (s *spill) copyTo(w io.Writer) error {
	if s.file == nil {
		_, err := w.Write(s.mem.Bytes())
		return err
	}
	if _, err := s.file.Seek(0, io.SeekStart); err != nil {
		return err
	}
	_, err := io.Copy(w, s.file)
	return err
}

func (s *spill) close() {
	if s != nil && s.file != nil {
		s.file.Close()
	}
}

// procs is the set of running jobs' process groups, so that a second
// interrupt can kill them all at once.
type procs struct {
	mu     sync.Mutex
	pids   map[int]bool
	dead   bool // kill at once from now on
	reaper reaper
}

func (p *procs) add(pid int) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.dead {
		return false
	}
	p.pids[pid] = true
	p.reaper.track(pid)
	return true
}

func (p *procs) remove(pid int) {
	p.mu.Lock()
	delete(p.pids, pid)
	p.reaper.untrack(pid)
	p.mu.Unlock()
}

// killAll sends SIGKILL to every running job's process group, and to every
// one started from now on.
func (p *procs) killAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.dead = true
	for pid := range p.pids {
		syscall.Kill(-pid, syscall.SIGKILL)
	}
}

// executor runs command lines as process groups.
type executor struct {
	o     *options
	procs *procs
	// stdout and stderr receive the output of --line-buffer and -u runs
	// as it comes, under outMu.
	stdout, stderr io.Writer
	outMu          *sync.Mutex
}

// run runs cmdline with /bin/sh -c in a process group of its own. The group
// is the job: when ctx ends or the timeout passes, the group gets SIGTERM,
// then SIGKILL after the grace period; when the shell exits, whatever it
// left running in its group is killed, so that no job leaves an orphan.
func (x *executor) run(ctx context.Context, r *result) {
	var readers sync.WaitGroup
	var closeAfterStart []*os.File
	// With a reaper, the shell waits at a gate (a read on fd 3) until the
	// reaper knows its group: a job cannot start anything the reaper would
	// miss if weft were killed at that moment.
	script := r.cmdline
	var gate *os.File
	if reaperEnabled {
		if gr, gw, err := os.Pipe(); err == nil {
			closeAfterStart = append(closeAfterStart, gr)
			gate, script = gw, gateScript+r.cmdline
		}
	}
	cmd := exec.Command("/bin/sh", "-c", script)
	if gate != nil {
		cmd.ExtraFiles = []*os.File{closeAfterStart[0]} // fd 3
	}
	// Setpgid: the job is a process group of its own, to stop as a whole.
	// Pdeathsig: if weft itself is killed, the job's shell dies with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	attach := func(dst **os.File, direct io.Writer, sink io.Writer) error {
		if f, ok := direct.(*os.File); ok && (x.o.ungroup) {
			*dst = f
			return nil
		}
		pr, pw, err := os.Pipe()
		if err != nil {
			return err
		}
		*dst = pw
		closeAfterStart = append(closeAfterStart, pw)
		readers.Go(func() {
			defer pr.Close()
			io.Copy(sink, pr)
			if lw, ok := sink.(*lineWriter); ok {
				lw.flush()
			}
		})
		return nil
	}
	r.stdout, r.stderr = &spill{}, &spill{}
	var outSink, errSink io.Writer = r.stdout, r.stderr
	if x.o.lineBuffer || x.o.ungroup {
		outSink = &lineWriter{w: x.stdout, mu: x.outMu, prefix: x.tagFor(r), count: r.stdout}
		errSink = &lineWriter{w: x.stderr, mu: x.outMu, prefix: x.tagFor(r)}
	}
	var stdoutF, stderrF *os.File
	err := attach(&stdoutF, x.stdout, outSink)
	if err == nil {
		err = attach(&stderrF, x.stderr, errSink)
	}
	cmd.Stdout, cmd.Stderr = stdoutF, stderrF
	r.start = time.Now()
	if err == nil {
		err = cmd.Start()
	}
	for _, f := range closeAfterStart {
		f.Close()
	}
	if err != nil {
		if gate != nil {
			gate.Close()
		}
		readers.Wait()
		r.failedToStart = err
		r.exit = 127
		return
	}
	pid := cmd.Process.Pid
	if x.procs.add(pid) {
		if gate != nil {
			gate.Write([]byte{'\n'}) // the reaper knows the group: go
		}
	} else {
		syscall.Kill(-pid, syscall.SIGKILL)
	}
	if gate != nil {
		gate.Close() // unopened, the shell reads end of file and exits
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	var timeout <-chan time.Time
	if x.o.timeout > 0 {
		t := time.NewTimer(x.o.timeout)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-exited:
	case <-timeout:
		x.terminate(pid, exited)
	case <-ctx.Done():
		x.terminate(pid, exited)
	}
	<-exited
	syscall.Kill(-pid, syscall.SIGKILL) // what the job left running
	x.procs.remove(pid)
	readers.Wait()
	r.elapsed = time.Since(r.start)
	ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		r.exit, r.signal = -1, int(ws.Signal())
	} else {
		r.exit = ws.ExitStatus()
	}
}

// terminate sends SIGTERM to the process group, then SIGKILL if it has not
// exited after the grace period.
func (x *executor) terminate(pid int, exited <-chan struct{}) {
	syscall.Kill(-pid, syscall.SIGTERM)
	t := time.NewTimer(x.o.grace)
	defer t.Stop()
	select {
	case <-exited:
	case <-t.C:
		syscall.Kill(-pid, syscall.SIGKILL)
	}
}

func (x *executor) tagFor(r *result) []byte {
	if !x.o.tag {
		return nil
	}
	return []byte(tagOf(r.Args) + "\t")
}

// lineWriter writes whole lines to w under mu, each with prefix: the output
// of --line-buffer, where lines of different jobs interleave but never mix.
type lineWriter struct {
	w      io.Writer
	mu     *sync.Mutex
	prefix []byte
	buf    []byte
	count  *spill // counts the bytes for the joblog, if set
}

func (l *lineWriter) Write(p []byte) (int, error) {
	if l.count != nil {
		l.count.n += int64(len(p))
	}
	l.buf = append(l.buf, p...)
	i := bytes.LastIndexByte(l.buf, '\n')
	if i < 0 {
		return len(p), nil
	}
	err := l.emit(l.buf[:i+1])
	l.buf = append(l.buf[:0], l.buf[i+1:]...)
	return len(p), err
}

func (l *lineWriter) emit(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.prefix == nil {
		_, err := l.w.Write(b)
		return err
	}
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n') + 1
		if i == 0 {
			i = len(b)
		}
		if _, err := l.w.Write(append(append([]byte(nil), l.prefix...), b[:i]...)); err != nil {
			return err
		}
		b = b[i:]
	}
	return nil
}

// flush writes a last line without its newline.
func (l *lineWriter) flush() error { err := l.emit(l.buf); l.buf = nil; return err }
