// Package job runs one job: a shell command line as a process group of its
// own, with a timeout and a grace period, retries, and its output collected
// whole (spilling to an unlinked temporary file past SpillAt) or passed on
// line by line (--line-buffer) or as it comes (-u).
//
//	procs := job.NewProcs(nil)
//	x := job.NewExecutor(job.Config{Tries: 1, Grace: 2 * time.Second}, procs, os.Stdout, os.Stderr)
//	res := x.Run(ctx, 1, []string{"a"}, "echo a")
//	defer res.Release()
//
// A job is its process group: when ctx ends or the timeout passes, the
// group gets SIGTERM, then SIGKILL after the grace period; when the shell
// exits, whatever it left running in its group is killed, so that no job
// leaves an orphan. When the shell is dash, a command line that is one
// program and plain words ("wc -l") runs as that program alone, as dash
// would have run it, without the shell's own start.
package job

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Config is how an Executor runs jobs.
type Config struct {
	Timeout    time.Duration // stop a job after this long; 0 for no limit
	Grace      time.Duration // between SIGTERM and SIGKILL
	Tries      int           // run a failing job up to this many times in all (at least 1)
	RetryDelay time.Duration // wait this long between tries
	LineBuffer bool          // pass whole lines on as they come (--line-buffer)
	Ungroup    bool          // pass output on as it comes (-u)
	Tag        bool          // prefix each line passed on with the job's Tag and a tab
	Shell      string        // runs each command line with -c; "" for /bin/sh
	TmpDir     string        // where large output spills; "" for $TMPDIR
	// TagOf is the tag of a job's lines with Tag (--tagstring); nil for
	// Result.Tag.
	TagOf func(*Result) string
	// Echo passes each job's command line on to stdout before its output
	// (-v), with LineBuffer or Ungroup.
	Echo bool
	// TimeoutPercent, when above 0, stops a job after this share (2 for
	// 200%) of the median run time of the jobs that succeeded so far, as
	// GNU parallel's --timeout P% does: no limit before the first success,
	// checked again at least every second as the median moves.
	TimeoutPercent float64
	// Nice, when set, is the niceness the jobs run at (--nice): set on
	// the job's shell before it runs the command line; a niceness this
	// process may not set is left as it is, as GNU parallel does.
	Nice *int
	// Termseq, when set, is how a job is stopped instead of SIGTERM, the
	// grace period and SIGKILL: each signal in turn to its process
	// group, each followed by a wait while the job runs; then SIGKILL if
	// it still does.
	Termseq []Signal
}

// Signal is a step of Config.Termseq: a signal, then how long to wait for
// the job to end.
type Signal struct {
	Sig  syscall.Signal
	Wait time.Duration
}

// gateScript precedes a job's command line when a reaper runs (or a
// niceness is set): the shell goes on once weft writes a line to fd 3, and
// exits if weft closes it first (or dies).
const gateScript = "read -r _ <&3 || exit 1; exec 3<&-; "

// reportScript precedes a job's command line when a reaper runs and its
// output is spooled: the shell reports its own process group to the
// reaper, on fd 3, before it runs anything, and closes it. A reaper gone
// makes the report fail, not the job (SIGPIPE is ignored for the write
// alone; a signal weft was started with ignored stays ignored).
const reportScript = "trap '' PIPE; echo +$$ >&3; trap - PIPE; exec 3>&-; "

// bashGateScript and bashReportScript are the two prefixes for bash, which
// defines the functions exported in its environment (export -f) before it
// reads the command line: a function named echo, read, trap or exec would
// run in place of the builtin, and its output or its failure would become
// the job's. command runs the builtin whatever functions exist. (Other
// shells import no functions, and zsh's command runs only programs.)
const (
	bashGateScript   = "command read -r _ <&3 || command exit 1; command exec 3<&-; "
	bashReportScript = "command trap '' PIPE; command echo +$$ >&3; command trap - PIPE; command exec 3>&-; "
)

// Executor runs command lines as process groups. It is safe for concurrent
// use by multiple goroutines.
type Executor struct {
	c     Config
	procs *Procs
	// shellPath is the shell's file, found in $PATH if need be; "" when
	// it is not found (jobs then go through os/exec, which says why).
	shellPath string
	// gateScript and reportScript are the prefixes for this shell.
	gateScript, reportScript string
	direct                   *direct // nil: every job goes to its shell
	// stdout and stderr receive the output of --line-buffer and -u runs
	// as it comes, under outMu.
	stdout, stderr io.Writer
	outMu          sync.Mutex
	median         median // run times of successful jobs, for TimeoutPercent
}

// NewExecutor returns an Executor that runs jobs as c says, registers
// their process groups in procs, and passes output that is not collected
// (c.LineBuffer, c.Ungroup) on to stdout and stderr.
func NewExecutor(c Config, procs *Procs, stdout, stderr io.Writer) *Executor {
	x := &Executor{c: c, procs: procs, stdout: stdout, stderr: stderr}
	x.shellPath = x.shell()
	if !strings.Contains(x.shellPath, "/") {
		x.shellPath, _ = exec.LookPath(x.shellPath)
	}
	x.gateScript, x.reportScript = gateScript, reportScript
	if isBash(x.shellPath) {
		x.gateScript, x.reportScript = bashGateScript, bashReportScript
	}
	// Without its shell, a job's program would start before a niceness is
	// set, and a timeout would have no shell's status to report.
	if c.Timeout == 0 && c.TimeoutPercent == 0 && c.Nice == nil {
		shell := c.Shell
		if shell == "" {
			shell = "/bin/sh"
		}
		x.direct = newDirect(shell)
	}
	return x
}

// Run runs cmdline, the job seq with arguments args, up to Config.Tries
// times, waiting Config.RetryDelay between tries, until it succeeds or ctx
// ends. A job whose ctx has ended before it starts is recorded as stopped
// by SIGTERM, without running. The caller releases the result.
func (x *Executor) Run(ctx context.Context, seq int64, args []string, cmdline string) *Result {
	return x.RunStdin(ctx, seq, args, cmdline, nil)
}

// RunStdin is Run with the standard input that in gives each try (see
// Stdin); an error in giving it fails the try as a job that could not
// start.
func (x *Executor) RunStdin(ctx context.Context, seq int64, args []string, cmdline string, in Stdin) *Result {
	return x.RunSlot(ctx, seq, 0, args, cmdline, in)
}

// RunSlot is RunStdin for a job that runs in job slot slot (from 1; 0 for
// none): the job finds its number, its slot and weft's process ID in its
// environment, as $PARALLEL_SEQ, $PARALLEL_JOBSLOT (only with a slot) and
// $PARALLEL_PID, as GNU parallel's jobs do.
func (x *Executor) RunSlot(ctx context.Context, seq int64, slot int, args []string, cmdline string, in Stdin) *Result {
	for attempt := 1; ; attempt++ {
		res := &Result{Seq: seq, Slot: slot, Args: args, Cmdline: cmdline}
		if ctx.Err() != nil {
			res.Exit, res.Signal, res.Start = -1, int(syscall.SIGTERM), time.Now()
			res.Stdout, res.Stderr = &Output{}, &Output{}
			return res
		}
		if prog, argv, ok := x.direct.command(cmdline); ok {
			x.once(ctx, res, in, prog, argv)
			if res.FailedToStart != nil {
				// Not started without its shell (tracing refused, a file
				// the kernel will not run): the shell runs it, and says why
				// if it cannot either.
				if errors.Is(res.FailedToStart, syscall.EPERM) {
					x.direct.off.Store(true) // tracing refused: it will be again
				}
				res.Release()
				res = &Result{Seq: seq, Slot: slot, Args: args, Cmdline: cmdline}
				x.once(ctx, res, in, "", nil)
			}
		} else {
			x.once(ctx, res, in, "", nil)
		}
		if res.OK() && x.c.TimeoutPercent > 0 {
			x.median.add(res.Elapsed)
		}
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

// once runs r.Cmdline with the shell's -c (/bin/sh by default) in a
// process group of its own, and fills in r. With prog, it runs prog with
// argv instead, as the shell would have run r.Cmdline (see direct).
//
// A job whose output is grouped (neither LineBuffer nor Ungroup) writes it
// to files of its own (see spool), read once it has ended; otherwise weft
// reads its output from pipes as it comes.
func (x *Executor) once(ctx context.Context, r *Result, in Stdin, prog string, argv []string) {
	if !x.c.LineBuffer && !x.c.Ungroup && (prog != "" || x.shellPath != "") {
		if sp, err := newSpool(x.c.TmpDir); err == nil {
			x.onceSpooled(ctx, r, in, prog, argv, sp)
			return
		}
		// No file without a name here: pipes, as with --line-buffer.
	}
	x.oncePiped(ctx, r, in, prog, argv)
}

// oncePiped is once with the job's output read from pipes while it runs.
func (x *Executor) oncePiped(ctx context.Context, r *Result, in Stdin, prog string, argv []string) {
	var readers sync.WaitGroup
	var closeAfterStart []*os.File
	var cmd *exec.Cmd
	var gate *os.File
	if prog != "" {
		cmd = x.direct.directCmd(prog, argv, r)
	} else {
		// With a reaper, the shell waits at a gate (a read on fd 3) until
		// the reaper knows its group: a job cannot start anything the
		// reaper would miss if weft were killed at that moment. With a
		// niceness, until it is set: whatever the command starts inherits
		// it.
		script := r.Cmdline
		if x.gated() {
			if gr, gw, err := os.Pipe(); err == nil {
				closeAfterStart = append(closeAfterStart, gr)
				gate, script = gw, x.gateScript+r.Cmdline
			}
		}
		cmd = exec.Command(x.shell(), "-c", script)
		cmd.Env = jobEnv(os.Environ(), r)
		if gate != nil {
			cmd.ExtraFiles = []*os.File{closeAfterStart[0]} // fd 3
		}
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
	r.Stdout, r.Stderr = &Output{Dir: x.c.TmpDir}, &Output{Dir: x.c.TmpDir}
	if x.c.Echo && (x.c.LineBuffer || x.c.Ungroup) {
		x.outMu.Lock()
		x.stdout.Write(append(x.tagFor(r), r.Cmdline+"\n"...))
		x.outMu.Unlock()
	}
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
	// The input is written while the job starts and runs (the pipe fills
	// while the shell starts); a job that could not start has its end
	// closed below, so that the writing ends at once.
	var writer sync.WaitGroup
	defer writer.Wait()
	if err == nil && in != nil {
		stdinF, write, ierr := in()
		if err = ierr; err == nil {
			cmd.Stdin = stdinF
			closeAfterStart = append(closeAfterStart, stdinF)
			if write != nil {
				writer.Go(write)
			}
		}
	}
	r.Start = time.Now()
	admitted := false
	if err == nil {
		admitted, err = x.startCmd(cmd, prog)
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
	x.open(pid, admitted, func(go_ bool) {
		if gate != nil {
			if go_ {
				gate.Write([]byte{'\n'}) // the reaper knows the group: go
			}
			gate.Close() // unopened, the shell reads end of file and exits
		}
	})
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	x.see(ctx, r, ended{
		pid: pid, admitted: admitted, direct: prog != "", exited: exited,
		status:  func() syscall.WaitStatus { return cmd.ProcessState.Sys().(syscall.WaitStatus) },
		collect: readers.Wait, errSink: errSink,
	})
}

// gated says whether a job's shell waits at a gate before it runs the
// command line: with a reaper, until the reaper knows the job's group;
// with a niceness, until it is set.
func (x *Executor) gated() bool { return x.procs.reaper != nil || x.c.Nice != nil }

// isBash reports whether the shell at path is bash, by any name (sh is
// bash on some systems).
func isBash(path string) bool {
	if path == "" {
		return false
	}
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		real = path
	}
	return filepath.Base(real) == "bash"
}

// shell is the shell that runs command lines.
func (x *Executor) shell() string {
	if x.c.Shell == "" {
		return "/bin/sh"
	}
	return x.c.Shell
}

// startCmd starts cmd, a job's shell or its program prog, and registers
// its process group; admitted is false when the run kills its jobs
// already (the group is killed at once).
func (x *Executor) startCmd(cmd *exec.Cmd, prog string) (admitted bool, err error) {
	if prog != "" && x.procs.reaper != nil {
		// No shell to wait at the gate: the program starts stopped
		// until the reaper knows its group.
		err = startTraced(cmd, func(pid int) bool {
			admitted = x.procs.add(pid, false)
			return admitted
		})
		return admitted, err
	}
	if err = cmd.Start(); err != nil {
		return false, err
	}
	return x.admit(cmd.Process.Pid, false), nil
}

// admit registers the process group of a job just started (reported: its
// shell tells the reaper itself), or kills it when the run kills its jobs
// already.
func (x *Executor) admit(pid int, reported bool) bool {
	if x.procs.add(pid, reported) {
		return true
	}
	syscall.Kill(-pid, syscall.SIGKILL)
	return false
}

// open lets a started job go on: its niceness set, then its gate opened
// (go_ false when it was not admitted: the shell exits at the gate).
func (x *Executor) open(pid int, admitted bool, gate func(go_ bool)) {
	if admitted && x.c.Nice != nil {
		syscall.Setpriority(syscall.PRIO_PROCESS, pid, *x.c.Nice) // as GNU parallel: a niceness not allowed is not an error
	}
	gate(admitted)
}

// ended is what see needs to know of a started job.
type ended struct {
	pid      int
	admitted bool
	direct   bool                      // run without its shell
	exited   <-chan struct{}           // closed once the job's process has exited and been waited for
	status   func() syscall.WaitStatus // how it exited, once it has
	collect  func()                    // gathers its output once its group is gone
	errSink  io.Writer                 // where a message as dash's goes
}

// see waits for the started job e to end (stopping it at its timeout, or
// when ctx ends), kills what it left running, and fills in r.
func (x *Executor) see(ctx context.Context, r *Result, e ended) {
	pid := e.pid
	var timeout <-chan time.Time
	var t *time.Timer
	stopped := false // ctx ended: weft stopped the job
	if wait, ok := x.timeLeft(r.Start); ok {
		t = time.NewTimer(wait)
		defer t.Stop()
		timeout = t.C
	}
wait:
	select {
	case <-e.exited:
	case <-timeout:
		if wait, ok := x.timeLeft(r.Start); ok && wait > 0 {
			t.Reset(wait) // a moving limit that is not reached yet
			goto wait
		}
		x.terminate(pid, e.exited)
	case <-ctx.Done():
		stopped = true
		x.terminate(pid, e.exited)
	}
	<-e.exited
	x.finish(r, e, stopped)
}

// finish fills in r once the job e has exited (stopped: weft stopped it
// as ctx ended), after killing what it left running.
func (x *Executor) finish(r *Result, e ended, stopped bool) {
	pid := e.pid
	if syscall.Kill(-pid, syscall.SIGKILL) == nil { // what the job left running
		groupGone(pid, leftWait)
	}
	x.procs.remove(pid)
	e.collect()
	r.Elapsed = time.Since(r.Start)
	ws := e.status()
	switch {
	case e.direct && (stopped || !e.admitted || ws.Signaled() && x.procs.killed()):
		// weft signalled the group: the shell would have died of it.
		r.Exit, r.Signal = -1, int(syscall.SIGTERM)
		if !stopped {
			r.Signal = int(syscall.SIGKILL)
		}
	case e.direct:
		var msg string
		r.Exit, msg = dashStatus(ws)
		if msg != "" {
			e.errSink.Write([]byte(msg))
			if lw, ok := e.errSink.(*lineWriter); ok {
				lw.flush()
			}
		}
	case ws.Signaled():
		r.Exit, r.Signal = -1, int(ws.Signal())
	default:
		r.Exit = ws.ExitStatus()
	}
}

// recheck is how often a limit that moves (TimeoutPercent) is looked at
// again.
const recheck = time.Second

// timeLeft says how long the job started at start may still run before its
// timeout, or when to look again; ok is false with no timeout at all.
func (x *Executor) timeLeft(start time.Time) (wait time.Duration, ok bool) {
	switch {
	case x.c.TimeoutPercent > 0:
		limit, known := x.median.get()
		if !known {
			return recheck, true
		}
		return min(time.Duration(float64(limit)*x.c.TimeoutPercent)-time.Since(start), recheck), true
	case x.c.Timeout > 0:
		return x.c.Timeout - time.Since(start), true
	}
	return 0, false
}

// terminate sends SIGTERM to the process group, then SIGKILL if it has not
// exited after the grace period. With Config.Termseq, it sends each signal
// of it in turn to the group while anything of the group runs (the shell,
// or what it started, as GNU parallel does), waiting after each; then
// SIGKILL.
func (x *Executor) terminate(pid int, exited <-chan struct{}) {
	if x.c.Termseq == nil {
		syscall.Kill(-pid, syscall.SIGTERM)
		t := time.NewTimer(x.c.Grace)
		defer t.Stop()
		select {
		case <-exited:
		case <-t.C:
			syscall.Kill(-pid, syscall.SIGKILL)
		}
		return
	}
	for _, s := range x.c.Termseq {
		if syscall.Kill(-pid, s.Sig) != nil {
			return // the group is gone
		}
		if groupWait(pid, exited, s.Wait) {
			return
		}
	}
	syscall.Kill(-pid, syscall.SIGKILL)
}

// leftWait bounds how long a job's end waits for what it left running,
// killed, to be gone, so that a job ends with all its processes (weft's
// exit too, after a signal). Killed processes go at once, unless their
// new parent does not reap them: then the wait gives up.
const leftWait = 200 * time.Millisecond

// groupGone waits up to d for the processes of group pid to be gone (dead:
// a zombie that its new parent has yet to reap counts as gone): polled,
// since nothing tells when the last process of a group exits.
func groupGone(pid int, d time.Duration) {
	deadline := time.Now().Add(d)
	for syscall.Kill(-pid, 0) == nil && groupRuns(pid) && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
}

// groupRuns reports whether a process of group pgid is alive, not a
// zombie, as /proc shows it (true where /proc cannot be read).
func groupRuns(pgid int) bool {
	d, err := os.Open("/proc")
	if err != nil {
		return true
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return true
	}
	for _, n := range names {
		if n[0] < '0' || n[0] > '9' {
			continue
		}
		b, err := os.ReadFile("/proc/" + n + "/stat")
		if err != nil {
			continue // gone meanwhile
		}
		// pid (comm) state ppid pgrp ...: comm may hold spaces and ')'.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) >= 3 && f[2] == strconv.Itoa(pgid) && f[0] != "Z" && f[0] != "X" {
			return true
		}
	}
	return false
}

// groupPoll is how often a process group whose shell has exited is looked
// at, to tell when the rest of it is gone.
const groupPoll = 5 * time.Millisecond

// groupWait waits up to d for the process group pid to be gone, and
// reports whether it is.
func groupWait(pid int, exited <-chan struct{}, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-exited:
	case <-t.C:
		return false
	}
	// The shell has ended; what it started may still run.
	tick := time.NewTicker(groupPoll)
	defer tick.Stop()
	for {
		if syscall.Kill(-pid, 0) != nil {
			return true
		}
		select {
		case <-t.C:
			return false
		case <-tick.C:
		}
	}
}

func (x *Executor) tagFor(r *Result) []byte {
	if !x.c.Tag {
		return nil
	}
	if x.c.TagOf != nil {
		return []byte(x.c.TagOf(r) + "\t")
	}
	return []byte(r.Tag() + "\t")
}

// jobEnv is env with the variables GNU parallel gives each job set for r:
// $PARALLEL_SEQ, $PARALLEL_JOBSLOT (when r has a slot) and $PARALLEL_PID,
// weft's process ID; values of these names already in env are dropped.
func jobEnv(env []string, r *Result) []string {
	out := make([]string, 0, len(env)+3)
	for _, kv := range env {
		if !strings.HasPrefix(kv, "PARALLEL_SEQ=") && !strings.HasPrefix(kv, "PARALLEL_JOBSLOT=") && !strings.HasPrefix(kv, "PARALLEL_PID=") {
			out = append(out, kv)
		}
	}
	out = append(out, "PARALLEL_SEQ="+strconv.FormatInt(r.Seq, 10), "PARALLEL_PID="+strconv.Itoa(os.Getpid()))
	if r.Slot > 0 {
		out = append(out, "PARALLEL_JOBSLOT="+strconv.Itoa(r.Slot))
	}
	return out
}
