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

// Reaper is a helper process that outlives weft for one purpose: when weft
// dies without cleaning up (SIGKILL, a crash), it kills the process groups
// of the jobs that were running. Pdeathsig kills a job's shell with weft,
// but not what the shell started; the reaper kills the whole group. weft
// tells it each group as the job starts and ends, over a pipe; the pipe's
// end (weft is gone, the kernel closed it) is the signal.
type Reaper struct {
	once sync.Once
	mu   sync.Mutex
	w    *os.File // nil if no reaper could be started
}

// Track tells the reaper about a job's process group; it does nothing if
// the reaper could not be started.
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
	go cmd.Wait() // reap it if it ends first; weft does not wait for it
	r.w = pw
}

// Main is the reaper's main: it follows the groups weft reports on in, and
// when in ends, kills the groups still running.
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
