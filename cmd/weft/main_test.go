package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/weft-dev/weft/cmd/weft/internal/joblog"
	"github.com/weft-dev/weft/cmd/weft/internal/run"
	"github.com/weft-dev/weft/cmd/weft/internal/submit"
)

// weftBin is the command, built once for the end-to-end tests.
var weftBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "weft-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	weftBin = filepath.Join(dir, "weft")
	// Servers write the same user's credentials in the configuration
	// directory, where the workers and submitters started here find them:
	// this run's, apart from the user's.
	os.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	if out, err := exec.Command("go", "build", "-o", weftBin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building weft: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

type outcome struct {
	stdout, stderr string
	status         int
	elapsed        time.Duration
}

// runWeft runs the command in dir with stdin, and returns what it did.
func runWeft(t *testing.T, dir, stdin string, args ...string) outcome {
	t.Helper()
	cmd := exec.Command(weftBin, args...)
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	o := outcome{stdout: out.String(), stderr: errb.String(), elapsed: time.Since(start)}
	if ee, ok := err.(*exec.ExitError); ok {
		o.status = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running weft: %v", err)
	}
	return o
}

func lines(s string) []string {
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func sorted(s []string) []string { return slices.Sorted(slices.Values(s)) }

func TestMainJob(t *testing.T) {
	o := runWeft(t, t.TempDir(), "", "-j", "4", "echo hello {}", ":::", "a", "b", "c")
	if o.status != 0 || !slices.Equal(sorted(lines(o.stdout)), []string{"hello a", "hello b", "hello c"}) {
		t.Errorf("got status %d, stdout %q, stderr %q", o.status, o.stdout, o.stderr)
	}
}

func TestInputIsDataNeverCode(t *testing.T) {
	dir := t.TempDir()
	evil := []string{"x; touch pwned1", "$(touch pwned2)", "`touch pwned3`", "a'b; touch pwned4", "| touch pwned5", "\"; touch pwned6"}
	o := runWeft(t, dir, strings.Join(evil, "\n")+"\n", "-k", "echo")
	if o.status != 0 {
		t.Fatalf("status %d: %s", o.status, o.stderr)
	}
	if got := lines(o.stdout); !slices.Equal(got, evil) {
		t.Errorf("echo of hostile inputs: got %q; want them back verbatim", got)
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "pwned*"))
	if len(matches) > 0 {
		t.Errorf("an input ran as code: %v", matches)
	}
}

func TestOrderWithRandomDurations(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	var in []string
	for range 30 {
		in = append(in, fmt.Sprintf("0.0%d", rng.IntN(9)))
	}
	var want []string
	for i, d := range in {
		want = append(want, fmt.Sprintf("%d %s", i+1, d))
	}
	args := append([]string{"-j", "8", "sleep {}; echo {#} {}", ":::"}, in...)
	keep := runWeft(t, t.TempDir(), "", append([]string{"-k"}, args...)...)
	if !slices.Equal(lines(keep.stdout), want) {
		t.Errorf("-k: got %q; want input order", lines(keep.stdout))
	}
	free := runWeft(t, t.TempDir(), "", args...)
	if !slices.Equal(sorted(lines(free.stdout)), sorted(want)) {
		t.Errorf("without -k: got %q; want the same lines in any order", lines(free.stdout))
	}
}

func TestOutputIsGroupedPerJob(t *testing.T) {
	o := runWeft(t, t.TempDir(), "", "-j", "4", "for i in 1 2 3 4 5; do echo {}$i; sleep 0.01; done", ":::", "a", "b", "c", "d")
	got := lines(o.stdout)
	for i := 0; i < len(got); i += 5 {
		job := got[i][:1]
		for k := range 5 {
			if got[i+k] != fmt.Sprintf("%s%d", job, k+1) {
				t.Fatalf("output of jobs mixed: %q", got)
			}
		}
	}
}

func TestLargeOutputSpillsWhole(t *testing.T) {
	o := runWeft(t, t.TempDir(), "", "-j", "2", "head -c 3000000 /dev/zero | tr '\\0' {}", ":::", "a", "b")
	if len(o.stdout) != 6_000_000 || strings.Count(o.stdout, "a") != 3_000_000 {
		t.Fatalf("got %d bytes", len(o.stdout))
	}
	first := o.stdout[0]
	if strings.IndexByte(o.stdout, first^('a'^'b')) != 3_000_000 {
		t.Error("the two jobs' output interleaved")
	}
}

func TestTimeout(t *testing.T) {
	dir := t.TempDir()
	o := runWeft(t, dir, "", "--timeout", "0.2", "--grace", "300ms", "--joblog", "log", ":::",
		"sleep 5", "trap '' TERM; sleep 5", "true")
	if o.status != 2 {
		t.Errorf("status: got %d; want 2 (two jobs timed out)", o.status)
	}
	if o.elapsed > 3*time.Second {
		t.Errorf("took %v; the timeout did not stop the jobs", o.elapsed)
	}
	log := readLog(t, filepath.Join(dir, "log"))
	if log[1].signal != 15 || log[2].signal != 9 || log[3].exit != 0 {
		t.Errorf("joblog: %+v; want job 1 killed by TERM, job 2 by KILL, job 3 fine", log)
	}
}

type logLine struct {
	exit, signal int
	command      string
}

func readLog(t *testing.T, path string) map[int]logLine {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int]logLine{}
	for i, l := range lines(string(data)) {
		f := strings.Split(l, "\t")
		if i == 0 {
			if l+"\n" != joblog.Header {
				t.Fatalf("joblog header: %q", l)
			}
			continue
		}
		seq, _ := strconv.Atoi(f[0])
		exit, _ := strconv.Atoi(f[6])
		sig, _ := strconv.Atoi(f[7])
		if _, dup := out[seq]; dup {
			t.Errorf("joblog has job %d twice", seq)
		}
		out[seq] = logLine{exit, sig, f[8]}
	}
	return out
}

func TestRetries(t *testing.T) {
	// Each job fails until it has been tried 3 times.
	cmd := `n=$(cat {} 2>/dev/null || echo 0); echo $((n+1)) > {}; [ "$n" -ge 2 ]`
	dir := t.TempDir()
	if o := runWeft(t, dir, "", "--retries", "3", cmd, ":::", "c1", "c2"); o.status != 0 {
		t.Errorf("--retries 3: status %d; want 0", o.status)
	}
	if o := runWeft(t, t.TempDir(), "", "--retries", "2", "--retry-delay", "10ms", cmd, ":::", "c1"); o.status != 1 {
		t.Errorf("--retries 2: status %d; want 1", o.status)
	}
}

func TestHalt(t *testing.T) {
	dir := t.TempDir()
	o := runWeft(t, dir, "", "-j", "2", "--halt", "now,fail=1", ":::", "sleep 0.2; exit 3", "sleep 10", "touch never")
	if o.status != 3 || o.elapsed > 5*time.Second {
		t.Errorf("now,fail=1: status %d after %v; want 3 at once", o.status, o.elapsed)
	}
	if _, err := os.Stat(filepath.Join(dir, "never")); err == nil {
		t.Error("a job started after the halt")
	}
	o = runWeft(t, dir, "", "-j", "1", "--halt", "soon,fail=1", ":::", "exit 4", "touch never2")
	if _, err := os.Stat(filepath.Join(dir, "never2")); err == nil || o.status != 4 {
		t.Errorf("soon,fail=1: status %d; want 4 and no further job", o.status)
	}
	o = runWeft(t, dir, "", "-j", "1", "--halt", "now,success=1", ":::", "exit 1", "true", "touch never3")
	if _, err := os.Stat(filepath.Join(dir, "never3")); err == nil || o.status != 0 {
		t.Errorf("now,success=1: status %d; want 0 and no further job", o.status)
	}
}

func TestExitStatusCountsFailures(t *testing.T) {
	for _, n := range []int{0, 3, 100, 101, 130} {
		args := []string{"-j", "8", "exit {}", ":::"}
		for i := range n + 2 {
			if i < n {
				args = append(args, "1")
			} else {
				args = append(args, "0")
			}
		}
		want := min(n, 101)
		if o := runWeft(t, t.TempDir(), "", args...); o.status != want {
			t.Errorf("%d failures: status %d; want %d", n, o.status, want)
		}
	}
}

func TestBadUsage(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "log"), []byte(joblog.Header+"1\t:\t1.000\t     0.001\t0\t2\t0\t0\techo other\n"), 0o644)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--frobnicate", "echo"}, `unknown option "--frobnicate"`},
		{[]string{"--timeout", "soon", "echo"}, `bad value for --timeout: "soon"`},
		{[]string{"-j", "-x", "echo"}, `bad value for -j: "-x"`},
		{[]string{"-a", "/no/such/file", "echo"}, "cannot read input file"},
		{[]string{"--halt", "sometimes", "echo"}, "bad value for --halt"},
		{[]string{"--rate", "fast", "echo"}, "bad value for --rate"},
		{[]string{"--joblog", "log", "--resume", "touch ran; echo", ":::", "x"}, "does not match this command"},
		{[]string{}, "no command given"},
	}
	for _, tt := range tests {
		o := runWeft(t, dir, "", tt.args...)
		if o.status != 255 || !strings.Contains(o.stderr, tt.want) || strings.Count(o.stderr, "\n") != 1 {
			t.Errorf("weft %q: status %d, stderr %q; want 255 and one line with %q", tt.args, o.status, o.stderr, tt.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "ran")); err == nil {
		t.Error("a job ran despite bad usage")
	}
}

func TestInputsAndSeparators(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "pairs"), []byte("a,1\nb,2\n"), 0o644)
	tests := []struct {
		stdin string
		args  []string
		want  []string
	}{
		{"x\ny\n", []string{"-k", "echo"}, []string{"x", "y"}},
		{"x\x00y z\x00", []string{"-k", "-0", "echo {}"}, []string{"x", "y z"}},
		{"p:q:r", []string{"-k", "-d", ":", "echo"}, []string{"p", "q", "r"}},
		{"", []string{"-k", "--colsep", ",", "echo {2}{1}", "::::", "pairs"}, []string{"1a", "2b"}},
		{"", []string{"-k", "-a", "pairs", "echo"}, []string{"a,1", "b,2"}},
		{"", []string{"-k", "echo {1}{2}", ":::", "a", "b", ":::", "1", "2"}, []string{"a1", "a2", "b1", "b2"}},
		{"s\n", []string{"-k", "echo {1}{2}", "::::", "-", ":::", "1", "2"}, []string{"s1", "s2"}},
		{"", []string{"-k", "--tag", "echo {#}", ":::", "a", "b"}, []string{"a\t1", "b\t2"}},
		{"", []string{"--dry-run", "rm {}", ":::", "a b", "c"}, []string{"rm 'a b'", "rm c"}},
		{"", []string{"-k", "-j", "2", "echo {%}", ":::", "a"}, []string{"1"}},
		{"", []string{"-k", "--lb", "echo {}", ":::", "a", "b"}, []string{"a", "b"}},
	}
	for _, tt := range tests {
		o := runWeft(t, dir, tt.stdin, tt.args...)
		got := lines(o.stdout)
		if slices.Contains(tt.args, "--lb") {
			got = sorted(got)
		}
		if o.status != 0 || !slices.Equal(got, tt.want) {
			t.Errorf("weft %q: status %d, got %q; want %q (stderr %q)", tt.args, o.status, got, tt.want, o.stderr)
		}
	}
}

func TestManyQuickJobs(t *testing.T) {
	in := strings.Repeat("x\n", 10_000)
	dir := t.TempDir()
	o := runWeft(t, dir, in, "-j", "8", "--joblog", "log", "true")
	if o.status != 0 {
		t.Fatalf("status %d: %s", o.status, o.stderr)
	}
	if log := readLog(t, filepath.Join(dir, "log")); len(log) != 10_000 {
		t.Errorf("joblog has %d jobs; want 10000", len(log))
	}
}

// TestInputStreamsInBoundedMemory feeds 1,000,000 input lines and watches
// the peak resident memory (VmHWM) of the weft process. (The rusage of a
// child is no good here: a child started by vfork inherits the parent's
// high-water mark, and the test process is large.)
func TestInputStreamsInBoundedMemory(t *testing.T) {
	in, err := os.CreateTemp(t.TempDir(), "input")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 1_000_000 {
		fmt.Fprintf(in, "input line %d\n", i)
	}
	in.Seek(0, 0)
	cmd := exec.Command(weftBin, "--dry-run", "echo")
	cmd.Stdin = in
	var out countingWriter
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var peakKiB int64
	for running := true; running; {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			running = false
		case <-time.After(5 * time.Millisecond):
			status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid))
			if err != nil {
				continue
			}
			for _, l := range strings.Split(string(status), "\n") {
				if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
					kib, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
					peakKiB = max(peakKiB, kib)
				}
			}
		}
	}
	if out.lines != 1_000_000 {
		t.Fatalf("%d lines out; want 1000000", out.lines)
	}
	if peakKiB == 0 || peakKiB > 50<<10 {
		t.Errorf("peak resident memory with 1,000,000 input lines: %d KiB; want <= 50 MiB", peakKiB)
	}
	t.Logf("peak resident memory: %d KiB", peakKiB)
}

type countingWriter struct{ lines int }

// roffName is an option's name as the man page writes it, its dashes
// escaped.
func roffName(n string) string { return strings.ReplaceAll(n, "-", `\-`) }

func (w *countingWriter) Write(p []byte) (int, error) {
	w.lines += bytes.Count(p, []byte("\n"))
	return len(p), nil
}

// TestHelpDocumentsEveryFlag: --help shows every option's names, and the
// man page every alias and every refused option, with its alternative.
func TestHelpDocumentsEveryFlag(t *testing.T) {
	o := runWeft(t, t.TempDir(), "", "--help")
	man := runWeft(t, t.TempDir(), "", "help", "--man").stdout
	names := []string{"-h", "--help", "--version"} // every command's, and the root's
	for _, sec := range append(run.Sections(run.Defaults()), submit.Section(submit.Defaults())) {
		for _, f := range sec.Options {
			if f.Hidden {
				continue // accepted for compatibility only (--will-cite)
			}
			for _, n := range append(append([]string(nil), f.Names...), f.Aliases...) {
				if !strings.Contains(man, roffName(n)) {
					t.Errorf("the man page does not mention %s", n)
				}
			}
			if f.Refused == "" {
				names = append(names, f.Names...)
			}
		}
	}
	for _, name := range names {
		if !strings.Contains(o.stdout, name) {
			t.Errorf("--help does not mention %s", name)
		}
	}
	for _, name := range []string{"weft serve", "--store", "--listen", "weft worker", "--name", "--ack-wait", "--max-deliver"} {
		if !strings.Contains(o.stdout, name) {
			t.Errorf("--help does not mention %s", name)
		}
	}
	if v := runWeft(t, t.TempDir(), "", "--version"); !strings.HasPrefix(v.stdout, "weft ") {
		t.Errorf("--version: %q", v.stdout)
	}
}
