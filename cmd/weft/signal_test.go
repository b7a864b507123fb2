package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// processesWith returns the pids of live processes that run exactly
// "sleep marker".
func processesWith(marker string) []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && string(cmdline) == "sleep\x00"+marker+"\x00" {
			pids = append(pids, pid)
		}
	}
	return pids
}

// waitFor polls cond until it holds or the deadline passes: an outside
// process is being watched, not a goroutine.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	waitForWithin(t, 60*time.Second, what, cond)
}

// waitForWithin is waitFor with another bound, for a wait on many jobs.
func waitForWithin(t *testing.T, bound time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(bound) // a bound for a failing test, not a timing
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func startWeft(t *testing.T, dir string, args ...string) (*exec.Cmd, chan int) {
	t.Helper()
	cmd := exec.Command(weftBin, args...)
	cmd.Dir = dir
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	status := make(chan int, 1)
	go func() {
		cmd.Wait()
		status <- cmd.ProcessState.ExitCode()
	}()
	return cmd, status
}

func TestSignalsStopJobsAndLeaveNoOrphans(t *testing.T) {
	for _, tt := range []struct {
		name    string
		signals []syscall.Signal
		job     string
		want    int
	}{
		{"SIGINT", []syscall.Signal{syscall.SIGINT}, "sleep %s & sleep %s; wait", 130},
		{"SIGTERM", []syscall.Signal{syscall.SIGTERM}, "sleep %s & sleep %s; wait", 143},
		// The jobs ignore SIGTERM and the grace period is long: only the
		// second SIGINT, which kills at once, ends them.
		{"second SIGINT", []syscall.Signal{syscall.SIGINT, syscall.SIGINT}, "trap '' TERM; sleep %s & sleep %s; wait", 130},
	} {
		t.Run(tt.name, func(t *testing.T) {
			marker := fmt.Sprintf("30.%d%d", os.Getpid(), time.Now().UnixNano()%1_000_000)
			job := fmt.Sprintf(tt.job, marker, marker)
			cmd, status := startWeft(t, t.TempDir(), "-j", "3", "--grace", "60s", job, ":::", "a", "b", "c", "d")
			waitFor(t, "6 sleeping processes", func() bool { return len(processesWith(marker)) == 6 })
			start := time.Now()
			for i, s := range tt.signals {
				if i > 0 {
					// Let the first signal be handled before the second.
					waitFor(t, "the jobs to be sent SIGTERM", func() bool { return time.Since(start) > 200*time.Millisecond })
				}
				cmd.Process.Signal(s)
			}
			var got int
			select {
			case got = <-status:
			case <-time.After(20 * time.Second):
				cmd.Process.Kill()
				t.Fatal("weft did not exit after the signals")
			}
			if got != tt.want {
				t.Errorf("exit status: got %d; want %d", got, tt.want)
			}
			if left := processesWith(marker); len(left) > 0 {
				t.Errorf("orphaned processes left: %v", left)
				for _, pid := range left {
					syscall.Kill(pid, syscall.SIGKILL)
				}
			}
		})
	}
}

func TestResumeAfterSIGKILL(t *testing.T) {
	dir := t.TempDir()
	const n = 60
	args := []string{"-j", "4", "--joblog", "log", "sleep 0.05; echo {} >> ran.txt", ":::"}
	for i := 1; i <= n; i++ {
		args = append(args, strconv.Itoa(i))
	}
	cmd, status := startWeft(t, dir, args...)
	waitFor(t, "a dozen jobs in the joblog", func() bool {
		data, _ := os.ReadFile(filepath.Join(dir, "log"))
		return strings.Count(string(data), "\n") > 12
	})
	cmd.Process.Kill()
	<-status
	first := readLog(t, filepath.Join(dir, "log"))
	if len(first) == 0 || len(first) == n {
		t.Fatalf("the first run logged %d jobs; want it killed part-way", len(first))
	}
	o := runWeft(t, dir, "", append([]string{"--resume"}, args...)...)
	if o.status != 0 {
		t.Fatalf("--resume: status %d: %s", o.status, o.stderr)
	}
	all := readLog(t, filepath.Join(dir, "log")) // reports any job logged twice
	for seq := 1; seq <= n; seq++ {
		if l, ok := all[seq]; !ok || l.exit != 0 {
			t.Errorf("job %d: %+v, logged %v; want it done once", seq, l, ok)
		}
	}
	ran, _ := os.ReadFile(filepath.Join(dir, "ran.txt"))
	count := map[string]int{}
	for _, v := range lines(string(ran)) {
		count[v]++
	}
	for seq := range first {
		if c := count[strconv.Itoa(seq)]; c != 1 {
			t.Errorf("job %d had finished before the kill, but ran %d times", seq, c)
		}
	}
	t.Logf("first run: %d jobs; resumed: %d", len(first), n-len(first))
}

func TestResumeFailedRunsOnlyFailures(t *testing.T) {
	dir := t.TempDir()
	args := []string{"--joblog", "log", "echo {} >> ran.txt; test {} != b || test -e fixed", ":::", "a", "b", "c"}
	if o := runWeft(t, dir, "", args...); o.status != 1 {
		t.Fatalf("first run: status %d; want 1", o.status)
	}
	os.WriteFile(filepath.Join(dir, "fixed"), nil, 0o644)
	if o := runWeft(t, dir, "", append([]string{"--resume-failed"}, args...)...); o.status != 0 {
		t.Fatalf("--resume-failed: status %d: %s", o.status, o.stderr)
	}
	ran, _ := os.ReadFile(filepath.Join(dir, "ran.txt"))
	if got := strings.Join(sorted(lines(string(ran))), " "); got != "a b b c" {
		t.Errorf("jobs run: %q; want a and c once, b twice", got)
	}
}

// TestSIGKILLLeavesNoOrphans: weft killed with SIGKILL cannot stop its jobs
// itself; its jobs' shells die with it (Pdeathsig), and what they started is
// killed by the reaper, a helper process that outlives weft for that.
func TestSIGKILLLeavesNoOrphans(t *testing.T) {
	marker := strconv.Itoa(int(time.Now().UnixNano()%1e6) + 5000000)
	cmd, status := startWeft(t, t.TempDir(), "-j", "2", "sleep {}; echo not reached", ":::", marker, marker)
	waitFor(t, "both jobs to start", func() bool { return len(processesWith(marker)) == 2 })
	cmd.Process.Signal(syscall.SIGKILL)
	<-status
	waitFor(t, "the jobs' processes to be gone", func() bool { return len(processesWith(marker)) == 0 })
}
