package run

import (
	"bytes"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/weft-dev/weft/cmd/weft/internal/cli"
	"github.com/weft-dev/weft/cmd/weft/internal/input"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// parse reads args (options and operands) as the weft command does, and
// returns the configuration, or the one line of bad usage.
func parse(args ...string) (*Config, string) {
	var c *Config
	cmd := &cli.Command{Name: "weft", Bind: func() cli.Bound {
		c = Defaults()
		return cli.Bound{Sections: Sections(c), Run: func(operands []string, env cli.Env) int {
			if err := c.SetOperands(operands); err != nil {
				return cli.Fail(env, err)
			}
			return 0
		}}
	}}
	var out, errb bytes.Buffer
	if cli.Main(cmd, args, cli.Env{Stdout: &out, Stderr: &errb}) != 0 {
		return nil, strings.TrimSpace(errb.String())
	}
	return c, ""
}

func TestOptionsSetTheConfig(t *testing.T) {
	c, bad := parse("-j", "3", "-k", "-0", "--colsep", ",", "--timeout", "1.5", "--grace", "1d", "--retries", "3",
		"--retry-delay", "2m", "--rate", "30/m", "--delay", "0.2", "--tag", "--joblog", "log", "--resume",
		"--dry-run", "--bar", "--eta", "-a", "f1", "--arg-file=f2", "--will-cite", "--link", "--arg-sep", ",,",
		"--arg-file-sep", "%%", "echo", "{}", ",,", "x", ",,+", "y", "%%", "f3")
	if bad != "" {
		t.Fatal(bad)
	}
	want := Config{Jobs: 3, jobsSpec: "3", graceSet: true, Keep: true, Sep: "\x00", Timeout: 1500 * time.Millisecond, Grace: 24 * time.Hour, Tries: 3,
		RetryDelay: 2 * time.Minute, Rate: 0.5, Delay: 200 * time.Millisecond, Tag: true, Joblog: "log", Resume: true,
		DryRun: true, Bar: true, Eta: true, Command: "echo {}", Words: []string{"echo", "{}"}, Link: true, ArgSep: ",,", ArgFileSep: "%%"}
	got := *c
	if got.Colsep == nil || got.Colsep.String() != "," {
		t.Errorf("colsep %v; want ,", got.Colsep)
	}
	sources := []input.Source{{File: "f1", IsFile: true}, {File: "f2", IsFile: true}, {Values: []string{"x"}},
		{Values: []string{"y"}, Linked: true}, {File: "f3", IsFile: true}}
	if !slices.EqualFunc(got.Sources, sources, func(a, b input.Source) bool {
		return slices.Equal(a.Values, b.Values) && a.File == b.File && a.IsFile == b.IsFile && a.Linked == b.Linked
	}) {
		t.Errorf("sources %+v; want the -a files, then the groups as GNU parallel orders them: %+v", got.Sources, sources)
	}
	got.Colsep, got.Sources, got.ArgFiles = nil, nil, nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

func TestJobsValues(t *testing.T) {
	for v, want := range map[string]int{"4": 4, "0": MaxJobs, "100%": runtime.NumCPU(), "1%": 1,
		"+2": runtime.NumCPU() + 2, "-1": max(1, runtime.NumCPU()-1), "-1000": 1} {
		if c, bad := parse("-j", v, "echo"); bad != "" || c.Jobs != want {
			t.Errorf("-j %s: %v %q; want %d", v, c, bad, want)
		}
	}
	if c, _ := parse("-P4", "echo"); c.Jobs != 4 {
		t.Errorf("-P4: %d jobs; want 4", c.Jobs)
	}
}

func TestDelimiters(t *testing.T) {
	for v, want := range map[string]string{`\n`: "\n", `\t`: "\t", `\0`: "\x00", ",": ",", "ab": "ab",
		`\r\n`: "\r\n", `\101b`: "Ab", `a\x`: `a\x`, `\\`: `\\`, `\9`: "9", `\0\0`: "\x00\x00"} {
		if c, bad := parse("-d", v, "echo"); bad != "" || c.Sep != want {
			t.Errorf("-d %q: %q %q; want %q", v, c.Sep, bad, want)
		}
	}
}

func TestJoblogPlusAppends(t *testing.T) {
	c, bad := parse("--joblog", "+jobs.tsv", "echo")
	if bad != "" || c.Joblog != "jobs.tsv" || !c.JoblogAppend {
		t.Errorf("--joblog +jobs.tsv: %q, append %v, %q; want jobs.tsv appended to", c.Joblog, c.JoblogAppend, bad)
	}
	c, _ = parse("--joblog", "+a", "--joblog", "b", "echo")
	if c.Joblog != "b" || c.JoblogAppend {
		t.Errorf("--joblog b after +a: %q, append %v; want b, not appended to", c.Joblog, c.JoblogAppend)
	}
}

func TestEOFAndSkipEmpty(t *testing.T) {
	for _, args := range [][]string{{"-E", "x"}, {"-ex"}, {"--eof=x"}, {"-e=x"}} {
		c, bad := parse(append(args, "-r", "echo")...)
		if bad != "" || c.EOF != "x" || !c.SkipEmpty {
			t.Errorf("%q -r: %+v %q; want EOF x and SkipEmpty", args, c, bad)
		}
	}
}

func TestTimeoutPercent(t *testing.T) {
	c, bad := parse("--timeout", "5s", "--timeout", "250%", "echo")
	if bad != "" || c.TimeoutPercent != 2.5 || c.Timeout != 0 {
		t.Errorf("--timeout 250%%: %+v %q; want a share of 2.5 and no fixed timeout", c, bad)
	}
	c, _ = parse("--timeout", "250%", "--timeout", "5s", "echo")
	if c.TimeoutPercent != 0 || c.Timeout != 5*time.Second {
		t.Errorf("--timeout 5s after 250%%: %v and %v; want the last one only", c.TimeoutPercent, c.Timeout)
	}
}

func TestHaltPolicies(t *testing.T) {
	for v, want := range map[string]*Halt{
		"never":           nil,
		"now,fail=1":      {Now: true, Count: 1},
		"soon,fail=3":     {Count: 3},
		"fail=3":          {Count: 3},
		"now,success=2":   {Now: true, Success: true, Count: 2},
		"soon,fail=50%":   {Percent: 50},
		"success=12.5%":   {Success: true, Percent: 12.5},
		"now,done=3":      {Now: true, Done: true, Count: 3},
		"soon,done=10%":   {Done: true, Percent: 10},
		"0":               nil,
		"1":               {Count: 1},
		"2":               {Now: true, Count: 1},
		"-1":              {Success: true, Count: 1},
		"-2":              {Now: true, Success: true, Count: 1},
		"20%":             {Percent: 20},
		"--halt-on-error": nil, // the alias, given never below
	} {
		name := "--halt"
		if v == "--halt-on-error" {
			name, v = v, "never"
		}
		c, bad := parse(name, v, "echo")
		if bad != "" || (want == nil) != (c.Halt == nil) || (want != nil && *c.Halt != *want) {
			t.Errorf("%s %s: %+v %q; want %+v", name, v, c, bad, want)
		}
	}
}

func TestBadValuesAreNamed(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-j", "-x", "echo"}, `weft: bad value for -j: "-x" (want N >= 0, N% of the CPUs, +N or -N more or fewer than the CPUs, or a FILE holding one)`},
		{[]string{"--jobs", "x%", "echo"}, `weft: bad value for --jobs: "x%"`},
		{[]string{"--jobs", "2auto", "echo"}, `weft: bad value for --jobs: "2auto"`},
		{[]string{"--jobs", "procs.txt", "echo"}, `weft: bad value for --jobs: "procs.txt"`},
		{[]string{"-d", "", "echo"}, "weft: bad value for -d: the delimiter must not be empty"},
		{[]string{"--colsep", "(", "echo"}, "weft: bad --colsep regular expression \"(\""},
		{[]string{"--trim", "x", "echo"}, `weft: bad value for --trim: "x" (want l, r, lr, rl or n)`},
		{[]string{"--trim", "", "echo"}, `weft: bad value for --trim: "" (want l, r, lr, rl or n)`},
		{[]string{"--retries", "many", "echo"}, `weft: bad value for --retries: "many" (want a whole number >= 0)`},
		{[]string{"--rate", "5/d", "echo"}, `weft: bad value for --rate: "5/d" (want N/s, N/m or N/h)`},
		{[]string{"--halt", "now,fail=0", "echo"}, `weft: bad value for --halt: "now,fail=0"`},
		{[]string{"--halt", "later,fail=1", "echo"}, `weft: bad value for --halt: "later,fail=1"`},
		{[]string{"--halt", "fail=101%", "echo"}, `weft: bad value for --halt: "fail=101%"`},
		{[]string{"--timeout", "soon", "echo"}, `weft: bad value for --timeout: "soon"`},
		{[]string{"--timeout", "-1s", "echo"}, `weft: bad value for --timeout: "-1s"`},
		{[]string{"--timeout", "200ms", "echo"}, `weft: bad value for --timeout: "200ms" (want seconds such as 2.5, with the units d, h, m and s such as 1m30s, no ms;`},
		{[]string{"--timeout", "0", "echo"}, `weft: bad value for --timeout: "0"`},
		{[]string{"--timeout", "x%", "echo"}, `weft: bad value for --timeout: "x%" (want a duration such as 30s, or P% of the median run time, such as 200%)`},
		{[]string{"--timeout", "0%", "echo"}, `weft: bad value for --timeout: "0%"`},
		{nil, "weft: no command given (see weft --help)"},
		{[]string{"echo", "::::"}, "weft: :::: needs at least one file"},
		{[]string{"--joblog", "l", "--resume", "--resume-failed", "echo"}, "weft: --resume and --resume-failed cannot be used together"},
		{[]string{"--resume", "echo"}, "weft: --resume and --resume-failed need --joblog FILE"},
		{[]string{"--joblog", "-", "echo"}, "weft: --joblog - (the joblog on stdout) is not supported yet: give a file name"},
		{[]string{"-e", "echo"}, "weft: -e needs its value glued (-e=STR; or -E STR): GNU parallel would read the next word as its value"},
		{[]string{"--eof", "echo"}, "weft: --eof needs its value glued"},
		{[]string{"--arg-sep", "", "echo"}, "weft: bad value for --arg-sep: the separator must not be empty"},
		{[]string{"--arg-sep", "::::", "echo"}, `weft: --arg-sep and --arg-file-sep are both "::::": they must differ`},
		{[]string{"echo", ":::+", "a"}, "weft: :::+ links to the input source before it, and there is none (use ::: first)"},
		{[]string{"--sshlogin", "host", "echo"}, "weft: option --sshlogin is not supported: jobs run on other machines through --nats and weft worker, not ssh"},
		{[]string{"-kS", "host", "echo"}, "weft: option -S is not supported: jobs run on other machines through --nats and weft worker, not ssh"},
		{[]string{"--block", "1M", "wc"}, "weft: --block needs --pipe or --pipe-part"},
		{[]string{"--load", "high", "echo"}, `weft: bad value for --load: "high" (want N, N.N, N% of the CPUs, +N or -N, or a FILE holding one)`},
		{[]string{"--load", "1.5%", "echo"}, `weft: bad value for --load: "1.5%"`},
		{[]string{"--memfree", "lots", "echo"}, `weft: bad value for --memfree: "lots" (want a size such as 500M, 1G or 2g)`},
		{[]string{"--memfree", "0", "echo"}, `weft: bad value for --memfree: "0"`},
		{[]string{"--nice", "20", "echo"}, `weft: bad value for --nice: "20" (want a niceness from -20 to 19)`},
		{[]string{"--nice", "low", "echo"}, `weft: bad value for --nice: "low"`},
		{[]string{"--termseq", "TERM,soon", "echo"}, `weft: bad value for --termseq: "TERM,soon" ("soon" is not a number of milliseconds;`},
		{[]string{"--termseq", "FOO,10", "echo"}, `weft: bad value for --termseq: "FOO,10" (no signal "FOO";`},
		{[]string{"--termseq", "INT,10", "--grace", "1s", "echo"}, "weft: --termseq and --grace both say how a job is stopped: give one"},
		{[]string{"--delay", "200ms", "echo"}, `weft: bad value for --delay: "200ms" (want seconds such as 0.2, or with the units d, h, m and s such as 1m30s; no ms)`},
		{[]string{"--delay", "1x", "echo"}, `weft: bad value for --delay: "1x"`},
		{[]string{"--delay", "auto", "echo"}, `weft: bad value for --delay: "auto"`},
		{[]string{"--retry-failed", "echo"}, "weft: --retry-failed needs --joblog FILE"},
		{[]string{"--retry-failed", "--joblog", "/nonexistent/log"}, "weft: --retry-failed: cannot read the joblog"},
	}
	for _, tt := range tests {
		if _, bad := parse(tt.args...); !strings.HasPrefix(bad, tt.want) || strings.Contains(bad, "\n") {
			t.Errorf("%q: got %q; want one line starting %q", tt.args, bad, tt.want)
		}
	}
}

func TestInputsAloneAreTheCommands(t *testing.T) {
	c, bad := parse(":::", "echo a", "echo b")
	if bad != "" || c.Command != "" || len(c.Sources) != 1 {
		t.Errorf("got %+v, %q; want no command and one group", c, bad)
	}
}

// TestTrimDefault: --colsep trims the columns unless --trim says
// otherwise, as GNU parallel 20221122 does.
func TestTrimDefault(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"echo"}, "n"},
		{[]string{"--colsep", ",", "echo"}, "lr"},
		{[]string{"--colsep", ",", "--trim", "n", "echo"}, "n"},
		{[]string{"--trim", "l", "echo"}, "l"},
		{[]string{"--header", ":", "echo"}, "n"}, // --header cuts at tabs, and does not trim
	} {
		c, bad := parse(tt.args...)
		if bad != "" {
			t.Fatal(bad)
		}
		if got := c.trim(); got != tt.want {
			t.Errorf("%q: trim %q; want %q", tt.args, got, tt.want)
		}
	}
}
