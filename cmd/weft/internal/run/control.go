package run

import (
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/weft-dev/weft/cmd/weft/internal/cli"
	"github.com/weft-dev/weft/cmd/weft/internal/cpus"
	"github.com/weft-dev/weft/cmd/weft/internal/input"
	"github.com/weft-dev/weft/cmd/weft/internal/job"
	"github.com/weft-dev/weft/cmd/weft/internal/joblog"
)

// Limits are what must hold before a job starts, beyond -j: the number of
// jobs in a file, the load, free memory, no swapping (gate.go).
type Limits struct {
	JobsFile string // -j FILE: the number of jobs, read again when the file changes
	// Load is --load: start a job only while the load is below it; with
	// LoadFile, read from that file again when it changes.
	Load     float64
	LoadSpec string // the value, N% and ±N resolved once the CPUs are counted
	LoadFile string
	Memfree  int64 // --memfree: bytes that must be free to start a job
	Noswap   bool
}

// Active reports whether any limit beyond a fixed -j is set.
func (l Limits) Active() bool {
	return l.JobsFile != "" || l.LoadSpec != "" || l.Memfree > 0 || l.Noswap
}

// readJobs reads the number of jobs from JobsFile.
func (l Limits) readJobs(cpus int) (int, error) {
	data, err := os.ReadFile(l.JobsFile)
	if err != nil {
		return 0, err
	}
	n, err := jobsValue(string(data), cpus)
	if err != nil {
		return 0, fmt.Errorf("the file holds %q, not a number of jobs (N, N%%, +N or -N)", strings.TrimSpace(string(data)))
	}
	return n, nil
}

// regularFile reports whether name is a file that exists, as GNU parallel
// tells a -j or --load FILE from a number.
func regularFile(name string) bool {
	st, err := os.Stat(name)
	return err == nil && st.Mode().IsRegular()
}

// loadValue reads a --load value: N, N% of the CPUs, +N or -N more or
// fewer than them; at least 0.01, as in GNU parallel.
func loadValue(v string, cpus int) (float64, bool) {
	v = strings.TrimSpace(v)
	var f float64
	if m := regexp.MustCompile(`^([+-])(\d+)$`).FindStringSubmatch(v); m != nil {
		n, _ := strconv.Atoi(m[2])
		if m[1] == "-" {
			n = -n
		}
		f = float64(cpus + n)
	} else if m := regexp.MustCompile(`^(\d+)%$`).FindStringSubmatch(v); m != nil {
		n, _ := strconv.Atoi(m[1])
		f = float64(cpus) * float64(n) / 100
	} else if regexp.MustCompile(`^\d+(\.\d+)?$`).MatchString(v) {
		f, _ = strconv.ParseFloat(v, 64)
	} else {
		return 0, false
	}
	return max(f, 0.01), true
}

func (c *Config) setLoad(flag, v string) error {
	if _, ok := loadValue(v, 1); ok {
		c.Limits.LoadSpec, c.Limits.LoadFile = v, ""
		return nil
	}
	if regularFile(v) {
		data, err := os.ReadFile(v)
		if err != nil {
			return fmt.Errorf("%s %s: %v", flag, v, err)
		}
		if _, ok := loadValue(string(data), 1); !ok {
			return fmt.Errorf("%s %s: the file holds %q, not a load (N, N%%, +N or -N)", flag, v, strings.TrimSpace(string(data)))
		}
		c.Limits.LoadSpec, c.Limits.LoadFile = string(data), v
		return nil
	}
	return fmt.Errorf("bad value for %s: %q (want N, N.N, N%% of the CPUs, +N or -N, or a FILE holding one)", flag, v)
}

// sizeUnits are GNU parallel's size suffixes: 1000s in lower case, 1024s
// in upper case or with i (Ki, mi...).
var sizeUnits = map[string]float64{"": 1,
	"k": 1e3, "m": 1e6, "g": 1e9, "t": 1e12, "p": 1e15,
	"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40, "P": 1 << 50}

var sizeRe = regexp.MustCompile(`^(\d+(?:\.\d+)?)([kmgtpKMGTP]?i?)$`)

// parseSize reads a size as GNU parallel does: a number with one of its
// suffixes (1G, 500m, 2Ki).
func parseSize(v string) (int64, bool) {
	m := sizeRe.FindStringSubmatch(v)
	if m == nil {
		return 0, false
	}
	f, _ := strconv.ParseFloat(m[1], 64)
	unit := m[2]
	if u, ok := strings.CutSuffix(unit, "i"); ok {
		if u == "" {
			return 0, false
		}
		unit = strings.ToUpper(u)
	}
	return int64(f * sizeUnits[unit]), true
}

func (c *Config) setMemfree(flag, v string) error {
	n, ok := parseSize(v)
	if !ok || n <= 0 {
		return fmt.Errorf("bad value for %s: %q (want a size such as 500M, 1G or 2g)", flag, v)
	}
	c.Limits.Memfree = n
	return nil
}

func (c *Config) setNice(flag, v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < -20 || n > 19 {
		return fmt.Errorf("bad value for %s: %q (want a niceness from -20 to 19)", flag, v)
	}
	c.Nice = &n
	return nil
}

// signals are the names --termseq takes, with or without SIG.
var signals = map[string]syscall.Signal{
	"HUP": syscall.SIGHUP, "INT": syscall.SIGINT, "QUIT": syscall.SIGQUIT, "ABRT": syscall.SIGABRT,
	"KILL": syscall.SIGKILL, "USR1": syscall.SIGUSR1, "USR2": syscall.SIGUSR2, "PIPE": syscall.SIGPIPE,
	"ALRM": syscall.SIGALRM, "TERM": syscall.SIGTERM, "CONT": syscall.SIGCONT, "STOP": syscall.SIGSTOP,
	"TSTP": syscall.SIGTSTP, "TTIN": syscall.SIGTTIN, "TTOU": syscall.SIGTTOU, "XCPU": syscall.SIGXCPU,
	"XFSZ": syscall.SIGXFSZ, "VTALRM": syscall.SIGVTALRM, "PROF": syscall.SIGPROF, "WINCH": syscall.SIGWINCH,
}

// setTermseq reads --termseq SIG,MS,SIG,MS,...: a signal by name (TERM,
// SIGTERM) or number, then the milliseconds to wait; the last wait may be
// left out (no wait).
func (c *Config) setTermseq(flag, v string) error {
	bad := func(why string) error {
		return fmt.Errorf("bad value for %s: %q (%s; want SIG,MS,SIG,MS,... such as TERM,200,KILL,25)", flag, v, why)
	}
	parts := strings.Split(v, ",")
	var seq []job.Signal
	for i := 0; i < len(parts); i += 2 {
		name := strings.TrimPrefix(strings.ToUpper(parts[i]), "SIG")
		sig, ok := signals[name]
		if !ok {
			n, err := strconv.Atoi(parts[i])
			if err != nil || n < 1 || n > 64 {
				return bad(fmt.Sprintf("no signal %q", parts[i]))
			}
			sig = syscall.Signal(n)
		}
		var wait time.Duration
		if i+1 < len(parts) {
			ms, err := strconv.ParseFloat(parts[i+1], 64)
			if err != nil || ms < 0 {
				return bad(fmt.Sprintf("%q is not a number of milliseconds", parts[i+1]))
			}
			wait = time.Duration(ms * float64(time.Millisecond))
		}
		seq = append(seq, job.Signal{Sig: sig, Wait: wait})
	}
	c.Termseq = seq
	return nil
}

func (c *Config) setGrace(flag, v string) error {
	c.graceSet = true
	return cli.Duration(&c.Grace)(flag, v)
}

// delayRe is a --delay as GNU parallel 20221122 reads it: seconds, or
// numbers each followed by d, h, m or s (any case), the last one
// possibly without (seconds).
var (
	delayRe   = regexp.MustCompile(`^(?i)(?:(?:\d+\.?\d*|\.\d+)[dhms])*(?:\d+\.?\d*|\.\d+)?$`)
	delayPart = regexp.MustCompile(`(?i)(\d+\.?\d*|\.\d+)([dhms]?)`)
)

// setDelay reads --delay with GNU parallel's time units. Go's 200ms is
// refused: GNU parallel reads it as 200 minutes times 1 second.
func (c *Config) setDelay(flag, v string) error {
	d, ok := gnuDuration(v)
	if !ok {
		return fmt.Errorf("bad value for %s: %q (want seconds such as 0.2, or with the units d, h, m and s such as 1m30s; no ms)", flag, v)
	}
	c.Delay = d
	return nil
}

// gnuDuration reads a duration as GNU parallel reads --delay and
// --timeout: seconds, or numbers each followed by d, h, m or s (any case),
// added up.
func gnuDuration(v string) (time.Duration, bool) {
	if v == "" || !delayRe.MatchString(v) {
		return 0, false
	}
	unit := map[string]float64{"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
	var secs float64
	for _, m := range delayPart.FindAllStringSubmatch(v, -1) {
		f, _ := strconv.ParseFloat(m[1], 64)
		secs += f * unit[strings.ToLower(m[2])]
	}
	return time.Duration(secs * float64(time.Second)), true
}

// count is the Set of --number-of-*: print that count and exit.
func (c *Config) count(what string) func(string, string) error {
	return func(string, string) error {
		c.PrintCount = what
		return nil
	}
}

// countBy is the Set of --use-*-instead-of-threads.
func (c *Config) countBy(what string) func(string, string) error {
	return func(string, string) error {
		c.CountBy = what
		return nil
	}
}

// CPUs is the number of CPUs -j N% and --load count: the threads this
// process may run on, or the cores or sockets with --use-cores-instead-
// of-threads and --use-sockets-instead-of-threads.
func (c *Config) CPUs() (int, error) {
	if c.CountBy == "" {
		return runtime.NumCPU(), nil
	}
	n, err := cpus.Count(cpus.Machine())
	if err != nil {
		return 0, err
	}
	if c.CountBy == "sockets" {
		return n.Sockets, nil
	}
	return n.Cores, nil
}

// PrintCounts prints the count --number-of-* asked for.
func (c *Config) PrintCounts(w io.Writer) error {
	n, err := cpus.Count(cpus.Machine())
	if err != nil {
		return err
	}
	v := map[string]int{"sockets": n.Sockets, "cores": n.Cores, "threads": n.Threads}[c.PrintCount]
	_, err = fmt.Fprintln(w, v)
	return err
}

// checkControl resolves the values that count the CPUs and checks the
// options of this file against each other.
func (c *Config) checkControl() error {
	if c.Termseq != nil && c.graceSet {
		return errors.New("--termseq and --grace both say how a job is stopped: give one (--termseq TERM,G,KILL,0 is --grace G)")
	}
	if c.Limits.Active() && runtime.GOOS != "linux" {
		return errors.New("-j FILE, --load, --memfree and --noswap read /proc: they work on Linux only")
	}
	n, err := c.CPUs()
	if err != nil {
		return err
	}
	if c.jobsSpec != "" {
		if c.Jobs, err = jobsValue(c.jobsSpec, n); err != nil {
			return err
		}
	} else if c.Limits.JobsFile != "" {
		if c.Jobs, err = c.Limits.readJobs(n); err != nil {
			return fmt.Errorf("-j %s: %v", c.Limits.JobsFile, err)
		}
	} else if c.CountBy != "" {
		c.Jobs = n // the default: a job per CPU, as counted
	}
	if c.Limits.LoadSpec != "" {
		c.Limits.Load, _ = loadValue(c.Limits.LoadSpec, n)
	}
	return nil
}

// setRetryFailed makes the run of --retry-failed: the commands of the
// joblog, one a job with its sequence number, those that succeeded
// skipped as --resume-failed skips them. The command line gives no
// command or input: GNU parallel ignores them, weft refuses them.
func (c *Config) setRetryFailed(words []string) error {
	if c.Joblog == "" {
		return errors.New("--retry-failed needs --joblog FILE: it runs the failed jobs of FILE again")
	}
	if len(words) > 0 || len(c.ArgFiles) > 0 {
		return errors.New("--retry-failed runs the commands recorded in the joblog: give no command or input (or use --resume-failed with them)")
	}
	if c.Resume || c.ResumeFailed {
		return errors.New("--retry-failed cannot be used with --resume or --resume-failed")
	}
	if _, err := os.Stat(c.Joblog); err != nil {
		return fmt.Errorf("--retry-failed: cannot read the joblog: %v", err)
	}
	done, err := joblog.Read(c.Joblog)
	if err != nil {
		return err
	}
	seqs := make([]int64, 0, len(done))
	for s := range done {
		seqs = append(seqs, s)
	}
	sort.Slice(seqs, func(i, j int) bool { return seqs[i] < seqs[j] })
	var cmds []string
	if len(seqs) > 0 {
		cmds = make([]string, seqs[len(seqs)-1])
		for _, s := range seqs {
			if s >= 1 {
				cmds[s-1] = done[s].Command
			}
		}
	}
	c.Command, c.ResumeFailed = "", true
	c.Sources = []input.Source{{Values: cmds}}
	if err := c.checkControl(); err != nil {
		return err
	}
	return c.checkPipe()
}
