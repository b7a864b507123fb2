package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/weft-dev/weft/cmd/weft/internal/dash"
)

// BenchmarkDashboardQueued is what the dashboard's pages and weft status
// cost with 10,000 jobs queued: weft serve --ui, two weft worker processes
// (-j 2, each busy with jobs that sleep) and three runs of 10,004 jobs in
// all, 4 running and 10,000 queued. One op is one request, answered whole (status
// 200), or one weft status process, run to its end (exit 0); ms/req is its
// wall time. The baselines, measured in the same run: static, a static file
// of the same dashboard (the same connection, token and server, no fleet
// state), and version, weft --version (a process of the same binary, no
// NATS).
func BenchmarkDashboardQueued(b *testing.B) {
	const queued, running, runs = 10_000, 4, 3
	dir := b.TempDir()
	sv := startDashServe(b, dir)
	toks, err := dash.ReadTokens(filepath.Join(dir, "store", "creds", "dashboard.tokens"))
	if err != nil {
		b.Fatal(err)
	}
	startWorker(b, dir, sv.nats, "w1", "-j", "2")
	startWorker(b, dir, sv.nats, "w2", "-j", "2")
	// A submitter keeps at most 4,096 jobs published and not reported:
	// three runs make the queue.
	var subErr [runs]*lockedBuffer
	for i := range runs {
		sub := exec.Command(weftBin, "--nats", sv.nats, "sleep")
		sub.Dir = dir
		n := (queued + running) / runs
		if i == 0 {
			n += (queued + running) % runs
		}
		sub.Stdin = strings.NewReader(strings.Repeat("600\n", n))
		subErr[i] = &lockedBuffer{}
		sub.Stderr = subErr[i]
		if err := sub.Start(); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { sub.Process.Kill(); sub.Wait() })
	}

	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	get := func(path string) []byte {
		req, _ := http.NewRequest("GET", sv.base+path, nil)
		req.Header.Set("Authorization", "Bearer "+toks.View)
		res, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil || res.StatusCode != 200 {
			b.Fatalf("GET %s: %d, %v: %s", path, res.StatusCode, err, body)
		}
		return body
	}
	// The fleet is as said: every job published, 4 running, the rest
	// queued, before anything is timed.
	var ov dash.Overview
	deadline := time.Now().Add(2 * time.Minute) // a bound for a failing benchmark
	for {
		if err := json.Unmarshal(get("/api/overview"), &ov); err != nil {
			b.Fatal(err)
		}
		known := 0
		for _, r := range ov.Runs {
			if r.TotalKnown {
				known++
			}
		}
		if known == runs && ov.Running == running && ov.Queued == queued {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("the fleet never had %d jobs queued and %d running: %d queued, %d running, %d runs of which %d of known size; submitters: %s", queued, running, ov.Queued, ov.Running, len(ov.Runs), known, subErr)
		}
		time.Sleep(100 * time.Millisecond)
	}
	run := ov.Runs[0].ID

	page := func(path, want string) func(b *testing.B) {
		return func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if body := get(path); !strings.Contains(string(body), want) {
					b.Fatalf("GET %s does not show %q", path, want)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/req")
		}
	}
	status := func(want string, args ...string) func(b *testing.B) {
		return func(b *testing.B) {
			for b.Loop() {
				cmd := exec.Command(weftBin, args...)
				cmd.Dir = dir
				out, err := cmd.Output()
				if err != nil || !strings.Contains(string(out), want) {
					b.Fatalf("weft %s: %v: %s; want %q in it", strings.Join(args, " "), err, out, want)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/req")
		}
	}
	b.Run("req=static", page("/static/dash.js", "data-live"))
	b.Run("req=live-overview", page("/live/", "10,000"))
	b.Run("req=overview", page("/", "10,000"))
	b.Run("req=runs", page("/runs", run))
	b.Run("req=run", page("/runs/"+run, "Download joblog"))
	b.Run("req=workers", page("/workers", "w2"))
	b.Run("req=api-overview", page("/api/overview", "10000"))
	b.Run("req=version", status("weft", "--version"))
	b.Run("req=status", status(run, "status", "--nats", sv.nats))
	b.Run("req=status-json", status(`"queued": 10000`, "status", "--nats", sv.nats, "--json"))
	b.Run("req=status-run", status(run, "status", "--nats", sv.nats, run))
}

// BenchmarkDashboardWatched is the workers' throughput with the dashboard
// open: 2,000 jobs of `true` with -j 2 through weft serve --ui and one weft
// worker process with -j 2, as BenchmarkNATSRunner's nats; one op is the
// whole batch. In watched, a client asks for the overview's live part
// every second (with its ETag, as an open tab's script does) and fetches
// /api/overview every second too; in unwatched the dashboard is served but nobody looks; in noui
// weft serve has no dashboard (--ui ”). Run with -count, the variants
// interleave. cpu-us/job is the processor time the whole fleet spends per
// job (server, worker and its jobs, submitter, and the watching client,
// which is this process).
func BenchmarkDashboardWatched(b *testing.B) {
	const jobs = 2000
	input := strings.Repeat("x\n", jobs)
	for _, impl := range []string{"noui", "unwatched", "watched"} {
		b.Run("impl="+impl, func(b *testing.B) {
			dir := b.TempDir()
			var sv *served
			if impl == "noui" {
				sv = startServeNoUI(b, dir)
			} else {
				sv = startDashServe(b, dir)
			}
			w := startWorker(b, dir, sv.nats, "w1", "-j", "2")
			var watching sync.WaitGroup
			var polls, updates int
			ctx, stop := context.WithCancel(context.Background())
			if impl == "watched" {
				toks, err := dash.ReadTokens(filepath.Join(dir, "store", "creds", "dashboard.tokens"))
				if err != nil {
					b.Fatal(err)
				}
				tr := &http.Transport{}
				defer tr.CloseIdleConnections()
				client := &http.Client{Transport: tr}
				req := func(path string) (*http.Response, error) {
					r, _ := http.NewRequestWithContext(ctx, "GET", sv.base+path, nil)
					r.Header.Set("Authorization", "Bearer "+toks.View)
					return client.Do(r)
				}
				watching.Go(func() { // an open tab: its live part and the overview, every second
					tick := time.NewTicker(time.Second)
					defer tick.Stop()
					etag := ""
					for {
						select {
						case <-ctx.Done():
							return
						case <-tick.C:
						}
						r, _ := http.NewRequestWithContext(ctx, "GET", sv.base+"/live/", nil)
						r.Header.Set("Authorization", "Bearer "+toks.View)
						if etag != "" {
							r.Header.Set("If-None-Match", etag)
						}
						res, err := client.Do(r)
						if err != nil {
							return
						}
						io.Copy(io.Discard, res.Body)
						res.Body.Close()
						if res.StatusCode == 200 {
							etag = res.Header.Get("ETag")
							updates++
						}
						if res, err = req("/api/overview"); err != nil {
							return
						}
						io.Copy(io.Discard, res.Body)
						res.Body.Close()
						if res.StatusCode == 200 {
							polls++
						}
					}
				})
			}
			defer func() { stop(); watching.Wait() }()
			cpu := -selfCPU(b) - procCPU(b, sv.cmd.Process.Pid) - procCPU(b, w.cmd.Process.Pid)
			for b.Loop() {
				cmd := exec.Command(weftBin, "--nats", sv.nats, "-j", "2", "true")
				cmd.Env = benchEnv()
				cmd.Stdin = strings.NewReader(input)
				if out, err := cmd.CombinedOutput(); err != nil {
					b.Fatalf("%v\n%s", err, out)
				}
				cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
			}
			cpu += selfCPU(b) + procCPU(b, sv.cmd.Process.Pid) + procCPU(b, w.cmd.Process.Pid)
			elapsed := b.Elapsed()
			stop()
			watching.Wait()
			if impl == "watched" && elapsed > 3*time.Second && (polls == 0 || updates == 0) {
				b.Fatalf("the client fetched the overview %d times and had %d live updates in %v; want both", polls, updates, elapsed)
			}
			b.ReportMetric(float64(jobs)*float64(b.N)/elapsed.Seconds(), "jobs/s")
			b.ReportMetric(float64(cpu.Microseconds())/float64(jobs*b.N), "cpu-us/job")
		})
	}
}

// startServeNoUI is startDashServe with no dashboard (--ui ”).
func startServeNoUI(tb testing.TB, dir string) *served { return serveProcess(tb, dir, "--ui", "") }
