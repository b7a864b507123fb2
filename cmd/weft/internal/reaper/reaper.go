// Package reaper is the helper process that kills the process groups of
// weft's running jobs when weft dies without cleaning up (SIGKILL, a
// crash). Pdeathsig kills a job's shell with weft, but not what the shell
// started; the reaper kills the whole group.
//
// The reaper is weft's own executable, started with the hidden argument
// Arg in a process group of its own (a Ctrl-C meant for weft does not
// reach it). weft tells it each job's group as the job starts and ends,
// over a pipe; the pipe's end (weft is gone, and the kernel closed it) is
// the signal to kill the groups still listed: none after a clean exit.
//
//	// in main, before anything else:
//	if len(os.Args) == 2 && os.Args[1] == reaper.Arg {
//		os.Exit(reaper.Main(os.Stdin))
//	}
package reaper

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Arg is the hidden first argument that makes weft a reaper.
const Arg = "__weft_reap"

// Reaper is the connection to a reaper process, started on first use.
// The zero value is ready to use; a Reaper is safe for concurrent use by
// multiple goroutines. Only a program whose main calls Main when given
// Arg may use one: the reaper is that program run again.
type Reaper struct {
	once   sync.Once
	mu     sync.Mutex
	w      *os.File      // nil if no reaper could be started
	exited chan struct{} // closed when the reaper process has exited
	msg    []byte        // the report being written, under mu
	fd     int           // w's descriptor
}

// Track tells the reaper that a job's process group started, starting the
// reaper on first use. If the reaper could not be started, it does
// nothing: the job runs as it would without one.
func (r *Reaper) Track(pgid int) { r.send('+', pgid) }

// Report returns the descriptor of the pipe to the reaper, starting the
// reaper on first use, or -1 if it could not be started: a job's shell
// given it can report its own group ("+pgid", one line in one write)
// before it runs anything, without a round trip through weft. The
// descriptor stays open until Close.
func (r *Reaper) Report() int {
	r.once.Do(r.start)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.w == nil {
		return -1
	}
	return r.fd
}

// Untrack tells the reaper that a job's process group ended.
func (r *Reaper) Untrack(pgid int) { r.send('-', pgid) }

func (r *Reaper) send(op byte, pgid int) {
	r.once.Do(r.start)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.w != nil {
		r.msg = strconv.AppendInt(append(r.msg[:0], op), int64(pgid), 10)
		r.w.Write(append(r.msg, '\n')) // one short write: atomic on a pipe
	}
}

// Close tells the reaper that weft is gone, as weft's death would, and
// waits until it has killed the groups still tracked and exited. Track and
// Untrack do nothing after Close. (weft itself never calls Close: its
// exit, however it comes, closes the pipe.)
func (r *Reaper) Close() {
	r.once.Do(func() {})
	r.mu.Lock()
	w, exited := r.w, r.exited
	r.w = nil
	r.mu.Unlock()
	if w != nil {
		w.Close()
		<-exited
	}
}

func (r *Reaper) start() {
	exe, err := os.Executable()
	if err != nil {
		return
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return
	}
	cmd := exec.Command(exe, Arg)
	cmd.Stdin = pr
	// Its own process group: a Ctrl-C meant for weft does not reach it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		pr.Close()
		pw.Close()
		return
	}
	pr.Close()
	r.exited = make(chan struct{})
	go func() { // reap it if it ends first; weft does not wait for it
		cmd.Wait()
		close(r.exited)
	}()
	r.w = pw
	r.fd = int(pw.Fd()) // blocking from now on: each report is one short write
}

// batch is how long the reaper lets weft's reports gather in the pipe
// after it has read some: one wake-up for many jobs rather than two for
// each. A report in the pipe is as good as one read (the reaper reads the
// pipe to its end before it acts), so this only delays, by as much, the
// killing after weft's death.
const batch = 10 * time.Millisecond

// Main is the reaper's main function: it follows the groups that weft
// reports on in ("+pgid" started, "-pgid" ended, one a line), and when in
// ends, sends SIGKILL to the groups still running. It returns the exit
// status, 0.
func Main(in io.Reader) int {
	groups := map[int]bool{}
	buf := make([]byte, 64<<10)
	var line []byte // a line not ended yet
	for {
		n, err := in.Read(buf)
		data := buf[:n]
		for len(data) > 0 {
			i := bytes.IndexByte(data, '\n')
			if i < 0 {
				line = append(line, data...)
				break
			}
			line = append(line, data[:i]...)
			data = data[i+1:]
			follow(groups, line)
			line = line[:0]
		}
		if err != nil {
			break
		}
		if n > 0 {
			time.Sleep(batch)
		}
	}
	for pgid := range groups {
		syscall.Kill(-pgid, syscall.SIGKILL)
	}
	return 0
}

// follow applies one report, "+pgid" or "-pgid", to groups; anything else
// is left out.
func follow(groups map[int]bool, line []byte) {
	if len(line) < 2 {
		return
	}
	pgid, err := strconv.Atoi(string(line[1:]))
	if err != nil || pgid <= 1 {
		return
	}
	switch line[0] {
	case '+':
		groups[pgid] = true
	case '-':
		delete(groups, pgid)
	}
}
