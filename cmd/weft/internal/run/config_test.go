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
		"--retry-delay", "2m", "--rate", "30/m", "--delay", "200ms", "--tag", "--joblog", "log", "--resume",
		"--dry-run", "--bar", "--eta", "-a", "f1", "--arg-file=f2", "--will-cite", "echo", "{}", ":::", "x")
	if bad != "" {
		t.Fatal(bad)
	}
	want := Config{Jobs: 3, Keep: true, Sep: "\x00", Timeout: 1500 * time.Millisecond, Grace: 24 * time.Hour, Tries: 3,
		RetryDelay: 2 * time.Minute, Rate: 0.5, Delay: 200 * time.Millisecond, Tag: true, Joblog: "log", Resume: true,
		DryRun: true, Bar: true, Eta: true, Command: "echo {}"}
	got := *c
	if got.Colsep == nil || got.Colsep.String() != "," {
		t.Errorf("colsep %v; want ,", got.Colsep)
	}
	sources := []input.Source{{Values: []string{"x"}}, {File: "f1", IsFile: true}, {File: "f2", IsFile: true}}
	if !slices.EqualFunc(got.Sources, sources, func(a, b input.Source) bool {
		return slices.Equal(a.Values, b.Values) && a.File == b.File && a.IsFile == b.IsFile
	}) {
		t.Errorf("sources %+v; want the ::: group, then the -a files: %+v", got.Sources, sources)
	}
	got.Colsep, got.Sources, got.ArgFiles = nil, nil, nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

func TestJobsValues(t *testing.T) {
	for v, want := range map[string]int{"4": 4, "0": MaxJobs, "100%": runtime.NumCPU(), "1%": 1} {
		if c, bad := parse("-j", v, "echo"); bad != "" || c.Jobs != want {
			t.Errorf("-j %s: %v %q; want %d", v, c, bad, want)
		}
	}
	if c, _ := parse("-P4", "echo"); c.Jobs != 4 {
		t.Errorf("-P4: %d jobs; want 4", c.Jobs)
	}
}

func TestDelimiters(t *testing.T) {
	for v, want := range map[string]string{`\n`: "\n", `\t`: "\t", `\0`: "\x00", ",": ",", "ab": "ab"} {
		if c, bad := parse("-d", v, "echo"); bad != "" || c.Sep != want {
			t.Errorf("-d %q: %q %q; want %q", v, c.Sep, bad, want)
		}
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
		{[]string{"-j", "-1", "echo"}, `weft: bad value for -j: "-1" (want N >= 0, or N% of the CPUs)`},
		{[]string{"--jobs", "x%", "echo"}, `weft: bad value for --jobs: "x%" (want N >= 0, or N% of the CPUs)`},
		{[]string{"-d", "", "echo"}, "weft: bad value for -d: the delimiter must not be empty"},
		{[]string{"--colsep", "(", "echo"}, "weft: bad --colsep regular expression \"(\""},
		{[]string{"--retries", "many", "echo"}, `weft: bad value for --retries: "many" (want a whole number >= 0)`},
		{[]string{"--rate", "5/d", "echo"}, `weft: bad value for --rate: "5/d" (want N/s, N/m or N/h)`},
		{[]string{"--halt", "now,fail=0", "echo"}, `weft: bad value for --halt: "now,fail=0"`},
		{[]string{"--halt", "later,fail=1", "echo"}, `weft: bad value for --halt: "later,fail=1"`},
		{[]string{"--halt", "fail=101%", "echo"}, `weft: bad value for --halt: "fail=101%"`},
		{[]string{"--timeout", "soon", "echo"}, `weft: bad duration for --timeout: "soon"`},
		{[]string{"--timeout", "-1s", "echo"}, `weft: bad duration for --timeout: "-1s"`},
		{nil, "weft: no command given (see weft --help)"},
		{[]string{"echo", "::::"}, "weft: :::: needs at least one file"},
		{[]string{"--joblog", "l", "--resume", "--resume-failed", "echo"}, "weft: --resume and --resume-failed cannot be used together"},
		{[]string{"--resume", "echo"}, "weft: --resume and --resume-failed need --joblog FILE"},
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
