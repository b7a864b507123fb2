package main

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/weft-dev/weft/cmd/weft/internal/remote"
	"github.com/weft-dev/weft/fleet"
)

// natsServer starts an embedded JetStream server on 127.0.0.1 for one
// test, the default way: credentials and TLS required, the credentials of
// a submitter and a worker in the configuration directory, where the
// weft processes the test starts find them. It serves the streams sc
// (weft with the defaults without any).
func natsServer(t *testing.T, sc ...fleet.StreamConfig) (*fleet.Server, string) {
	t.Helper()
	srv, err := fleet.StartServer(serverConfig(t.TempDir(), 0, sc...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	return srv, srv.URL()
}

// serverConfig is the configuration of a server on store and port that
// serves the streams sc, as weft serve does (weft without any).
func serverConfig(store string, port int, sc ...fleet.StreamConfig) fleet.ServerConfig {
	if len(sc) == 0 {
		sc = append(sc, remote.StreamConfig(remote.DefaultStream, 0, 0))
	}
	return fleet.ServerConfig{Dir: store, Port: port, Streams: sc}
}

// stream is the stream s as weft serve sets it up, with the ack wait d and
// max deliver n (0: the defaults).
func stream(s string, d time.Duration, n int) fleet.StreamConfig { return remote.StreamConfig(s, d, n) }

// worker is a weft worker process.
type worker struct {
	cmd    *exec.Cmd
	stderr *lockedBuffer
	status chan int
}

// lockedBuffer is a bytes.Buffer that a process writes while a test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startWorker starts weft worker in dir, with NAME=name in its environment
// (and so in its jobs'), and stops it with SIGKILL when the test ends.
func startWorker(t testing.TB, dir, natsURL, name string, args ...string) *worker {
	t.Helper()
	return startWorkerEnv(t, dir, nil, natsURL, name, args...)
}

// startWorkerEnv is startWorker with env added to the worker's
// environment.
func startWorkerEnv(t testing.TB, dir string, env []string, natsURL, name string, args ...string) *worker {
	t.Helper()
	cmd := exec.Command(weftBin, append([]string{"worker", "--nats", natsURL, "--name", name}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "NAME="+name), env...)
	w := &worker{cmd: cmd, stderr: &lockedBuffer{}, status: make(chan int, 1)}
	cmd.Stderr = w.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		cmd.Wait()
		w.status <- cmd.ProcessState.ExitCode()
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-w.status
		w.status <- -1
	})
	return w
}

// countLines counts the lines of a file that may not exist yet.
func countLines(path string) int {
	data, _ := os.ReadFile(path)
	return bytes.Count(data, []byte("\n"))
}

// ranBy reads the ran-NAME files that jobs append their input to, and
// returns, for each input, the workers that ran it.
func ranBy(t *testing.T, dir string) map[string][]string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "ran-*"))
	out := map[string][]string{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimPrefix(filepath.Base(f), "ran-")
		for _, in := range lines(string(data)) {
			out[in] = append(out[in], name)
		}
	}
	return out
}

// sameJoblog compares two joblogs on what does not depend on when and
// where a job ran: sequence number, bytes received, exit value, signal and
// command.
func sameJoblog(t *testing.T, got, want string) {
	t.Helper()
	read := func(path string) map[string]string {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for i, l := range lines(string(data)) {
			if i == 0 {
				continue
			}
			f := strings.Split(l, "\t")
			if _, dup := out[f[0]]; dup {
				t.Errorf("%s has job %s twice", path, f[0])
			}
			out[f[0]] = strings.Join(slices.Concat(f[4:8], f[8:]), "\t")
		}
		return out
	}
	g, w := read(got), read(want)
	if len(g) != len(w) {
		t.Errorf("joblog has %d jobs; the local run's has %d", len(g), len(w))
	}
	n := 0
	for seq, line := range w {
		if g[seq] != line && n < 5 {
			t.Errorf("joblog job %s: got %q; the local run logged %q", seq, g[seq], line)
			n++
		}
	}
}

// TestNATSRunMatchesLocalRun runs the same jobs (output on both streams,
// failures, slots, retries) locally and through two workers.
func TestNATSRunMatchesLocalRun(t *testing.T) {
	_, u := natsServer(t)
	dir := t.TempDir()
	startWorker(t, dir, u, "w1", "-j", "2")
	startWorker(t, dir, u, "w2", "-j", "2")
	args := []string{"-k", "--retries", "2", "echo out {}; echo err {} >&2; test {} -lt 7", ":::"}
	for i := range 10 {
		args = append(args, strconv.Itoa(i))
	}
	local := runWeft(t, dir, "", slices.Concat([]string{"--joblog", "local.log"}, args)...)
	remote := runWeft(t, dir, "", slices.Concat([]string{"--nats", u, "--joblog", "remote.log"}, args)...)
	if remote.stdout != local.stdout || remote.status != local.status || local.status != 3 {
		t.Fatalf("through NATS: status %d, stdout %q\nlocally: status %d, stdout %q\nstderr: %s", remote.status, remote.stdout, local.status, local.stdout, remote.stderr)
	}
	if got, want := sorted(lines(remote.stderr)[1:]), sorted(lines(local.stderr)); !slices.Equal(got, want) {
		t.Errorf("stderr through NATS %q; locally %q", got, want)
	}
	sameJoblog(t, filepath.Join(dir, "remote.log"), filepath.Join(dir, "local.log"))
	for _, l := range lines(mustRead(t, filepath.Join(dir, "remote.log")))[1:] {
		if host := strings.Split(l, "\t")[1]; host != "w1" && host != "w2" {
			t.Errorf("joblog line %q: host %q; want the worker's name", l, host)
		}
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestNATSWorkerKilledMidRun runs 10,000 jobs over three worker processes
// and kills one of them with SIGKILL part-way: every job is done, the only
// jobs that ran twice are jobs the killed worker had started, and the
// submitter's output and joblog are those of a local run.
func TestNATSWorkerKilledMidRun(t *testing.T) {
	_, u := natsServer(t, stream("weft", 2*time.Second, 0))
	dir := t.TempDir()
	const n = 10000
	var in strings.Builder
	for i := range n {
		fmt.Fprintln(&in, i)
	}
	// A job echoes its input, and records which worker ran it.
	args := []string{"-k", "-j", "4", "--joblog", "local.log", "echo {}; echo {} >> ran-$NAME"}
	local := runWeft(t, dir, in.String(), args...)
	if local.status != 0 || len(lines(local.stdout)) != n {
		t.Fatalf("local run: status %d, %d lines; %s", local.status, len(lines(local.stdout)), local.stderr)
	}
	os.Remove(filepath.Join(dir, "ran-"))

	workers := []*worker{}
	for _, name := range []string{"w1", "w2", "w3"} {
		workers = append(workers, startWorker(t, dir, u, name, "-j", "2"))
	}
	sub := exec.Command(weftBin, slices.Concat([]string{"--nats", u}, args)...)
	sub.Args[slices.Index(sub.Args, "local.log")] = "remote.log"
	sub.Dir = dir
	sub.Stdin = strings.NewReader(in.String())
	var out, errb bytes.Buffer
	sub.Stdout, sub.Stderr = &out, &errb
	if err := sub.Start(); err != nil {
		t.Fatal(err)
	}
	// w2 is killed a few hundred jobs in: mid-run however slow the machine
	// (the race detector on a loaded machine runs a few dozen jobs a second).
	waitForWithin(t, 3*time.Minute, "w2 to run 250 jobs", func() bool { return countLines(filepath.Join(dir, "ran-w2")) >= 250 })
	workers[1].cmd.Process.Signal(syscall.SIGKILL)
	<-workers[1].status
	workers[1].status <- -1
	killedAt := countLines(filepath.Join(dir, "ran-w2"))
	if err := sub.Wait(); err != nil {
		t.Fatalf("submitter: %v; %s", err, errb.String())
	}
	if out.String() != local.stdout {
		t.Errorf("output differs from the local run's (%d lines; want %d)", len(lines(out.String())), n)
	}
	sameJoblog(t, filepath.Join(dir, "remote.log"), filepath.Join(dir, "local.log"))
	runs := ranBy(t, dir)
	if len(runs) != n {
		t.Errorf("%d distinct jobs ran; want %d", len(runs), n)
	}
	twice := 0
	for in, by := range runs {
		if len(by) == 1 {
			continue
		}
		twice++
		if len(by) > 2 || !slices.Contains(by, "w2") {
			t.Errorf("job %s ran on %v: only a job of the killed worker may run again", in, by)
		}
	}
	// At most the jobs w2 had started and not acknowledged run again: with
	// -j 2, two running and two being reported.
	if twice > 4 {
		t.Errorf("%d jobs ran twice; want at most the 4 the killed worker had started and not acknowledged", twice)
	}
	t.Logf("w2 ran %d jobs before SIGKILL; %d ran again elsewhere; w1, w3 ran %d, %d",
		killedAt, twice, countLines(filepath.Join(dir, "ran-w1")), countLines(filepath.Join(dir, "ran-w3")))
}

// TestNATSSubmitterRestartCollects kills the submitter with SIGKILL part-way
// and starts it again with the same run ID: it prints the whole run, and no
// job runs twice.
func TestNATSSubmitterRestartCollects(t *testing.T) {
	_, u := natsServer(t)
	dir := t.TempDir()
	startWorker(t, dir, u, "w1", "-j", "4")
	var in []string
	for i := range 200 {
		in = append(in, strconv.Itoa(i))
	}
	args := slices.Concat([]string{"--nats", u, "--run-id", "r1", "-k", "sleep 0.01; echo {}; echo {} >> ran-$NAME", ":::"}, in)
	first, _ := startWeft(t, dir, args...)
	waitFor(t, "50 jobs", func() bool { return countLines(filepath.Join(dir, "ran-w1")) >= 50 })
	first.Process.Signal(syscall.SIGKILL)
	first.Process.Wait()
	again := runWeft(t, dir, "", args...)
	if again.status != 0 || !slices.Equal(lines(again.stdout), in) {
		t.Errorf("restarted submitter: status %d, %d lines (want the 200 inputs in order); %s", again.status, len(lines(again.stdout)), again.stderr)
	}
	for in, by := range ranBy(t, dir) {
		if len(by) != 1 {
			t.Errorf("job %s ran %d times", in, len(by))
		}
	}
	// Collecting again runs nothing.
	before := countLines(filepath.Join(dir, "ran-w1"))
	if third := runWeft(t, dir, "", args...); third.stdout != again.stdout || countLines(filepath.Join(dir, "ran-w1")) != before {
		t.Errorf("a third start with the same run ID ran jobs or printed other output")
	}
}

// TestNATSServerRestartMidRun stops the server part-way and starts it again
// on the same store and port: the run completes.
func TestNATSServerRestartMidRun(t *testing.T) {
	sdir := t.TempDir()
	srv, err := fleet.StartServer(serverConfig(sdir, 0, stream("weft", 2*time.Second, 0))) // jobs whose ack the restart lost come back after 2 s
	if err != nil {
		t.Fatal(err)
	}
	u := srv.URL()
	pu, _ := url.Parse(u)
	port, _ := strconv.Atoi(pu.Port())
	dir := t.TempDir()
	startWorker(t, dir, u, "w1", "-j", "4")
	var in []string
	for i := range 300 {
		in = append(in, strconv.Itoa(i))
	}
	sub, status := startWeft(t, dir, slices.Concat([]string{"--nats", u, "-k", "sleep 0.01; echo {} >> ran-$NAME", ":::"}, in)...)
	_ = sub
	waitFor(t, "100 jobs", func() bool { return countLines(filepath.Join(dir, "ran-w1")) >= 100 })
	srv.Shutdown()
	srv2, err := fleet.StartServer(serverConfig(sdir, port, stream("weft", 2*time.Second, 0)))
	if err != nil {
		t.Fatal(err)
	}
	defer srv2.Shutdown()
	select {
	case s := <-status:
		if s != 0 {
			t.Errorf("submitter status %d", s)
		}
	case <-time.After(60 * time.Second):
		sub.Process.Kill()
		t.Fatal("the run did not complete after the server restart")
	}
	if got := len(ranBy(t, dir)); got != 300 {
		t.Errorf("%d distinct jobs ran; want 300", got)
	}
}

// TestNATSHaltAndSignals: --halt now stops the jobs on the workers; a worker
// given SIGTERM finishes its running job before it exits; a submitter given
// SIGINT stops the run's jobs on the workers and exits 130.
func TestNATSHaltAndSignals(t *testing.T) {
	_, u := natsServer(t, stream("weft", 0, 0), stream("s2", 0, 0), stream("s3", 0, 0))
	dir := t.TempDir()
	startWorker(t, dir, u, "w1", "-j", "2")
	o := runWeft(t, dir, "", "--nats", u, "--halt", "now,fail=1", "-j", "2", "if [ {} = 3 ]; then exit 7; fi; sleep 0.2; echo {} >> ran-$NAME", ":::", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10")
	if o.status != 7 || !strings.Contains(o.stderr, "halting after job 3") {
		t.Errorf("--halt now,fail=1: status %d; want 7; stderr %q", o.status, o.stderr)
	}
	if n := len(ranBy(t, dir)); n > 4 {
		t.Errorf("%d jobs finished after a halt at job 3 with two workers", n)
	}

	// SIGTERM: the running job finishes and is reported; the worker exits
	// 0. (Stream s2 has this one worker.)
	w2 := startWorker(t, dir, u, "w2", "-j", "1", "--stream", "s2")
	marker := strconv.Itoa(int(time.Now().UnixNano()%1e6) + 3000000)
	_, status := startWeft(t, dir, "--nats", u, "--stream", "s2", "sleep "+marker+"; echo done {}", ":::", "x")
	waitFor(t, "the job to start", func() bool { return len(processesWith(marker)) > 0 })
	w2.cmd.Process.Signal(syscall.SIGTERM)
	waitFor(t, "the worker to begin draining", func() bool { return strings.Contains(w2.stderr.String(), "finishing the running jobs") })
	for _, p := range processesWith(marker) {
		syscall.Kill(p, syscall.SIGKILL) // the job ends (killed by a signal)...
	}
	if s := <-w2.status; s != 0 { // ...and only then does the worker exit
		t.Errorf("worker after SIGTERM: status %d; want 0; %s", s, w2.stderr)
	}
	w2.status <- 0
	if s := <-status; s != 0 {
		t.Errorf("submitter: status %d; want 0", s)
	}

	// SIGINT to the submitter stops its job on the worker, which reports
	// it stopped by SIGTERM.
	startWorker(t, dir, u, "w3", "-j", "1", "--stream", "s3")
	sub, status := startWeft(t, dir, "--nats", u, "--stream", "s3", "--joblog", "s3.log", "sleep {}", ":::", marker+"1")
	waitFor(t, "the job to start", func() bool { return len(processesWith(marker+"1")) > 0 })
	sub.Process.Signal(syscall.SIGINT)
	if s := <-status; s != 130 {
		t.Errorf("submitter after SIGINT: status %d; want 130", s)
	}
	if l := readLog(t, filepath.Join(dir, "s3.log")); l[1].signal != 15 {
		t.Errorf("joblog after SIGINT: %+v; want job 1 stopped by signal 15", l)
	}
	waitFor(t, "the job to be gone", func() bool { return len(processesWith(marker+"1")) == 0 })
}

// parentOf returns a process's parent pid, or 0.
func parentOf(pid int) int {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	f := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+1:]))
	ppid, _ := strconv.Atoi(f[1])
	return ppid
}

// TestNATSBadInput: each mistake is one clear error, exit status 255, and
// nothing hangs.
func TestNATSBadInput(t *testing.T) {
	srv, u := natsServer(t)
	dir := t.TempDir()
	js, err := srv.ConnectInProcess(fleet.RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	defer js.Conn().Close()
	big := strings.Repeat("x", int(js.Conn().MaxPayload()))
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--nats", "nats://127.0.0.1:1", "echo", ":::", "a"}, "cannot reach NATS at nats://127.0.0.1:1"},
		{[]string{"worker", "--nats", "nats://127.0.0.1:1"}, "cannot reach NATS at nats://127.0.0.1:1"},
		{[]string{"--nats", u, "--run-id", "a.b", "echo", ":::", "a"}, `bad value for --run-id: "a.b"`},
		{[]string{"--run-id", "r", "echo", ":::", "a"}, "--run-id, --stream and --server-timeout need --nats URL"},
		{[]string{"--nats", u, "-u", "echo", ":::", "a"}, "cannot be used with --nats"},
		{[]string{"--nats", u, "--stream", "other", "echo", ":::", "a"}, "fleet: these credentials may not use stream other_results"},
		{[]string{"--nats", u, "--tls-cert", "c.pem", "echo", ":::", "a"}, "--tls-cert and --tls-key go together"},
		{[]string{"--tls-ca", "ca.pem", "echo", ":::", "a"}, "--nats-creds, --tls-ca, --tls-cert and --tls-key need --nats URL"},
		{[]string{"--nats", u, "--nats-creds", "none.creds", "echo", ":::", "a"}, "none.creds"},
		{[]string{"worker", "--nats", u, "--ack-wait", "1m"}, "may not change consumer weft of stream weft from ack wait 30s and max deliver 5 to 1m0s and 5"},
		{[]string{"serve", "--tls-key", "k.pem"}, "--tls-cert and --tls-key go together"},
		{[]string{"serve", "credentials", "admin"}, `weft serve credentials takes one role, submitter or worker, got ["admin"]`},
		{[]string{"--nats", u, "echo"}, "command line too long ("}, // big on stdin: longer than exec takes, stopped before it is submitted
		{[]string{"worker", "-j", "0"}, "bad value for -j: 0"},
		{[]string{"worker", "--ack-wait", "10ms"}, "bad value for --ack-wait"},
		{[]string{"serve", "--listen", "nowhere"}, `bad value for --listen: "nowhere"`},
	}
	for _, tt := range tests {
		o := runWeft(t, dir, big, tt.args...)
		if o.status != 255 || !strings.Contains(o.stderr, tt.want) {
			t.Errorf("weft %.80q: status %d, stderr %q; want 255 and %q", tt.args, o.status, o.stderr, tt.want)
		}
	}
}

// TestNATSLargeOutput: output larger than a message goes through the
// object store, whole.
func TestNATSLargeOutput(t *testing.T) {
	_, u := natsServer(t)
	dir := t.TempDir()
	startWorker(t, dir, u, "w1", "-j", "2")
	args := []string{"-k", "head -c 3000000 /dev/zero | tr '\\0' {}", ":::", "a", "b"}
	local := runWeft(t, dir, "", args...)
	remote := runWeft(t, dir, "", slices.Concat([]string{"--nats", u}, args)...)
	if remote.status != 0 || len(remote.stdout) != 6000000 || remote.stdout != local.stdout {
		t.Errorf("through NATS: status %d, %d bytes (want the local run's %d); %s", remote.status, len(remote.stdout), len(local.stdout), remote.stderr)
	}
}

// TestServe runs the whole chain through weft serve: a server on a free
// port, a worker, a submitter; SIGTERM stops the server with status 0.
func TestServe(t *testing.T) {
	dir := t.TempDir()
	srv := exec.Command(weftBin, "serve", "--store", filepath.Join(dir, "store"), "--listen", "127.0.0.1:0")
	stdout, err := srv.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	srv.Stderr = &lockedBuffer{}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Process.Kill()
	line := make([]byte, 0, 64)
	for b := make([]byte, 1); !bytes.HasSuffix(line, []byte("\n")); {
		if _, err := stdout.Read(b); err != nil {
			t.Fatalf("weft serve printed no URL: %v; %s", err, srv.Stderr)
		}
		line = append(line, b[0])
	}
	u := strings.TrimSpace(string(line))
	if !strings.HasPrefix(u, "tls://127.0.0.1:") {
		t.Fatalf("weft serve printed %q; want its tls:// URL", u)
	}
	startWorker(t, dir, u, "w1", "-j", "2")
	o := runWeft(t, dir, "", "--nats", u, "-k", "echo hello {}", ":::", "a", "b", "c")
	if o.status != 0 || o.stdout != "hello a\nhello b\nhello c\n" {
		t.Errorf("through weft serve: status %d, stdout %q, stderr %q", o.status, o.stdout, o.stderr)
	}
	srv.Process.Signal(syscall.SIGTERM)
	if err := srv.Wait(); err != nil {
		t.Errorf("weft serve after SIGTERM: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "store", "jetstream")); err != nil {
		t.Errorf("store directory: %v", err)
	}
}

// TestNATSWaitsForAWorker: jobs submitted before any worker exists wait for
// one, with a hint on stderr, and run when it comes.
func TestNATSWaitsForAWorker(t *testing.T) {
	_, u := natsServer(t)
	dir := t.TempDir()
	sub := exec.Command(weftBin, "--nats", u, "-k", "echo {}", ":::", "a", "b")
	sub.Dir = dir
	var out bytes.Buffer
	errb := &lockedBuffer{}
	sub.Stdout, sub.Stderr = &out, errb
	if err := sub.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the hint", func() bool { return strings.Contains(errb.String(), "no worker is taking jobs from stream weft yet") })
	startWorker(t, dir, u, "w1", "-j", "1")
	if err := sub.Wait(); err != nil || out.String() != "a\nb\n" {
		t.Errorf("after the worker came: %v, stdout %q, stderr %q", err, out.String(), errb)
	}
}

// TestNATSResumeAHaltedRun: a run halted with --halt soon hands its queued
// jobs back unrun; started again with the same run ID (without --halt), it
// collects the jobs that finished, failure included, and runs the others,
// each once. The worker starts once all the jobs are in the stream, so
// that the halt finds jobs queued, whatever the pace of the publishing.
func TestNATSResumeAHaltedRun(t *testing.T) {
	_, u := natsServer(t)
	dir := t.TempDir()
	const n = 20
	var in []string
	for i := 1; i <= n; i++ {
		in = append(in, strconv.Itoa(i))
	}
	job := "echo {} >> ran-$NAME; echo {}; test {} != 3"
	sub := exec.Command(weftBin, slices.Concat([]string{"--nats", u, "--run-id", "h1", "-k", "--halt", "soon,fail=1", job, ":::"}, in)...)
	sub.Dir = dir
	errb := &lockedBuffer{}
	sub.Stderr = errb
	if err := sub.Start(); err != nil {
		t.Fatal(err)
	}
	js := submitterConn(t, u)
	waitFor(t, "the jobs in the stream", func() bool { return queuedJobs(t, js) == n })
	startWorker(t, dir, u, "w1", "-j", "1")
	sub.Wait()
	if st := sub.ProcessState.ExitCode(); st != 1 || !strings.Contains(errb.String(), "halting after job 3") {
		t.Fatalf("halted run: status %d, stderr %q", st, errb)
	}
	if skipped := skippedReports(t, js, "h1"); skipped == 0 {
		t.Fatalf("the halted run handed back no job (%d ran); want the queued ones handed back", len(ranBy(t, dir)))
	}
	again := runWeft(t, dir, "", slices.Concat([]string{"--nats", u, "--run-id", "h1", "-k", job, ":::"}, in)...)
	if again.status != 1 || !slices.Equal(lines(again.stdout), in) {
		t.Errorf("resumed run: status %d (want 1: job 3), stdout %q", again.status, again.stdout)
	}
	for in, by := range ranBy(t, dir) {
		if len(by) != 1 {
			t.Errorf("job %s ran %d times", in, len(by))
		}
	}
	if got := len(ranBy(t, dir)); got != n {
		t.Errorf("%d jobs ran in all; want %d", got, n)
	}
}

// submitterConn connects to the server at u as a submitter does, until
// the test ends.
func submitterConn(t *testing.T, u string) jetstream.JetStream {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	js, err := fleet.Connect(ctx, u, fleet.As(fleet.RoleSubmitter))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(js.Conn().Close)
	return js
}

// queuedJobs is the number of jobs in the default stream, not yet taken.
func queuedJobs(t *testing.T, js jetstream.JetStream) uint64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := js.Stream(ctx, remote.DefaultStream)
	if err != nil {
		return 0 // not made yet: the submitter makes it
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}

// skippedReports counts the reports of jobs handed back unrun in a run.
func skippedReports(t *testing.T, js jetstream.JetStream, run string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := js.OrderedConsumer(ctx, "weft_results", jetstream.OrderedConsumerConfig{FilterSubjects: []string{"weft.results." + run}})
	if err != nil {
		t.Fatal(err)
	}
	info, err := c.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	batch, err := c.Fetch(int(info.NumPending))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for m := range batch.Messages() {
		if bytes.Contains(m.Data(), []byte(`"skipped":true`)) {
			n++
		}
	}
	return n
}

// TestNATSJobThatKillsEveryWorker: a job that kills the worker running it
// (SIGKILL to its parent) is handed out --max-deliver times, then recorded
// as failed by a surviving worker: the run ends, with the failure in the
// output's exit status and the joblog.
func TestNATSJobThatKillsEveryWorker(t *testing.T) {
	_, u := natsServer(t, stream("weft", time.Second, 2))
	dir := t.TempDir()
	for _, name := range []string{"w1", "w2", "w3"} {
		startWorker(t, dir, u, name, "-j", "1", "--max-deliver", "2", "--ack-wait", "1s") // the stream's: a worker may repeat them
	}
	o := runWeft(t, dir, "", "--nats", u, "--joblog", "log", "kill -9 $PPID", ":::", "x")
	if o.status != 1 || !strings.Contains(o.stderr, "delivered 2 times and never settled") {
		t.Errorf("status %d, stderr %q; want 1 and the job given up", o.status, o.stderr)
	}
	if l := readLog(t, filepath.Join(dir, "log")); len(l) != 1 || l[1].exit != -1 || l[1].command != "kill -9 $PPID x" {
		t.Errorf("joblog %+v; want job 1 with exit -1", l)
	}
}

// TestNATSJobOfAKilledWorkerRunsElsewhere: a worker killed with SIGKILL in
// the middle of a job takes the job down with it (its process group dies
// with the worker), and after the ack wait the job runs on another worker.
func TestNATSJobOfAKilledWorkerRunsElsewhere(t *testing.T) {
	jobMovesToASecondWorker(t, time.Second, func(w1 *worker, marker string) {
		w1.cmd.Process.Signal(syscall.SIGKILL)
		waitFor(t, "the job to die with its worker", func() bool { return len(processesWith(marker)) == 0 })
	})
}

// TestNATSWorkerSIGINTHandsTheJobBack: SIGINT stops a worker's running job
// and hands it back at once (no ack wait: an hour here); the worker exits
// 130, and another worker runs the job.
func TestNATSWorkerSIGINTHandsTheJobBack(t *testing.T) {
	jobMovesToASecondWorker(t, time.Hour, func(w1 *worker, marker string) {
		w1.cmd.Process.Signal(syscall.SIGINT)
		if s := <-w1.status; s != 130 {
			t.Errorf("worker after SIGINT: status %d; want 130; %s", s, w1.stderr)
		}
		w1.status <- 130
		if n := len(processesWith(marker)); n != 0 {
			t.Errorf("%d of the job's processes outlived the worker", n)
		}
	})
}

// jobMovesToASecondWorker submits one job that sleeps on worker w1, stops
// w1 with stop once the job runs, starts worker w2, and checks that the run
// ends with the job done by w2.
func jobMovesToASecondWorker(t *testing.T, ackWait time.Duration, stop func(w1 *worker, marker string)) {
	t.Helper()
	_, u := natsServer(t, stream("weft", ackWait, 0))
	dir := t.TempDir()
	marker := strconv.Itoa(int(time.Now().UnixNano()%1e6) + 4000000)
	w1 := startWorker(t, dir, u, "w1", "-j", "1")
	_, status := startWeft(t, dir, "--nats", u, "--joblog", "log", "if [ $NAME = w1 ]; then sleep {}; fi; echo ran on $NAME", ":::", marker)
	waitFor(t, "the job to start on w1", func() bool { return len(processesWith(marker)) > 0 })
	stop(w1, marker)
	startWorker(t, dir, u, "w2", "-j", "1")
	if s := <-status; s != 0 {
		t.Fatalf("submitter: status %d", s)
	}
	if l := mustRead(t, filepath.Join(dir, "log")); !strings.Contains(l, "\tw2\t") || strings.Count(l, "\n") != 2 {
		t.Errorf("joblog %q; want the one job, run by w2", l)
	}
}

// TestNATSHeaderAndTrimMatchLocalRun: --header's names and the blanks
// --trim and --colsep take off reach the workers as a local run, and GNU
// parallel, have them.
func TestNATSHeaderAndTrimMatchLocalRun(t *testing.T) {
	_, u := natsServer(t)
	dir := t.TempDir()
	startWorker(t, dir, u, "w1", "-j", "2")
	if err := os.WriteFile(filepath.Join(dir, "c.csv"), []byte("name,size\n a , 1 \nb,2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-k", "--tag", "--header", ":", "--colsep", ",", "echo [{name}] [{size}]", "::::", "c.csv"}, "a 1\t[a] [1]\nb 2\t[b] [2]\n"},
		{[]string{"-k", "--trim", "l", "echo [{}]", ":::", " x ", "y"}, "[x ]\n[y]\n"},
	} {
		local := runWeft(t, dir, "", tt.args...)
		remote := runWeft(t, dir, "", slices.Concat([]string{"--nats", u}, tt.args)...)
		if local.stdout != tt.want || local.status != 0 {
			t.Errorf("%q locally: status %d, stdout %q; want %q", tt.args, local.status, local.stdout, tt.want)
		}
		if remote.stdout != tt.want || remote.status != 0 {
			t.Errorf("%q through NATS: status %d, stdout %q; want %q\nstderr: %s", tt.args, remote.status, remote.stdout, tt.want, remote.stderr)
		}
	}
}

// TestNATSHaltFromElsewhere: a run halted by another client (as the
// dashboard halts it) ends its submitter as --halt would: no new job
// starts, the jobs handed back unrun are not published again, and the
// submitter exits 1 with a line that says so, instead of waiting for ever.
func TestNATSHaltFromElsewhere(t *testing.T) {
	srv, u := natsServer(t)
	dir := t.TempDir()
	startWorker(t, dir, u, "w1", "-j", "1")
	marker := strconv.Itoa(int(time.Now().UnixNano()%1e6) + 4000000)
	args := []string{"--nats", u, "--run-id", "elsewhere", "-j", "1", "sleep 0." + marker + "; echo {} >> ran-$NAME"}
	args = append(args, ":::")
	for i := range 20 {
		args = append(args, strconv.Itoa(i))
	}
	sub := exec.Command(weftBin, args...)
	sub.Dir = dir
	errFile := filepath.Join(dir, "submitter.stderr")
	f, err := os.Create(errFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sub.Stderr = f
	if err := sub.Start(); err != nil {
		t.Fatal(err)
	}
	status := make(chan int, 1)
	go func() {
		sub.Wait()
		status <- sub.ProcessState.ExitCode()
	}()
	waitFor(t, "a job to start", func() bool { return len(processesWith("0."+marker)) > 0 })
	js, err := srv.ConnectInProcess(fleet.RoleSubmitter)
	if err != nil {
		t.Fatal(err)
	}
	defer js.Conn().Close()
	c, err := remote.Bind(js, remote.DefaultStream)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.SetState(ctx, "elsewhere", remote.StateSoon); err != nil {
		t.Fatal(err)
	}
	select {
	case s := <-status:
		said, _ := os.ReadFile(errFile)
		if s != 1 || !strings.Contains(string(said), "run elsewhere was halted (soon) from elsewhere") {
			t.Errorf("submitter after a halt from elsewhere: status %d, stderr %q; want 1 and why", s, said)
		}
	case <-time.After(30 * time.Second): // a bound for a failing test
		sub.Process.Kill()
		said, _ := os.ReadFile(errFile)
		t.Fatalf("the submitter did not end after its run was halted from elsewhere; stderr %q", said)
	}
	if n := len(ranBy(t, dir)); n >= 20 {
		t.Errorf("%d of 20 jobs ran after a halt soon from elsewhere", n)
	}
}
