package reaper

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	// The reaper is this executable run again.
	if len(os.Args) == 2 && os.Args[1] == Arg {
		os.Exit(Main(os.Stdin))
	}
	goleak.VerifyTestMain(m)
}

// group starts sleep in a process group of its own; wait returns the
// signal that ended it.
func group(t *testing.T) (pgid int, wait func() syscall.Signal) {
	t.Helper()
	cmd := exec.Command("sleep", "30")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waited := false
	t.Cleanup(func() {
		if !waited {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return cmd.Process.Pid, func() syscall.Signal {
		cmd.Wait()
		waited = true
		ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
		if !ws.Signaled() {
			return 0
		}
		return ws.Signal()
	}
}

func TestMainKillsTheGroupsStillListed(t *testing.T) {
	a, waitA := group(t)
	b, waitB := group(t)
	in := fmt.Sprintf("+%d\n+%d\n-%d\nnonsense\n+1\n+x\n\n", a, b, b)
	if status := Main(strings.NewReader(in)); status != 0 {
		t.Errorf("status %d; want 0", status)
	}
	if sig := waitA(); sig != syscall.SIGKILL {
		t.Errorf("listed group: ended by %v; want SIGKILL", sig)
	}
	syscall.Kill(-b, syscall.SIGTERM)
	if sig := waitB(); sig != syscall.SIGTERM {
		t.Errorf("group that ended before: got %v; want it left alone (our SIGTERM)", sig)
	}
}

// TestReaperKillsWhenWeftIsGone runs a real reaper process (this test
// binary) and closes its pipe, as weft's death would.
func TestReaperKillsWhenWeftIsGone(t *testing.T) {
	pgid, wait := group(t)
	var r Reaper
	r.Track(pgid)
	r.Close()
	if sig := wait(); sig != syscall.SIGKILL {
		t.Errorf("tracked group: ended by %v; want SIGKILL from the reaper", sig)
	}
	r.Track(pgid) // after Close: nothing, and no panic
}

func TestAnUntrackedGroupSurvivesTheReaper(t *testing.T) {
	pgid, wait := group(t)
	var r Reaper
	r.Track(pgid)
	r.Untrack(pgid)
	r.Close()
	syscall.Kill(-pgid, syscall.SIGTERM)
	if sig := wait(); sig != syscall.SIGTERM {
		t.Errorf("untracked group: ended by %v; want it left alone (our SIGTERM)", sig)
	}
}

// chunks reads its data a few bytes at a time.
type chunks struct {
	data []byte
	n    int
}

func (c *chunks) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), c.n)], c.data)
	c.data = c.data[n:]
	return n, nil
}

func TestMainReadsReportsCutAcrossReads(t *testing.T) {
	a, waitA := group(t)
	b, waitB := group(t)
	in := fmt.Sprintf("+%d\n+%d\n-%d\n", a, b, b)
	if status := Main(&chunks{data: []byte(in), n: 3}); status != 0 {
		t.Errorf("status %d; want 0", status)
	}
	if sig := waitA(); sig != syscall.SIGKILL {
		t.Errorf("listed group: ended by %v; want SIGKILL", sig)
	}
	syscall.Kill(-b, syscall.SIGTERM)
	if sig := waitB(); sig != syscall.SIGTERM {
		t.Errorf("group that ended before: got %v; want it left alone (our SIGTERM)", sig)
	}
}

// TestAShellReportsItsOwnGroup: a shell given the descriptor of Report
// tells the reaper of its group itself.
func TestAShellReportsItsOwnGroup(t *testing.T) {
	var r Reaper
	fd := r.Report()
	if fd < 0 {
		t.Fatal("Report: no reaper")
	}
	cmd := exec.Command("/bin/sh", "-c", "echo +$$ >&3; exec 3>&-; echo started; exec sleep 30")
	cmd.ExtraFiles = []*os.File{os.NewFile(uintptr(fd), "reaper")}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer cmd.Process.Kill()
	line := make([]byte, len("started\n"))
	if _, err := io.ReadFull(out, line); err != nil {
		t.Fatal(err)
	}
	r.Close()
	cmd.Wait()
	if ws := cmd.ProcessState.Sys().(syscall.WaitStatus); ws.Signal() != syscall.SIGKILL {
		t.Errorf("the shell's group: %v; want SIGKILL from the reaper", cmd.ProcessState)
	}
}
