package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// cleanups are run by runCleanups before the program exits: they stop the
// processes the workloads started and remove what they wrote.
var (
	cleanupMu sync.Mutex
	cleanups  []func()
)

func atExit(f func()) {
	cleanupMu.Lock()
	defer cleanupMu.Unlock()
	cleanups = append(cleanups, f)
}

// runCleanups runs the cleanups, the last registered first.
func runCleanups() {
	cleanupMu.Lock()
	defer cleanupMu.Unlock()
	for i := len(cleanups) - 1; i >= 0; i-- {
		cleanups[i]()
	}
	cleanups = nil
}

// weftCommand builds the weft command once, from the workspace that the
// bench module belongs to, and returns the binary's path.
var weftCommand = sync.OnceValues(func() (string, error) {
	out, err := exec.Command("go", "env", "GOWORK").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOWORK: %v", err)
	}
	work := strings.TrimSpace(string(out))
	if work == "" || work == "off" {
		return "", fmt.Errorf("the weft command workloads build ./cmd/weft from the repository's go.work: run from the repository")
	}
	dir, err := os.MkdirTemp("", "weft-bench-")
	if err != nil {
		return "", err
	}
	atExit(func() { os.RemoveAll(dir) })
	bin := filepath.Join(dir, "weft")
	build := exec.Command("go", "build", "-o", bin, "./cmd/weft")
	build.Dir = filepath.Dir(work)
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building the weft command: %v\n%s", err, out)
	}
	return bin, nil
})

// runnerWorkloads: the weft command against xargs -P and GNU parallel, jobs
// of echo, with 2 and 8 jobs at a time. Nearly all of a quick job's cost is
// starting its process, so the ratios say what each runner adds to that.
func runnerWorkloads(quick bool) []*workload {
	jobs := 2000
	if quick {
		jobs = 200
	}
	input := strings.Repeat("x\n", jobs)
	tools := []struct {
		name string
		args func(bin string, j int) []string
	}{
		{"xargs", func(_ string, j int) []string { return []string{"xargs", "-P", fmt.Sprint(j), "-n", "1", "echo"} }},
		{"weft", func(bin string, j int) []string { return []string{bin, "-j", fmt.Sprint(j), "echo"} }},
		{"parallel", func(_ string, j int) []string {
			return []string{"parallel", "--will-cite", "-j", fmt.Sprint(j), "echo"}
		}},
	}
	var out []*workload
	for _, j := range []int{2, 8} {
		w := &workload{id: fmt.Sprintf("Runners/j=%d", j),
			title: fmt.Sprintf("11. the weft command: %d jobs of echo, %d at a time, against xargs -P and GNU parallel", jobs, j),
			unit:  "ms", items: int64(jobs), want: int64(jobs),
			note: "One run is the whole batch, its input on stdin; every job's output line is counted. xargs runs echo directly, weft and GNU parallel through a shell."}
		for _, tool := range tools {
			c := contender{name: tool.name}
			if tool.name == "weft" {
				c.prepare = func() error { _, err := weftCommand(); return err }
			}
			c.run = func() (int64, error) {
				bin, _ := weftCommand() // built by prepare, outside the timing
				args := tool.args(bin, j)
				if _, err := exec.LookPath(args[0]); err != nil {
					return 0, fmt.Errorf("%s is not installed", args[0])
				}
				cmd := exec.Command(args[0], args[1:]...)
				// weft and GNU parallel both run their jobs in /bin/sh, as
				// BenchmarkRunners does: else they would take the shell
				// named by $SHELL, whatever it is where the run is made.
				cmd.Env = append(os.Environ(), "PARALLEL_SHELL=/bin/sh")
				cmd.Stdin = strings.NewReader(input)
				var stderr bytes.Buffer
				cmd.Stderr = &stderr
				stdout, err := cmd.Output()
				if err != nil {
					return 0, fmt.Errorf("%v: %s", err, stderr.Bytes())
				}
				return int64(bytes.Count(stdout, []byte("x\n"))), nil
			}
			w.contenders = append(w.contenders, c)
		}
		out = append(out, w)
	}
	return out
}

// natsWorker starts, once, a JetStream server (weft serve, on a free
// loopback port) and one weft worker with -j 2, and returns the server's
// URL. Both are stopped by runCleanups.
var natsWorker = sync.OnceValues(func() (string, error) {
	bin, err := weftCommand()
	if err != nil {
		return "", err
	}
	store, err := os.MkdirTemp("", "weft-bench-store-")
	if err != nil {
		return "", err
	}
	atExit(func() { os.RemoveAll(store) })
	serve := exec.Command(bin, "serve", "--store", store, "--listen", "127.0.0.1:0")
	stdout, err := serve.StdoutPipe()
	if err != nil {
		return "", err
	}
	if err := serve.Start(); err != nil {
		return "", err
	}
	atExit(func() { serve.Process.Signal(os.Interrupt); serve.Wait() })
	url, err := bufio.NewReader(stdout).ReadString('\n') // the server prints its URL first
	if err != nil {
		return "", fmt.Errorf("weft serve printed no URL: %v", err)
	}
	url = strings.TrimSpace(url)
	go io.Copy(io.Discard, stdout)
	worker := exec.Command(bin, "worker", "--nats", url, "-j", "2")
	if err := worker.Start(); err != nil {
		return "", err
	}
	atExit(func() { worker.Process.Signal(os.Interrupt); worker.Wait() })
	return url, nil
})

// natsWorkload: the weft command run locally against the same run submitted
// through NATS to one weft worker, both with -j 2. The ratio is what going
// through a server costs a run of quick jobs when the server, the worker and
// the submitter share the machine.
func natsWorkload(quick bool) *workload {
	jobs := 2000
	if quick {
		jobs = 200
	}
	input := strings.Repeat("x\n", jobs)
	w := &workload{id: "Runners/nats", title: fmt.Sprintf("11. the weft command: %d jobs of echo, -j 2, locally and through NATS to one weft worker -j 2", jobs),
		unit: "ms", items: int64(jobs), want: int64(jobs),
		note: "weft-nats submits to a JetStream server started with weft serve on loopback TCP, served by one weft worker -j 2; server, worker and submitter share the machine. Every job's output line is counted."}
	run := func(nats bool) func() (int64, error) {
		return func() (int64, error) {
			bin, err := weftCommand()
			if err != nil {
				return 0, err
			}
			args := []string{"-j", "2", "echo"}
			if nats {
				url, err := natsWorker()
				if err != nil {
					return 0, err
				}
				args = append([]string{"--nats", url}, args...)
			}
			cmd := exec.Command(bin, args...)
			cmd.Stdin = strings.NewReader(input)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			stdout, err := cmd.Output()
			if err != nil {
				return 0, fmt.Errorf("%v: %s", err, stderr.Bytes())
			}
			return int64(bytes.Count(stdout, []byte("x\n"))), nil
		}
	}
	w.contenders = []contender{
		{name: "weft", run: run(false), prepare: func() error { _, err := weftCommand(); return err }},
		{name: "weft-nats", run: run(true), prepare: func() error { _, err := natsWorker(); return err }},
	}
	return w
}
