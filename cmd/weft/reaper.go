package main

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

// reapArg is the hidden first argument that makes weft a reaper.
const reapArg = "__weft_reap"

// reaperEnabled is set by main: only the real command starts a reaper (a
// test binary running weft's code in process must not start itself).
var reaperEnabled = false

// reaper is a helper process that outlives weft for one purpose: when weft
// dies without cleaning up (SIGKILL, a crash), it kills the process groups
// of the jobs that were running. Pdeathsig kills a job's shell with weft,
// but not what the shell started; the reaper kills the whole group. weft
// tells it each group as the job starts and ends, over a pipe; the pipe's
// end (weft is gone, the kernel closed it) is the signal.
type reaper struct {
	once sync.Once
	mu   sync.Mutex
	w    *os.File // nil if no reaper could be started
}

// track and untrack tell the reaper about a job's process group; they do
// nothing if the reaper could not be started.
func (r *reaper) track(pgid int)   { r.send('+', pgid) }
func (r *reaper) untrack(pgid int) { r.send('-', pgid) }

func (r *reaper) send(op byte, pgid int) {
	if !reaperEnabled {
		return
	}
	r.once.Do(r.start)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.w != nil {
		fmt.Fprintf(r.w, "%c%d\n", op, pgid) // one short write: atomic on a pipe
	}
}

func (r *reaper) start() {
	exe, err := os.Executable()
	if err != nil {
		return
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return
	}
	cmd := exec.Command(exe, reapArg)
	cmd.Stdin = pr
	// Its own process group: a Ctrl-C meant for weft does not reach it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		pr.Close()
		pw.Close()
		return
	}
	pr.Close()
	go cmd.Wait() // reap it if it ends first; weft does not wait for it
	r.w = pw
}

// reap is the reaper's main: it follows the groups weft reports on in, and
// when in ends, kills the groups still running.
func reap(in io.Reader) int {
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
