package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/weft-dev/weft/cmd/weft/internal/dash"
	"github.com/weft-dev/weft/cmd/weft/internal/remote"
)

// TestDashboardEndToEnd: weft serve with its dashboard, two weft worker
// processes and a run of 1,000 jobs, 27 of which fail with exit status 3.
// The dashboard's JSON and weft status --json report exactly the counts
// of the submitter's joblog, and the run's failed jobs, page by page,
// with their exit codes; the run's page lists them too. It is part of the
// package's ordinary tests (about 5 s on a 2-core machine), so CI runs
// it.
func TestDashboardEndToEnd(t *testing.T) {
	dir := t.TempDir()
	sv := startDashServe(t, dir)
	srv, stderr, u, base, token := sv.cmd, sv.stderr, sv.nats, sv.base, sv.token
	toks, err := dash.ReadTokens(filepath.Join(dir, "store", "creds", "dashboard.tokens"))
	if err != nil || toks.Act != token {
		t.Fatalf("the token printed is not the act token of the store's token file: %v", err)
	}
	client := &http.Client{}
	defer client.CloseIdleConnections()
	get := func(path string, v any) int {
		t.Helper()
		req, _ := http.NewRequest("GET", base+path, nil)
		req.Header.Set("Authorization", "Bearer "+toks.View)
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var b bytes.Buffer
		b.ReadFrom(res.Body)
		switch v := v.(type) {
		case *string:
			*v = b.String()
		default:
			if err := json.Unmarshal(b.Bytes(), v); err != nil {
				t.Fatalf("GET %s: %v: %s", path, err, b.String())
			}
		}
		return res.StatusCode
	}
	if res, err := client.Get(base + "/api/overview"); err != nil || res.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /api/overview without a token: %v; want 401", err)
	} else {
		res.Body.Close()
	}

	startWorker(t, dir, u, "w1", "-j", "4")
	startWorker(t, dir, u, "w2", "-j", "4")
	var inputs []string
	for i := 1; i <= 1000; i++ {
		inputs = append(inputs, strconv.Itoa(i))
	}
	joblog := filepath.Join(dir, "joblog")
	o := runWeft(t, dir, "", append([]string{"--nats", u, "--joblog", joblog, "test $(({} % 37)) -ne 0 || { echo no {} >&2; exit 3; }", ":::"}, inputs...)...)
	if o.status != 27 {
		t.Fatalf("run: status %d; want 27 (failed jobs); stderr %s", o.status, o.stderr)
	}
	rm := regexp.MustCompile(`weft: run (\w+) `).FindStringSubmatch(o.stderr)
	if rm == nil {
		t.Fatalf("the submitter named no run: %s", o.stderr)
	}
	run := rm[1]
	var done, failed int64
	var failedSeqs []int64
	for seq, l := range readLog(t, joblog) {
		if l.exit == 0 && l.signal == 0 {
			done++
		} else {
			failed++
			failedSeqs = append(failedSeqs, int64(seq))
		}
	}
	slices.Sort(failedSeqs)
	if done != 973 || failed != 27 {
		t.Fatalf("joblog: %d done, %d failed; want 973 and 27", done, failed)
	}

	// The dashboard follows the fleet: it has every report soon after the
	// submitter has.
	var rd dash.RunDetail
	deadline := time.Now().Add(30 * time.Second) // a bound for a failing test
	for {
		if code := get("/api/runs/"+run, &rd); code != 200 && code != 404 {
			t.Fatalf("GET /api/runs/%s: %d", run, code)
		}
		if rd.Run.Done+rd.Run.Failed == 1000 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	r := rd.Run
	if r.Done != done || r.Failed != failed || r.Total != 1000 || !r.TotalKnown || r.State != dash.RunFinished || r.Queued != 0 || r.Running != 0 {
		t.Errorf("dashboard: %+v; want %d done, %d failed, finished", r, done, failed)
	}
	var listed []int64
	for page := 1; ; page++ {
		var p dash.RunDetail
		get(fmt.Sprintf("/api/runs/%s?state=failed&page=%d", run, page), &p)
		for _, j := range p.Jobs {
			if j.State != dash.JobFailed || j.Exit == nil || *j.Exit != 3 || j.Command == "" || (j.Worker != "w1" && j.Worker != "w2") {
				t.Errorf("failed job %+v; want exit 3 on w1 or w2, with its command", j)
			}
			listed = append(listed, j.Seq)
		}
		if len(p.Jobs) == 0 || p.Offset+int64(len(p.Jobs)) >= p.Matching {
			break
		}
	}
	if !slices.Equal(listed, failedSeqs) {
		t.Errorf("failed jobs listed %v; want the joblog's %v", listed, failedSeqs)
	}
	var page string
	get("/runs/"+run+"?state=failed", &page)
	if c := strings.Count(page, "exit 3"); c < 25 {
		t.Errorf("the run's page shows %d failed jobs with exit 3; want a page of 25", c)
	}
	// weft serve's /metrics counts the same reports, taken as the
	// dashboard takes them.
	var prom string
	get("/metrics", &prom)
	sum := map[string]int64{}
	for _, l := range strings.Split(prom, "\n") {
		for _, st := range []string{"succeeded", "failed"} {
			if rest, ok := strings.CutPrefix(l, `weft_jobs_total{status="`+st+`",stream="weft",worker="`); ok {
				n, _ := strconv.ParseInt(rest[strings.LastIndexByte(rest, ' ')+1:], 10, 64)
				sum[st] += n
			}
		}
	}
	if sum["succeeded"] != done || sum["failed"] != failed {
		t.Errorf("/metrics counts %v; want %d succeeded and %d failed:\n%s", sum, done, failed, prom)
	}
	var ov dash.Overview
	get("/api/overview", &ov)
	if ov.Workers.Alive != 2 || ov.Workers.Slots != 8 {
		t.Errorf("overview workers %+v; want 2 alive, 8 slots", ov.Workers)
	}

	// weft status --json reports the same.
	st := runWeft(t, dir, "", "status", "--nats", u, "--json", run)
	var sd dash.RunDetail
	if err := json.Unmarshal([]byte(st.stdout), &sd); err != nil || st.status != 0 {
		t.Fatalf("weft status --json %s: status %d, %v; stderr %s", run, st.status, err, st.stderr)
	}
	if sd.Run.Done != done || sd.Run.Failed != failed || sd.Run.State != dash.RunFinished || len(sd.Failures) == 0 || *sd.Failures[0].StderrTail == "" {
		t.Errorf("weft status --json: %+v; want %d done, %d failed, the latest failures with their stderr", sd.Run, done, failed)
	}
	st = runWeft(t, dir, "", "status", "--nats", u, "--json")
	var so dash.Overview
	if err := json.Unmarshal([]byte(st.stdout), &so); err != nil || st.status != 0 || len(so.Runs) != 1 || so.Runs[0].Failed != failed || so.Runs[0].Done != done {
		t.Errorf("weft status --json: status %d, %v, %+v", st.status, err, so.Runs)
	}
	st = runWeft(t, dir, "", "status", "--nats", u, "nosuchrun")
	if st.status != 255 || strings.Count(st.stderr, "\n") != 1 || !strings.Contains(st.stderr, "run nosuchrun: not found") {
		t.Errorf("weft status of an unknown run: status %d, stderr %q; want 255 and one line", st.status, st.stderr)
	}

	srv.Process.Signal(syscall.SIGTERM)
	if err := srv.Wait(); err != nil {
		t.Errorf("weft serve after SIGTERM: %v; %s", err, stderr)
	}
	if fi, err := os.Stat(filepath.Join(dir, "store", "creds", "dashboard.tokens")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("token file: %v, %v; want mode 0600", fi, err)
	}
}

// served is a weft serve process with its dashboard.
type served struct {
	cmd    *exec.Cmd
	stderr fileText // what it said on stderr
	nats   string   // the NATS URL it printed
	base   string   // the dashboard's address, http://127.0.0.1:PORT
	token  string   // the token of the address it printed (the act token)
}

// startDashServe starts weft serve --ui on loopback ports with its store in
// dir, waits for its URL and its dashboard's address, and kills it when tb
// ends.
func startDashServe(tb testing.TB, dir string, args ...string) *served {
	tb.Helper()
	sv := serveProcess(tb, dir, append([]string{"--ui", "127.0.0.1:0"}, args...)...)
	// The dashboard's address is said on stderr before the URL is printed
	// on stdout.
	m := regexp.MustCompile(`dashboard of stream weft at (http://127\.0\.0\.1:\d+)/\?token=(\S+)`).FindStringSubmatch(sv.stderr.String())
	if m == nil {
		tb.Fatalf("weft serve said no dashboard address: %s", sv.stderr)
	}
	sv.base, sv.token = m[1], m[2]
	return sv
}

// serveProcess starts weft serve with args on a loopback port with its store
// in dir, waits for its URL, and kills it when tb ends.
func serveProcess(tb testing.TB, dir string, args ...string) *served {
	tb.Helper()
	srv := exec.Command(weftBin, append([]string{"serve", "--store", filepath.Join(dir, "store"), "--listen", "127.0.0.1:0"}, args...)...)
	stdout, err := srv.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	// A file, not a pipe: what weft serve wrote on stderr before its URL
	// on stdout is in it once the URL is read (a pipe's copy could lag).
	f, err := os.Create(filepath.Join(dir, "serve.stderr"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close() // the process has its own copy
	srv.Stderr = f
	stderr := fileText(f.Name())
	if err := srv.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { srv.Process.Kill(); srv.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	u := strings.TrimSpace(line)
	if err != nil || !strings.Contains(u, "://") {
		tb.Fatalf("weft serve printed no URL: %v; %s", err, stderr)
	}
	return &served{cmd: srv, stderr: stderr, nats: u}
}

// fileText is a file whose text is read each time it is shown.
type fileText string

func (f fileText) String() string {
	b, err := os.ReadFile(string(f))
	if err != nil {
		return err.Error()
	}
	return string(b)
}

// TestUnlistedWorker: weft worker --unlisted runs jobs as any worker does,
// and the registry never lists it: weft status counts no worker, alive or
// gone, while its run is complete.
func TestUnlistedWorker(t *testing.T) {
	dir := t.TempDir()
	sv := serveProcess(t, dir, "--ui", "")
	w := startWorker(t, dir, sv.nats, "hidden", "-j", "2", "--unlisted")
	o := runWeft(t, dir, "", "--nats", sv.nats, "echo", ":::", "a", "b", "c", "d")
	if o.status != 0 || strings.Count(o.stdout, "\n") != 4 {
		t.Fatalf("run: status %d, stdout %q, stderr %s; want 4 lines", o.status, o.stdout, o.stderr)
	}
	st := runWeft(t, dir, "", "status", "--nats", sv.nats, "--json")
	var so dash.Overview
	if err := json.Unmarshal([]byte(st.stdout), &so); err != nil || st.status != 0 {
		t.Fatalf("weft status --json: status %d, %v; stderr %s", st.status, err, st.stderr)
	}
	if so.Workers.Alive != 0 || so.Workers.Gone != 0 || len(so.Runs) != 1 || so.Runs[0].Done != 4 {
		t.Errorf("weft status: workers %+v, runs %+v; want no worker listed and one run of 4 done", so.Workers, so.Runs)
	}
	if s := w.stderr.String(); strings.Contains(s, "registry") {
		t.Errorf("the unlisted worker said %q; want nothing of the registry", s)
	}
}

// TestDashboardShowsAWorkerDie walks through what a person watching the
// dashboard sees when a worker is killed with SIGKILL mid-run: the worker
// is shown gone within remote.GoneAfter, its jobs run again on the other
// worker once the ack wait passes, and the run ends complete.
func TestDashboardShowsAWorkerDie(t *testing.T) {
	dir := t.TempDir()
	sv := startDashServe(t, dir, "--ack-wait", "2s")
	toks, err := dash.ReadTokens(filepath.Join(dir, "store", "creds", "dashboard.tokens"))
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{}
	defer client.CloseIdleConnections()
	workers := func() map[string]dash.WorkerInfo {
		t.Helper()
		req, _ := http.NewRequest("GET", sv.base+"/api/workers", nil)
		req.Header.Set("Authorization", "Bearer "+toks.View)
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var l dash.WorkerList
		if err := json.NewDecoder(res.Body).Decode(&l); err != nil {
			t.Fatal(err)
		}
		out := map[string]dash.WorkerInfo{}
		for _, w := range l.Workers {
			out[w.Name] = w
		}
		return out
	}
	w1 := startWorker(t, dir, sv.nats, "w1", "-j", "2")
	startWorker(t, dir, sv.nats, "w2", "-j", "2")
	var inputs []string
	for i := 1; i <= 12; i++ {
		inputs = append(inputs, strconv.Itoa(i))
	}
	sub := exec.Command(weftBin, append([]string{"--nats", sv.nats, "sleep 0.3; echo {} on $NAME", ":::"}, inputs...)...)
	sub.Dir = dir
	var out, errb lockedBuffer
	sub.Stdout, sub.Stderr = &out, &errb
	if err := sub.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- sub.Wait() }()

	var held []int64 // the jobs w1 runs when it is killed
	waitFor(t, "w1 to be seen running a job", func() bool {
		held = held[:0]
		for _, j := range workers()["w1"].Running {
			held = append(held, j.Seq)
		}
		return len(held) > 0
	})
	w1.cmd.Process.Signal(syscall.SIGKILL)
	waitForWithin(t, remote.GoneAfter+5*time.Second, "the dashboard to show w1 gone", func() bool {
		ws := workers()
		return ws["w1"].State == "gone" && ws["w2"].State == "alive"
	})
	if err := <-done; err != nil {
		t.Fatalf("run: %v; stderr %s", err, errb.String())
	}
	ranOn := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		seq, where, _ := strings.Cut(l, " on ")
		ranOn[seq] = where
	}
	if len(ranOn) != 12 {
		t.Fatalf("output %q; want the 12 jobs once each", out.String())
	}
	for _, seq := range held {
		if w := ranOn[strconv.FormatInt(seq, 10)]; w != "w2" {
			t.Errorf("job %d, running on w1 when it was killed, ran in the end on %q; want w2", seq, w)
		}
	}
	if ws := workers(); ws["w1"].State != "gone" || ws["w2"].State != "alive" {
		t.Errorf("workers at the end: %+v; want w1 gone and w2 alive", ws)
	}
}
