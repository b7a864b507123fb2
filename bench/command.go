package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

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
