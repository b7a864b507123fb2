package main

import (
	"bytes"
	"fmt"
	"net/url"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startServeProcess starts weft serve on listen with its store in store, and
// returns the process and the URL it printed.
func startServeProcess(t *testing.T, store, listen string) (*exec.Cmd, string) {
	t.Helper()
	srv := exec.Command(weftBin, "serve", "--store", store, "--listen", listen)
	stdout, err := srv.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &lockedBuffer{}
	srv.Stderr = stderr
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		srv.Process.Kill()
		srv.Wait()
	})
	line := make([]byte, 0, 64)
	for b := make([]byte, 1); !bytes.HasSuffix(line, []byte("\n")); {
		if _, err := stdout.Read(b); err != nil {
			t.Fatalf("weft serve printed no URL: %v; %s", err, stderr)
		}
		line = append(line, b[0])
	}
	return srv, strings.TrimSpace(string(line))
}

// statusWithin waits for a process's exit status, at most bound.
func statusWithin(t *testing.T, what string, status chan int, bound time.Duration) int {
	t.Helper()
	select {
	case s := <-status:
		status <- s // for the cleanup that waits for it too
		return s
	case <-time.After(bound): // a bound for a failing test, not a timing
		t.Fatalf("%s still running after %s", what, bound)
		return 0
	}
}

// rawClientLine matches what the NATS client prints by itself.
var rawClientLine = regexp.MustCompile(`(?m)^nats: |on connection \[\d+\]`)

// TestNATSServerGone kills weft serve with SIGKILL mid-run and restarts it
// only after everyone gave up on it. The submitter and the workers say once
// that the server is unreachable and that they wait for it, and print
// nothing of the client library's own; a worker given SIGTERM meanwhile
// stops its jobs and exits at once (it cannot report them); a worker left
// alone gives up after --server-timeout, stops its jobs and exits 1; the
// submitter gives up after its --server-timeout with status 255 and the run
// ID. Started again with that run ID once the server is back, the
// submitter completes the run: every job's output, in order.
func TestNATSServerGone(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "store")
	srv, u := startServeProcess(t, store, "127.0.0.1:0")
	marker := fmt.Sprintf("%d.%d", 400+time.Now().UnixNano()%500, time.Now().UnixNano()%1000)
	// The jobs of these workers sleep for minutes: the server goes while
	// they run. (A job's message holds its command: the pause comes from
	// the worker's environment, so that the run can be completed later.)
	t.Setenv("PAUSE", marker)
	w1 := startWorker(t, dir, u, "w1", "-j", "2")
	w2 := startWorker(t, dir, u, "w2", "-j", "2", "--server-timeout", "2s")
	var in []string
	for i := range 40 {
		in = append(in, strconv.Itoa(i))
	}
	job := "echo {} >> ran-$NAME; sleep $PAUSE; echo out {}"
	args := slices.Concat([]string{"--nats", u, "-k", "--server-timeout", "3s", job, ":::"}, in)
	sub := exec.Command(weftBin, args...)
	sub.Dir = dir
	var subOut, subErr lockedBuffer
	sub.Stdout, sub.Stderr = &subOut, &subErr
	if err := sub.Start(); err != nil {
		t.Fatal(err)
	}
	subStatus := make(chan int, 1)
	go func() {
		sub.Wait()
		subStatus <- sub.ProcessState.ExitCode()
	}()
	t.Cleanup(func() { sub.Process.Kill() })

	waitFor(t, "4 jobs to start", func() bool {
		return countLines(filepath.Join(dir, "ran-w1")) == 2 && countLines(filepath.Join(dir, "ran-w2")) == 2
	})
	srv.Process.Signal(syscall.SIGKILL)
	srv.Wait()
	waitFor(t, "w1 to say the server is unreachable", func() bool { return strings.Contains(w1.stderr.String(), "is unreachable") })
	w1.cmd.Process.Signal(syscall.SIGTERM)
	if s := statusWithin(t, "w1 after SIGTERM", w1.status, 30*time.Second); s != 143 {
		t.Errorf("w1 exited %d after SIGTERM with the server gone; want 143\n%s", s, w1.stderr)
	}
	if s := statusWithin(t, "w2", w2.status, 60*time.Second); s != 1 {
		t.Errorf("w2 exited %d after its --server-timeout; want 1\n%s", s, w2.stderr)
	}
	if s := statusWithin(t, "the submitter", subStatus, 60*time.Second); s != 255 {
		t.Errorf("the submitter exited %d after its --server-timeout; want 255\n%s", s, subErr.String())
	}
	if left := processesWith(marker); len(left) > 0 {
		t.Errorf("jobs still running after their workers exited: %v", left)
	}
	for who, text := range map[string]string{"w1": w1.stderr.String(), "w2": w2.stderr.String(), "the submitter": subErr.String()} {
		if n := strings.Count(text, "is unreachable; waiting for it"); n != 1 {
			t.Errorf("%s said %d times that the server is unreachable; want once:\n%s", who, n, text)
		}
		if rawClientLine.MatchString(text) {
			t.Errorf("%s printed the NATS client's own messages:\n%s", who, text)
		}
	}
	if !strings.Contains(w2.stderr.String(), "gave up on the NATS server at "+u+": unreachable for 2s") {
		t.Errorf("w2 does not say it gave up on the server:\n%s", w2.stderr)
	}
	id := regexp.MustCompile(`--run-id (\w+)\)\n`).FindStringSubmatch(subErr.String())
	if id == nil || !strings.Contains(subErr.String(), "gave up on the NATS server at "+u) {
		t.Fatalf("the submitter does not say it gave up, with the run ID:\n%s", subErr.String())
	}

	// The server comes back, after everyone gave up; the run is collected
	// again with its ID, and completes.
	pu, _ := url.Parse(u)
	startServeProcess(t, store, "127.0.0.1:"+pu.Port())
	t.Setenv("PAUSE", "0")
	startWorker(t, dir, u, "w3", "-j", "4")
	o := runWeft(t, dir, "", slices.Concat([]string{"--nats", u, "-k", "--run-id", id[1], job, ":::"}, in)...)
	var want strings.Builder
	for _, i := range in {
		fmt.Fprintf(&want, "out %s\n", i)
	}
	if o.status != 0 || o.stdout != want.String() {
		t.Errorf("collected again: status %d, stdout %q; want 0 and every job's output\n%s", o.status, o.stdout, o.stderr)
	}
}
