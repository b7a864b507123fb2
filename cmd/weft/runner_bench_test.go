package main

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/weft-dev/weft/fleet"
)

// BenchmarkRunners runs 10,000 jobs of `true` through xargs -P, weft and
// GNU parallel, with -j 2 and -j 8, in one run: one op is the whole batch, so
// ns/op is its wall time. Each run must exit 0. (TestManyQuickJobs checks
// separately that weft runs and logs all 10,000 jobs.)
func BenchmarkRunners(b *testing.B) {
	const jobs = 10_000
	input := strings.Repeat("x\n", jobs)
	tools := []struct {
		name string
		args func(j int) []string
	}{
		{"xargs", func(j int) []string { return []string{"xargs", "-P", fmt.Sprint(j), "-n", "1", "true"} }},
		{"weft", func(j int) []string { return []string{weftBin, "-j", fmt.Sprint(j), "true"} }},
		{"parallel", func(j int) []string { return []string{"parallel", "--will-cite", "-j", fmt.Sprint(j), "true"} }},
	}
	for _, j := range []int{2, 8} {
		for _, tool := range tools {
			b.Run(fmt.Sprintf("j=%d/impl=%s", j, tool.name), func(b *testing.B) {
				args := tool.args(j)
				if _, err := exec.LookPath(args[0]); err != nil {
					b.Skipf("%s is not installed", args[0])
				}
				for b.Loop() {
					cmd := exec.Command(args[0], args[1:]...)
					cmd.Env = benchEnv() // weft and GNU parallel both run their jobs in /bin/sh
					cmd.Stdin = strings.NewReader(input)
					if out, err := cmd.CombinedOutput(); err != nil {
						b.Fatalf("%s: %v\n%s", tool.name, err, out)
					}
				}
			})
		}
	}
}

// BenchmarkNATSRunner runs 2,000 jobs of `true` with -j 2 locally and
// through NATS (an embedded server in this process, one weft worker process
// with -j 2, over loopback TCP), in one run: one op is the whole batch. The
// ratio is what submitting through a server costs a run of quick jobs.
// Through NATS, the server is open (no credentials, plain text: the
// baseline), requires credentials in plain text, or is as by default
// (credentials and TLS), so that the cost of security is measured too.
func BenchmarkNATSRunner(b *testing.B) {
	const jobs = 2000
	input := strings.Repeat("x\n", jobs)
	for _, impl := range []string{"local", "nats-open", "nats-auth", "nats"} {
		b.Run("impl="+impl, func(b *testing.B) {
			args := []string{"-j", "2", "true"}
			if impl != "local" {
				c := serverConfig(b.TempDir(), 0)
				c.InsecureNoAuth = impl == "nats-open"
				c.InsecureNoTLS = impl != "nats"
				srv, err := fleet.StartServer(c)
				if err != nil {
					b.Fatal(err)
				}
				defer srv.Shutdown()
				w := exec.Command(weftBin, "worker", "--nats", srv.URL(), "-j", "2")
				if err := w.Start(); err != nil {
					b.Fatal(err)
				}
				defer func() { w.Process.Kill(); w.Wait() }()
				args = append([]string{"--nats", srv.URL()}, args...)
			}
			for b.Loop() {
				cmd := exec.Command(weftBin, args...)
				cmd.Env = benchEnv()
				cmd.Stdin = strings.NewReader(input)
				if out, err := cmd.CombinedOutput(); err != nil {
					b.Fatalf("%v\n%s", err, out)
				}
			}
			b.ReportMetric(float64(jobs)*float64(b.N)/b.Elapsed().Seconds(), "jobs/s")
		})
	}
}

// benchEnv is the benchmarks' environment: the jobs of weft and of GNU
// parallel run in /bin/sh, whatever the shell of whoever runs them. It is
// read when a command starts, after TestMain has set the environment (the
// configuration directory where clients find their credentials).
func benchEnv() []string { return append(os.Environ(), "PARALLEL_SHELL=/bin/sh") }
