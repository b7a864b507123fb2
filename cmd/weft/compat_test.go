package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// compatCase is one invocation run through both weft and GNU parallel.
type compatCase struct {
	args    []string
	stdin   string
	ordered bool              // compare stdout exactly (else as a multiset)
	files   map[string]string // files to create in each tool's directory
	joblog  bool              // compare the joblog "log" too
	env     []string          // added to the environment (after PARALLEL_SHELL=/bin/sh)
	// written are globs of the files a run writes (--results), compared
	// by name and content; outFiles reads stdout's lines as the names of
	// files (--files) and compares their contents; stderr compares stderr
	// too (compat_output_test.go).
	written  []string
	outFiles bool
	stderr   bool
}

func compatCases() []compatCase {
	pairs := map[string]string{"pairs": "a,1\nb,2\nc,3\n", "list": "x\ny\n", "list2": "1\n2\n"}
	return []compatCase{
		{args: []string{"-k", "echo", ":::", "a", "b", "c"}, ordered: true},
		{args: []string{"echo", ":::", "a", "b", "c"}},
		{args: []string{"-k", "echo {} {#}", ":::", "a", "b", "c"}, ordered: true},
		{args: []string{"-k", "echo {.} {/} {//} {/.}", ":::", "/x/y.tar.gz", "rel/f.txt", "plain"}, ordered: true},
		{args: []string{"-k", "echo {1}-{2}", ":::", "a", "b", ":::", "1", "2"}, ordered: true},
		{args: []string{"-k", "echo {2}", ":::", "a", ":::", "b"}, ordered: true},
		{args: []string{"-k", "--tag", "echo", ":::", "a", "b", ":::", "1"}, ordered: true},
		{args: []string{"-k", "-j", "1", "echo {%}", ":::", "a", "b", "c"}, ordered: true},
		{args: []string{"-k", "echo {#}", ":::", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"}, ordered: true},
		{args: []string{"-k", "echo"}, stdin: "line one\nline two\n", ordered: true},
		{args: []string{"-k", "-0", "echo"}, stdin: "x\x00y z\x00", ordered: true},
		{args: []string{"-k", "-d", ",", "echo"}, stdin: "a,b,c", ordered: true},
		{args: []string{"-k", "--colsep", ",", "echo {2} {1}", "::::", "pairs"}, files: pairs, ordered: true},
		{args: []string{"-k", "-a", "list", "echo"}, files: pairs, ordered: true},
		{args: []string{"-k", "echo", "::::", "list", "list2"}, files: pairs, ordered: true},
		{args: []string{"-k", "echo", "::::", "list", ":::", "p", "q"}, files: pairs, ordered: true},
		{args: []string{"exit {}", ":::", "0", "1", "2"}},
		{args: []string{"exit {}", ":::", "0", "0"}},
		{args: []string{"-k", "--joblog", "log", "echo {}; exit {}", ":::", "0", "3"}, ordered: true, joblog: true},
		{args: []string{"-k", "-j", "1", "--halt", "now,fail=1", "exit {}", ":::", "0", "5", "0"}, ordered: true},
		{args: []string{"-k", "-j", "1", "--halt", "soon,fail=1", "echo {}; exit {}", ":::", "0", "6", "0"}, ordered: true},
		{args: []string{"-k", "--dry-run", "echo", ":::", "a b", "c'd", "x;y", "plain"}, ordered: true},
		{args: []string{"-k", "echo", ":::", "x; touch pwned", "$(touch pwned)", "a'b"}, ordered: true},
		{args: []string{"-k", "echo {}", ":::", ""}, ordered: true},
		{args: []string{"-k", "-j", "3", "sleep 0.{}; echo {}", ":::", "3", "1", "2"}, ordered: true},
		{args: []string{"-j", "3", "sleep 0.0{}; echo {}", ":::", "3", "1", "2"}},
		{args: []string{"-k", "--timeout", "0.5", "sleep {}; echo {}", ":::", "0", "3"}, ordered: true},
		{args: []string{"-k", "--lb", "echo", ":::", "a", "b"}},
		{args: []string{"-u", "echo", ":::", "a", "b"}},
		{args: []string{"-k", "-j", "0", "echo", ":::", "a", "b", "c"}, ordered: true},
		{args: []string{"-k", "-j", "50%", "echo", ":::", "a", "b"}, ordered: true},
		{args: []string{"-k", "--delay", "0.01", "echo", ":::", "a", "b"}, ordered: true},
		{args: []string{"-k", "echo {} >&2; echo out", ":::", "a", "b"}, ordered: true},
		{args: []string{"-k", "--retries", "3", "n=$(cat c 2>/dev/null || echo 0); echo $((n+1)) > c; echo try $n; [ $n -ge 2 ]", ":::", "x"}, ordered: true},
		{args: []string{"-k", ":::", "echo one", "echo two"}, ordered: true},
		{args: append([]string{"exit 1", ":::"}, strings.Fields(strings.Repeat("x ", 102))...)},
		// Linked input sources: :::+, ::::+, --link and --xapply.
		{args: []string{"-k", "echo", ":::", "a", "b", "c", ":::+", "1", "2", "3", ":::", "X", "Y", ":::+", "11", "22"}, ordered: true},
		{args: []string{"-k", "echo", ":::", "a", "b", ":::+", "1", "2", "3"}, ordered: true},
		{args: []string{"-k", "echo", ":::", "p", "q", "r", "::::+", "list", "list2"}, files: pairs, ordered: true},
		{args: []string{"-k", "--link", "echo", ":::", "a", "b", "c", ":::", "1", "2"}, ordered: true},
		{args: []string{"-k", "--xapply", "echo {2}{1}", ":::", "a", "b", "c", "d", "::::", "list"}, files: pairs, ordered: true},
		// Other separators, and -a before the ::: groups.
		{args: []string{"-k", "--arg-sep", ",,", "echo", ",,", "a", ":::", "b"}, ordered: true},
		{args: []string{"-k", "--arg-file-sep", "//", "echo", ":::", "a", "//", "list"}, files: pairs, ordered: true},
		{args: []string{"-k", "--arg-sep", ",,", "echo", ",,", "a", "b", ",,+", "1", "2"}, ordered: true},
		{args: []string{"-k", "-a", "list", "echo {1} {2}", ":::", "p", "q"}, files: pairs, ordered: true},
		// Positions from the last argument.
		{args: []string{"-k", "echo {-1} {-2}", ":::", "a", "b", ":::", "c", "d"}, ordered: true},
		{args: []string{"-k", "echo {-1/.} {-2/} {-2//}", ":::", "/x/y.z", ":::", "p/q.r"}, ordered: true},
		{args: []string{"-k", "--colsep", ",", "echo {-1} {-3}", "::::", "pairs"}, files: pairs, ordered: true},
		// --halt: percentages of all the jobs, done=, the short forms, and
		// GNU parallel's exit status.
		{args: []string{"-k", "-j", "1", "--halt", "soon,fail=20%", "echo {}; exit {}", ":::", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}, ordered: true},
		{args: []string{"-k", "-j", "1", "--halt", "50%", "echo {}; exit {}", ":::", "0", "1", "0", "0", "2", "0"}, ordered: true},
		{args: []string{"-k", "-j", "1", "--halt", "soon,fail=50%", "echo {}; exit {}"}, stdin: "0\n1\n1\n0\n", ordered: true},
		{args: []string{"-k", "-j", "1", "--halt", "soon,fail=2", "echo {}; exit {}", ":::", "0", "3", "4", "5"}, ordered: true},
		{args: []string{"-k", "-j", "1", "--halt", "now,done=2", "echo", ":::", "a", "b", "c"}, ordered: true},
		{args: []string{"-k", "-j", "1", "--halt", "2", "echo {}; exit {}", ":::", "0", "3", "0"}, ordered: true},
		// --timeout P%: of the median run time of the jobs that succeeded.
		{args: []string{"-k", "-j", "1", "--timeout", "300%", "sleep {}; echo {}", ":::", "0.1", "0.1", "6"}, ordered: true},
		{args: []string{"-k", "-j", "1", "--timeout", "200%", "sleep {}; echo {}", ":::", "0.2", "0.3", "0.2"}, ordered: true},
		{args: []string{"-k", "-j", "1", "--timeout", "200%", "sleep {}; echo {}; exit 1", ":::", "0.1", "1"}, ordered: true},
		// --joblog +FILE appends, without a header.
		{args: []string{"-k", "--joblog", "+log", "echo {}; exit {}", ":::", "0", "2"}, ordered: true, joblog: true},
		// -d with GNU parallel's escapes, and -j +N.
		{args: []string{"-k", "-d", `\r\n`, "echo x{}x"}, stdin: "a\r\nb\r\n", ordered: true},
		{args: []string{"-k", "-d", `\101`, "echo"}, stdin: "aAb", ordered: true},
		{args: []string{"-k", "-j", "+1", "echo", ":::", "a", "b", "c"}, ordered: true},
		// -E, --eof= and -r.
		{args: []string{"-k", "-E", "stop", "echo", ":::", "A", "B", "stop", "C"}, ordered: true},
		{args: []string{"-k", "--eof=x", "echo", ":::", "a", "x", "b", ":::", "1", "x", "2"}, ordered: true},
		{args: []string{"-k", "-r", "echo"}, stdin: "1\n\n \n2\n", ordered: true},
		{args: []string{"-k", "--no-run-if-empty", "echo", ":::", "a", "", "b"}, ordered: true},
		// Perl expressions: {= =}, {=n =}, --rpl, --parens, skip(), uq(),
		// total_jobs().
		{args: []string{"-k", "echo {= $_=uc =} {=2 s/b/x/ =}", ":::", "a", ":::", "b"}, ordered: true},
		{args: []string{"-k", "--rpl", `{..} s:\.[^.]+$::;s:\.[^.]+$::;`, "echo {..} {1..}", ":::", "a.tar.gz", "b.c"}, ordered: true},
		{args: []string{"-k", "--parens", ",,,,", "echo ,, $_=uc ,, {=", ":::", "a"}, ordered: true},
		{args: []string{"-k", "echo {= if($_==3) { skip() } =}", ":::", "1", "2", "3", "4"}, ordered: true},
		{args: []string{"-k", `echo {= $_="x; touch pwned" =} {= uq(); $_="y; echo z" =}`, ":::", "a"}, ordered: true},
		{args: []string{"-k", "echo {= $_=total_jobs() =} {#}"}, stdin: "a\nb\nc\n", ordered: true},
		// The jobs' shell: $PARALLEL_SHELL, else $SHELL; exported functions.
		{args: []string{"-k", "f", ":::", "1", "2"}, ordered: true,
			env: []string{"PARALLEL_SHELL=/bin/bash", "BASH_FUNC_f%%=() {  echo in f $1\n}"}},
		{args: []string{"-k", "[[ {} == a ]] && echo yes || echo no", ":::", "a", "b"}, ordered: true, env: []string{"PARALLEL_SHELL=/bin/bash"}},
		{args: []string{"-k", "echo ${BASH_VERSION:+bash}", ":::", "a"}, ordered: true, env: []string{"PARALLEL_SHELL=", "SHELL=/bin/bash"}},
	}
}

// TestCompatibilityWithGNUParallel runs each case through weft and GNU
// parallel, each in a fresh directory, and compares stdout (exactly, or as a
// multiset where the order is free), the exit status and the joblog.
func TestCompatibilityWithGNUParallel(t *testing.T) {
	gnu, err := exec.LookPath("parallel")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("GNU parallel is not installed; .ci/run installs it")
		}
		t.Skip("GNU parallel is not installed here (CI installs it)")
	}
	for _, c := range slices.Concat(compatCases(), pipeCompatCases(), replCompatCases(), outputCompatCases(), controlCompatCases(), multiCompatCases(), spawnCompatCases(), jobEnvCompatCases()) {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			w := runTool(t, weftBin, c)
			g := runTool(t, gnu, c)
			if w.status != g.status {
				t.Errorf("exit status: weft %d, GNU parallel %d", w.status, g.status)
			}
			ws, gs := lines(w.stdout), lines(g.stdout)
			if !c.ordered {
				ws, gs = sorted(ws), sorted(gs)
			}
			if !slices.Equal(ws, gs) {
				t.Errorf("stdout:\nweft         %q\nGNU parallel %q", ws, gs)
			}
			if c.joblog {
				wl, gl := logColumns(w.joblog), logColumns(g.joblog)
				if !slices.Equal(wl, gl) {
					t.Errorf("joblog:\nweft         %q\nGNU parallel %q", wl, gl)
				}
			}
			compareWritten(t, c, w, g)
		})
	}
}

type toolRun struct {
	stdout, joblog string
	status         int
	dir, stderr    string // where it ran, and what it printed on stderr
}

func runTool(t *testing.T, bin string, c compatCase) toolRun {
	t.Helper()
	dir := t.TempDir()
	for name, content := range c.files {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755) // .parallel/NAME: a profile
		os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644)
	}
	cmd := exec.Command(bin, append([]string{"--will-cite"}, c.args...)...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "PARALLEL_SHELL=/bin/sh", "SHELL=/bin/sh", "HOME="+dir), c.env...)
	cmd.Stdin = strings.NewReader(c.stdin)
	if c.outFiles {
		os.Mkdir(filepath.Join(dir, "tmp"), 0o755)
		cmd.Env = append(cmd.Env, "TMPDIR="+filepath.Join(dir, "tmp"))
	}
	var out bytes.Buffer
	cmd.Stdout = &out
	errFile := filepath.Join(t.TempDir(), "stderr")
	if c.stderr {
		f, err := os.Create(errFile) // a file: a job left running with the pipe open would hold up Wait
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		cmd.Stderr = f
	}
	// Each tool runs as a process group of its own, killed once the tool
	// has exited: GNU parallel's --tee with fewer job slots than inputs
	// leaves a tee blocked for ever on a named pipe no job opens.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	err := cmd.Run()
	if cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	errOut, _ := os.ReadFile(errFile)
	r := toolRun{stdout: out.String(), stderr: string(errOut), dir: dir}
	if c.outFiles {
		r.stdout = namedContents(t, dir, r.stdout)
	}
	if ee, ok := err.(*exec.ExitError); ok {
		r.status = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s: %v", bin, err)
	}
	if matches, _ := filepath.Glob(filepath.Join(dir, "pwned")); len(matches) > 0 {
		t.Errorf("%s ran an input as code", bin)
	}
	log, _ := os.ReadFile(filepath.Join(dir, "log"))
	r.joblog = string(log)
	return r
}

// logColumns keeps the joblog's header and, per job, the columns that do
// not depend on timing: Seq, Host, Send, Receive, Exitval, Signal, Command.
func logColumns(log string) []string {
	var out []string
	header := 0
	for i, l := range lines(log) {
		if i == 0 && strings.HasPrefix(l, "Seq\t") {
			out, header = append(out, l), 1
			continue
		}
		f := strings.Split(l, "\t")
		if len(f) < 9 {
			out = append(out, "malformed: "+l)
			continue
		}
		out = append(out, strings.Join([]string{f[0], f[1], f[4], f[5], f[6], f[7], f[8]}, "\t"))
	}
	slices.Sort(out[min(header, len(out)):])
	return out
}
