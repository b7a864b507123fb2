package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

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
// (credentials and TLS), so that the cost of security is measured too;
// nats-metrics is nats with a worker that records its metrics (--metrics),
// and nats-unlisted one that does not announce itself in the worker
// registry (--unlisted): nats against nats-unlisted is what the registry
// costs.
//
// Besides the wall time, cpu-us/job is the processor time that the whole
// fleet spends per job: this process (the server), the worker and its jobs,
// and the submitter. On a machine that others share, it is the steadier
// measure of what security costs: the wall time also counts whatever else
// ran meanwhile.
func BenchmarkNATSRunner(b *testing.B) {
	const jobs = 2000
	input := strings.Repeat("x\n", jobs)
	for _, impl := range []string{"local", "nats-open", "nats-auth", "nats", "nats-metrics", "nats-unlisted"} {
		b.Run("impl="+impl, func(b *testing.B) {
			args := []string{"-j", "2", "true"}
			worker := 0 // the worker's pid
			if impl != "local" {
				c := serverConfig(b.TempDir(), 0)
				c.InsecureNoAuth = impl == "nats-open"
				c.InsecureNoTLS = impl == "nats-open" || impl == "nats-auth"
				srv, err := fleet.StartServer(c)
				if err != nil {
					b.Fatal(err)
				}
				defer srv.Shutdown()
				wargs := []string{"worker", "--nats", srv.URL(), "-j", "2"}
				switch impl {
				case "nats-metrics":
					wargs = append(wargs, "--metrics", "127.0.0.1:0")
				case "nats-unlisted": // no registry: what announcing costs
					wargs = append(wargs, "--unlisted")
				}
				w := exec.Command(weftBin, wargs...)
				if err := w.Start(); err != nil {
					b.Fatal(err)
				}
				defer func() { w.Process.Kill(); w.Wait() }()
				worker = w.Process.Pid
				args = append([]string{"--nats", srv.URL()}, args...)
			}
			cpu := -selfCPU(b) - procCPU(b, worker)
			for b.Loop() {
				cmd := exec.Command(weftBin, args...)
				cmd.Env = benchEnv()
				cmd.Stdin = strings.NewReader(input)
				if out, err := cmd.CombinedOutput(); err != nil {
					b.Fatalf("%v\n%s", err, out)
				}
				cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
			}
			cpu += selfCPU(b) + procCPU(b, worker)
			b.ReportMetric(float64(jobs)*float64(b.N)/b.Elapsed().Seconds(), "jobs/s")
			b.ReportMetric(float64(cpu.Microseconds())/float64(jobs*b.N), "cpu-us/job")
		})
	}
}

// selfCPU is the processor time this process has used so far (the
// server, and the benchmark itself).
func selfCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// procCPU is the processor time that process pid has used so far, with its
// children that it waited for (a worker's jobs); 0 for pid 0. It reads
// /proc/PID/stat.
func procCPU(b *testing.B, pid int) time.Duration {
	if pid == 0 {
		return 0
	}
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	// The fields after the command's name, which is in parentheses and
	// may hold spaces: utime, stime, cutime and cstime are the 14th to
	// 17th fields of the line, the 12th to 15th after the name.
	f := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+1:]))
	var ticks int64
	for _, s := range f[11:15] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			b.Fatalf("/proc/%d/stat: %v", pid, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks
}

// clockTicks is the unit of /proc's times: USER_HZ, 100 on Linux.
const clockTicks = 100

// benchEnv is the benchmarks' environment: the jobs of weft and of GNU
// parallel run in /bin/sh, whatever the shell of whoever runs them. It is
// read when a command starts, after TestMain has set the environment (the
// configuration directory where clients find their credentials).
func benchEnv() []string { return append(os.Environ(), "PARALLEL_SHELL=/bin/sh") }
