package job

import (
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestTermseqSendsEachSignalWhileTheGroupRuns(t *testing.T) {
	// The shell traps INT and TERM and goes on; what it started (a
	// background sleep) runs too: each signal reaches the group in turn,
	// then SIGKILL ends it.
	seq := []Signal{{syscall.SIGINT, 100 * time.Millisecond}, {syscall.SIGTERM, 100 * time.Millisecond}, {syscall.SIGUSR1, 0}}
	res := run(t, Config{Timeout: 200 * time.Millisecond, Termseq: seq},
		`trap 'echo got INT' INT; trap 'echo got TERM' TERM; trap 'echo got USR1' USR1; i=0; while [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done`)
	out := string(res.Stdout.Bytes())
	if !strings.Contains(out, "got INT\n") || !strings.Contains(out, "got TERM\n") || res.Signal != int(syscall.SIGKILL) {
		t.Errorf("stdout %q, signal %d; want INT and TERM caught, then SIGKILL", out, res.Signal)
	}
	if strings.Index(out, "got INT") > strings.Index(out, "got TERM") {
		t.Errorf("stdout %q: want INT before TERM", out)
	}
}

func TestTermseqFollowsWhatTheShellLeft(t *testing.T) {
	// The shell dies of the first TERM; the perl it started catches
	// TERM and prints each: the sequence goes on while it runs, as GNU
	// parallel's does.
	res := run(t, Config{Timeout: time.Second, Termseq: []Signal{{syscall.SIGTERM, 200 * time.Millisecond}, {syscall.SIGTERM, 200 * time.Millisecond}, {syscall.SIGKILL, 25 * time.Millisecond}}},
		`perl -e '$|=1; $SIG{TERM} = sub { print "got TERM\n" }; print "ready\n"; while(1){sleep 1}'`)
	if out := string(res.Stdout.Bytes()); out != "ready\ngot TERM\ngot TERM\n" {
		t.Errorf("stdout %q; want ready and two TERMs", out)
	}
}

func TestNiceSetsTheJobsNiceness(t *testing.T) {
	n := 7
	res := run(t, Config{Nice: &n}, "nice; sh -c nice")
	if out := string(res.Stdout.Bytes()); out != "7\n7\n" {
		t.Errorf("stdout %q; want 7 for the job and what it starts", out)
	}
	// Lower than this process may go (without privilege): the job runs at
	// the niceness it has, as in GNU parallel.
	if syscall.Geteuid() != 0 {
		n = -5
		res = run(t, Config{Nice: &n}, "nice")
		if res.Exit != 0 {
			t.Errorf("--nice -5 unprivileged: exit %d; want the job run", res.Exit)
		}
	}
}
