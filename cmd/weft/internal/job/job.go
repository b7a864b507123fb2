package job

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/weft-dev/weft/cmd/weft/internal/reaper"
)

// Result is what one job did.
type Result struct {
	Seq           int64
	Args          []string
	Cmdline       string
	Start         time.Time
	Elapsed       time.Duration
	Exit          int // -1 when killed by a signal
	Signal        int
	Stdout        *Output
	Stderr        *Output
	Skipped       bool // already done in the joblog being resumed
	FailedToStart error
	Host          string // the worker that ran it, for a job run through NATS
}

// OK reports whether the job ran and succeeded.
func (r *Result) OK() bool { return r.Exit == 0 && r.Signal == 0 && r.FailedToStart == nil }

// Tag is the --tag prefix of a job: its arguments joined by spaces.
func (r *Result) Tag() string { return strings.Join(r.Args, " ") }

// Release closes the job's output.
func (r *Result) Release() {
	r.Stdout.Close()
	r.Stderr.Close()
}

// gateScript precedes a job's command line when a reaper runs: the shell
// goes on once weft writes a line to fd 3, and exits if weft closes it
// first (or dies).
const gateScript = "read -r _ <&3 || exit 1; exec 3<&-; "

// SpillAt is how much of a job's output is kept in memory; past it the
// output goes to a temporary file.
const SpillAt = 1 << 20

// Output collects a job's output in memory, then in a temporary file once it
// passes SpillAt bytes.
type Output struct {
	mem  bytes.Buffer
	file *os.File
	n    int64
}

// Write appends p.
func (s *Output) Write(p []byte) (int, error) {
	s.n += int64(len(p))
	if s.file == nil && s.mem.Len()+len(p) > SpillAt {
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

// Len is the number of bytes written.
func (s *Output) Len() int64 { return s.n }

// CopyTo writes the whole output to w.
func (s *Output) CopyTo(w io.Writer) error {
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

// Reader reads the whole output from the start.
func (s *Output) Reader() (io.Reader, error) {
	if s.file == nil {
		return bytes.NewReader(s.mem.Bytes()), nil
	}
	if _, err := s.file.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return io.NopCloser(s.file), nil
}

// Bytes returns the whole output, which must be small.
func (s *Output) Bytes() []byte {
	if s.file == nil {
		return s.mem.Bytes()
	}
	var b bytes.Buffer
	s.CopyTo(&b)
	return b.Bytes()
}

// Close removes the temporary file, if any.
func (s *Output) Close() {
	if s != nil && s.file != nil {
		s.file.Close()
	}
}

// Procs is the set of running jobs' process groups, so that a second
// interrupt can kill them all at once.
type Procs struct {
	mu     sync.Mutex
	pids   map[int]bool
	dead   bool // kill at once from now on
	reaper *reaper.Reaper
}

// NewProcs returns an empty set; with a reaper, each job's group is
// reported to it.
func NewProcs(r *reaper.Reaper) *Procs {
	return &Procs{pids: map[int]bool{}, reaper: r}
}

func (p *Procs) add(pid int) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.dead {
		return false
	}
	p.pids[pid] = true
	if p.reaper != nil {
		p.reaper.Track(pid)
	}
	return true
}

func (p *Procs) remove(pid int) {
	p.mu.Lock()
	delete(p.pids, pid)
	if p.reaper != nil {
		p.reaper.Untrack(pid)
	}
	p.mu.Unlock()
}

// KillAll sends SIGKILL to every running job's process group, and to every
// one started from now on.
func (p *Procs) KillAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.dead = true
	for pid := range p.pids {
		syscall.Kill(-pid, syscall.SIGKILL)
	}
}

// Config is how an Executor runs jobs.
type Config struct {
	Timeout    time.Duration
	Grace      time.Duration
	Tries      int
	RetryDelay time.Duration
	LineBuffer bool
	Ungroup    bool
	Tag        bool
}

// Executor runs command lines as process groups.
type Executor struct {
	c     Config
	procs *Procs
	// stdout and stderr receive the output of --line-buffer and -u runs
	// as it comes, under outMu.
	stdout, stderr io.Writer
	outMu          sync.Mutex
}

// NewExecutor returns an Executor that runs jobs as c says.
func NewExecutor(c Config, procs *Procs, stdout, stderr io.Writer) *Executor {
	return &Executor{c: c, procs: procs, stdout: stdout, stderr: stderr}
}

// Run runs cmdline up to c.Tries times, waiting c.RetryDelay between
// tries, until it succeeds or ctx ends; a job whose ctx has ended before it
// starts is recorded as stopped by SIGTERM.
func (x *Executor) Run(ctx context.Context, seq int64, args []string, cmdline string) *Result {
	for attempt := 1; ; attempt++ {
		res := &Result{Seq: seq, Args: args, Cmdline: cmdline}
		if ctx.Err() != nil {
			res.Exit, res.Signal, res.Start = -1, int(syscall.SIGTERM), time.Now()
			res.Stdout, res.Stderr = &Output{}, &Output{}
			return res
		}
		x.run(ctx, res)
		if res.OK() || attempt >= x.c.Tries || ctx.Err() != nil {
			return res
		}
		res.Release()
		if x.c.RetryDelay > 0 {
			t := time.NewTimer(x.c.RetryDelay)
			select {
			case <-t.C:
			case <-ctx.Done():
			}
			t.Stop()
		}
	}
}

// run runs cmdline with /bin/sh -c in a process group of its own. The group
// is the job: when ctx ends or the timeout passes, the group gets SIGTERM,
// then SIGKILL after the grace period; when the shell exits, whatever it
// left running in its group is killed, so that no job leaves an orphan.
func (x *Executor) run(ctx context.Context, r *Result) {
	var readers sync.WaitGroup
	var closeAfterStart []*os.File
	// With a reaper, the shell waits at a gate (a read on fd 3) until the
	// reaper knows its group: a job cannot start anything the reaper would
	// miss if weft were killed at that moment.
	script := r.Cmdline
	var gate *os.File
	if x.procs.reaper != nil {
		if gr, gw, err := os.Pipe(); err == nil {
			closeAfterStart = append(closeAfterStart, gr)
			gate, script = gw, gateScript+r.Cmdline
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
		if f, ok := direct.(*os.File); ok && x.c.Ungroup {
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
	r.Stdout, r.Stderr = &Output{}, &Output{}
	var outSink, errSink io.Writer = r.Stdout, r.Stderr
	if x.c.LineBuffer || x.c.Ungroup {
		outSink = &lineWriter{w: x.stdout, mu: &x.outMu, prefix: x.tagFor(r), count: r.Stdout}
		errSink = &lineWriter{w: x.stderr, mu: &x.outMu, prefix: x.tagFor(r)}
	}
	var stdoutF, stderrF *os.File
	err := attach(&stdoutF, x.stdout, outSink)
	if err == nil {
		err = attach(&stderrF, x.stderr, errSink)
	}
	cmd.Stdout, cmd.Stderr = stdoutF, stderrF
	r.Start = time.Now()
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
		r.FailedToStart = err
		r.Exit = 127
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
	if x.c.Timeout > 0 {
		t := time.NewTimer(x.c.Timeout)
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
	r.Elapsed = time.Since(r.Start)
	ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		r.Exit, r.Signal = -1, int(ws.Signal())
	} else {
		r.Exit = ws.ExitStatus()
	}
}

// terminate sends SIGTERM to the process group, then SIGKILL if it has not
// exited after the grace period.
func (x *Executor) terminate(pid int, exited <-chan struct{}) {
	syscall.Kill(-pid, syscall.SIGTERM)
	t := time.NewTimer(x.c.Grace)
	defer t.Stop()
	select {
	case <-exited:
	case <-t.C:
		syscall.Kill(-pid, syscall.SIGKILL)
	}
}

func (x *Executor) tagFor(r *Result) []byte {
	if !x.c.Tag {
		return nil
	}
	return []byte(r.Tag() + "\t")
}

// lineWriter writes whole lines to w under mu, each with prefix: the output
// of --line-buffer, where lines of different jobs interleave but never mix.
type lineWriter struct {
	w      io.Writer
	mu     *sync.Mutex
	prefix []byte
	buf    []byte
	count  *Output // counts the bytes for the joblog, if set
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

// Slots hands out job slot numbers ({%}), from 1 up to the number of jobs
// that run at once, each held by one running job.
type Slots struct {
	mu   sync.Mutex
	free []int
	next int
}

// Get takes a free slot number.
func (s *Slots) Get() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := len(s.free); n > 0 {
		v := s.free[n-1]
		s.free = s.free[:n-1]
		return v
	}
	s.next++
	return s.next
}

// Put gives slot number v back.
func (s *Slots) Put(v int) {
	s.mu.Lock()
	s.free = append(s.free, v)
	s.mu.Unlock()
}
