package run

import (
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/weft-dev/weft/cmd/weft/internal/job"
)

func TestShellWordsSplitsAsGNUParallel(t *testing.T) {
	for in, want := range map[string][]string{
		"--nice 17":            {"--nice", "17"},
		"  -vv   --dry-run  ":  {"-vv", "--dry-run"},
		`--tag "a b" 'c d'`:    {"--tag", "a b", "c d"},
		`a\ b "x\"y" 'p\'q'`:   {"a b", `x"y`, `p\'q`},
		`pre"fix"post ''`:      {"prefixpost", ""},
		"--colsep '\t'\n-k":    {"--colsep", "\t", "-k"},
		`# not a comment here`: {"#", "not", "a", "comment", "here"},
		`"a\\b" 'a\\b'`:        {`a\b`, `a\\b`},
		"":                     nil,
	} {
		got, err := ShellWords(in)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("ShellWords(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{`--tag 'a`, `"b`, `c\`} {
		if got, err := ShellWords(in); err == nil {
			t.Errorf("ShellWords(%q) = %q; want an error (GNU parallel drops the line)", in, got)
		}
	}
}

func TestProfileWordsSkipComments(t *testing.T) {
	got, err := profileWords("# a comment\n  -k\n\t# another\n--nice 17 # not one\n")
	if want := []string{"-k", "--nice", "17", "#", "not", "one"}; err != nil || !slices.Equal(got, want) {
		t.Errorf("got %q, %v; want %q", got, err, want)
	}
	if _, err := profileWords("-k\n--tag 'x\n"); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("an unbalanced quote: %v; want an error naming line 2", err)
	}
}

// env is a fake environment.
func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func write(t *testing.T, name, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestPresetsReadConfigProfilesAndPARALLEL(t *testing.T) {
	home := t.TempDir()
	defer func(f string) { systemConfig = f }(systemConfig)
	systemConfig = filepath.Join(home, "etc-parallel-config") // none, whatever this machine has
	write(t, filepath.Join(home, ".parallel/config"), "-k\n")
	write(t, filepath.Join(home, ".parallel/nice"), "--nice 17\n")
	write(t, filepath.Join(home, ".parallel/dry"), "# dry\n--dry-run\n")
	write(t, filepath.Join(home, ".parallelrc"), "--tag\n")
	vars := map[string]string{"HOME": home, "PARALLEL": "-j2 --lb"}
	froms := func(c *Config) (out []string) {
		ps, err := c.Presets(env(vars))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			out = append(out, strings.TrimPrefix(p.From, home)+"="+strings.Join(p.Words, " "))
		}
		return out
	}
	// No -J: the configuration files, then $PARALLEL.
	want := []string{"/.parallel/config=-k", "/.parallelrc=--tag", "$PARALLEL=-j2 --lb"}
	if got := froms(Defaults()); !slices.Equal(got, want) {
		t.Errorf("without -J: %q; want %q", got, want)
	}
	// -J replaces the configuration files, in the order given.
	c := Defaults()
	c.Profiles = []string{"dry", "nice"}
	want = []string{"/.parallel/dry=--dry-run", "/.parallel/nice=--nice 17", "$PARALLEL=-j2 --lb"}
	if got := froms(c); !slices.Equal(got, want) {
		t.Errorf("-J dry -J nice: %q; want %q", got, want)
	}
	// $PARALLEL_HOME is a configuration directory before ~/.parallel.
	ph := t.TempDir()
	write(t, filepath.Join(ph, "nice"), "--nice 5\n")
	vars["PARALLEL_HOME"] = ph
	c.Profiles = []string{"nice"}
	want = []string{ph + "/nice=--nice 5", "/.parallel/nice=--nice 17", "$PARALLEL=-j2 --lb"}
	if got := froms(c); !slices.Equal(got, want) {
		t.Errorf("with $PARALLEL_HOME: %q; want %q", got, want)
	}
	// The machine's configuration comes first.
	write(t, systemConfig, "--eta\n")
	want = []string{"/etc-parallel-config=--eta", "/.parallel/config=-k", "/.parallelrc=--tag", "$PARALLEL=-j2 --lb"}
	delete(vars, "PARALLEL_HOME")
	if got := froms(Defaults()); !slices.Equal(got, want) {
		t.Errorf("with the machine's configuration: %q; want %q", got, want)
	}
	// --plain: none.
	c.Plain = true
	if got := froms(c); len(got) != 0 {
		t.Errorf("--plain: %q; want none", got)
	}
}

func TestPresetsRefuseWhatGNUParallelSkips(t *testing.T) {
	home := t.TempDir()
	write(t, filepath.Join(home, ".parallel/bad"), "-k\n--tag 'x\n")
	for _, tt := range []struct {
		profile string
		vars    map[string]string
		want    string
	}{
		{"missing", nil, "-J missing: no readable profile missing in " + filepath.Join(home, ".parallel")},
		{"./missing", nil, "-J ./missing: cannot read the profile ./missing"},
		{"bad", nil, filepath.Join(home, ".parallel/bad") + ": line 2: unbalanced ' quote"},
		{"", map[string]string{"PARALLEL": `--tag "x`}, `$PARALLEL: unbalanced " quote`},
	} {
		c := Defaults()
		if tt.profile != "" {
			c.Profiles = []string{tt.profile}
		}
		vars := map[string]string{"HOME": home}
		for k, v := range tt.vars {
			vars[k] = v
		}
		if _, err := c.Presets(env(vars)); err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%s %v: %v; want an error starting %q", tt.profile, tt.vars, err, tt.want)
		}
	}
}

func TestDelayTakesGNUParallelsUnits(t *testing.T) {
	for v, want := range map[string]time.Duration{
		"0.2": 200 * time.Millisecond, "2": 2 * time.Second, "1s": time.Second, "2m": 2 * time.Minute,
		"1h30m": 90 * time.Minute, "1M30": 90 * time.Second, "1.5d": 36 * time.Hour, ".5s": 500 * time.Millisecond,
	} {
		c, bad := parse("--delay", v, "echo")
		if bad != "" || c.Delay != want {
			t.Errorf("--delay %s: %v %q; want %v", v, c, bad, want)
		}
	}
}

func TestTermseqValues(t *testing.T) {
	c, bad := parse("--termseq", "INT,200,SIGTERM,100,9", "echo")
	want := []job.Signal{{Sig: syscall.SIGINT, Wait: 200 * time.Millisecond}, {Sig: syscall.SIGTERM, Wait: 100 * time.Millisecond}, {Sig: syscall.SIGKILL}}
	if bad != "" || !slices.Equal(c.Termseq, want) {
		t.Errorf("got %v %q; want %v", c, bad, want)
	}
}

func TestLoadAndMemfreeValues(t *testing.T) {
	cpus := runtime.NumCPU()
	for v, want := range map[string]float64{"2": 2, "1.5": 1.5, "100%": float64(cpus), "50%": float64(cpus) / 2, "+2": float64(cpus + 2), "0": 0.01} {
		c, bad := parse("--load", v, "echo")
		if bad != "" || c.Limits.Load != want {
			t.Errorf("--load %s: %+v %q; want %v", v, c, bad, want)
		}
	}
	for v, want := range map[string]int64{"1G": 1 << 30, "1g": 1e9, "500M": 500 << 20, "2k": 2000, "2Ki": 2048, "3mi": 3 << 20, "1.5G": 3 << 29, "4096": 4096} {
		c, bad := parse("--memfree", v, "echo")
		if bad != "" || c.Limits.Memfree != want {
			t.Errorf("--memfree %s: %+v %q; want %d", v, c, bad, want)
		}
	}
}

func TestJobsFromAFile(t *testing.T) {
	f := filepath.Join(t.TempDir(), "procs")
	write(t, f, "3\n")
	c, bad := parse("-j", f, "echo")
	if bad != "" || c.Jobs != 3 || c.Limits.JobsFile != f {
		t.Fatalf("-j FILE holding 3: %+v %q; want 3 jobs and the file", c, bad)
	}
	write(t, f, "+1\n")
	if c, bad := parse("-j", f, "echo"); bad != "" || c.Jobs != runtime.NumCPU()+1 {
		t.Errorf("-j FILE holding +1: %+v %q; want %d", c, bad, runtime.NumCPU()+1)
	}
	write(t, f, "many\n")
	if _, bad := parse("-j", f, "echo"); !strings.Contains(bad, `the file holds "many", not a number of jobs`) {
		t.Errorf("-j FILE holding many: %q; want it refused by name", bad)
	}
}

func TestRetryFailedRunsTheJoblogsCommands(t *testing.T) {
	log := filepath.Join(t.TempDir(), "log")
	write(t, log, "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n"+
		"1\t:\t1.0\t0.1\t0\t2\t0\t0\techo a\n"+
		"3\t:\t1.0\t0.1\t0\t2\t1\t0\texit 1\n"+
		"2\t:\t1.0\t0.1\t0\t2\t0\t15\tsleep 9\n")
	c, bad := parse("--retry-failed", "--joblog", log)
	if bad != "" {
		t.Fatal(bad)
	}
	if c.Command != "" || !c.ResumeFailed || len(c.Sources) != 1 || !slices.Equal(c.Sources[0].Values, []string{"echo a", "sleep 9", "exit 1"}) {
		t.Errorf("got command %q, resume-failed %v, sources %+v; want the joblog's commands by sequence number", c.Command, c.ResumeFailed, c.Sources)
	}
	if _, bad := parse("--retry-failed", "--joblog", log, "echo", ":::", "a"); !strings.Contains(bad, "give no command or input") {
		t.Errorf("with a command: %q; want it refused", bad)
	}
}

func TestUseCoresCountsForJobs(t *testing.T) {
	c, bad := parse("--use-cores-instead-of-threads", "-j", "100%", "echo")
	if bad != "" {
		t.Fatal(bad)
	}
	n, err := c.CPUs()
	if err != nil || c.Jobs != max(1, n) {
		t.Errorf("-j 100%% counting cores: %d jobs; want %d (%v)", c.Jobs, n, err)
	}
}
