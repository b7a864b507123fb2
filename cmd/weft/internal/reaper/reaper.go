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
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
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
}

// Track tells the reaper that a job's process group started, starting the
// reaper on first use. If the reaper could not be started, it does
// nothing: the job runs as it would without one.
func (r *Reaper) Track(pgid int) { r.send('+', pgid) }

// Untrack tells the reaper that a job's process group ended.
func (r *Reaper) Untrack(pgid int) { r.send('-', pgid) }

func (r *Reaper) send(op byte, pgid int) {
	r.once.Do(r.start)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.w != nil {
		fmt.Fprintf(r.w, "%c%d\n", op, pgid) // one short write: atomic on a pipe
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
}

// Main is the reaper's main function: it follows the groups that weft
// reports on in ("+pgid" started, "-pgid" ended, one a line), and when in
// ends, sends SIGKILL to the groups still running. It returns the exit
// status, 0.
func Main(in io.Reader) int {
	groups := map[int]bool{}
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		line := sc.Text()
		if len(line) < 2 {
			continue
		}
		pgid, err := strconv.Atoi(line[1:])
		if err != nil || pgid <= 1 {
			continue
		}
		if line[0] == '+' {
			groups[pgid] = true
		} else {
			delete(groups, pgid)
		}
	}
	for pgid := range groups {
		syscall.Kill(-pgid, syscall.SIGKILL)
	}
	return 0
}
