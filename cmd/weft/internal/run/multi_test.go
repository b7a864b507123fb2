package run

import (
	"strings"
	"syscall"
	"testing"
)

// How many inputs a job takes, as GNU parallel decides it: -n, then -L
// if -n is not given or 0, and -N over both; -m, -X and --xargs as many
// as fit.
func TestInputsPerJob(t *testing.T) {
	for _, c := range []struct {
		args    []string
		max     int
		zero    bool
		context bool
	}{
		{[]string{"echo"}, 1, false, false},
		{[]string{"-n", "3", "echo"}, 3, false, false},
		{[]string{"--max-args=0", "echo"}, 1, true, false},
		{[]string{"-N", "2", "echo"}, 2, false, true},
		{[]string{"-N0", "echo"}, 1, true, true},
		{[]string{"-L", "2", "echo"}, 2, false, true},
		{[]string{"-l", "echo"}, 1, false, true},
		{[]string{"-n1", "-L2", "echo"}, 1, false, true},
		{[]string{"-n0", "-L2", "echo"}, 2, false, true},
		{[]string{"-L2", "-n3", "echo"}, 3, false, true},
		{[]string{"-N2", "-n3", "echo"}, 2, false, true},
		{[]string{"-m", "echo"}, 0, false, false},
		{[]string{"--xargs", "echo"}, 0, false, false},
		{[]string{"-X", "echo"}, 0, false, true},
		{[]string{"-X", "-n", "4", "echo"}, 4, false, true},
		{[]string{"-l2", "-m", "echo"}, 2, false, false},
		{[]string{"-N2", "--xargs", "echo"}, 2, false, false},
	} {
		cfg, bad := parse(c.args...)
		if bad != "" {
			t.Errorf("%q: %s", c.args, bad)
			continue
		}
		max, zero := cfg.perJob()
		if max != c.max || zero != c.zero || cfg.context() != c.context {
			t.Errorf("%q: %d inputs per job, zero %v, context %v; want %d, %v, %v", c.args, max, zero, cfg.context(), c.max, c.zero, c.context)
		}
	}
}

func TestInputsPerJobBadUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-n", "x", "echo"}, `bad value for -n: "x" (want a number of inputs >= 0)`},
		{[]string{"--max-args=-1", "echo"}, `bad value for --max-args: "-1"`},
		{[]string{"-s", "1k", "echo"}, `bad value for -s: "1k"`},
		{[]string{"-m", "-X", "echo"}, "-m, -X and --xargs cannot be used together"},
		{[]string{"--xargs", "-m", "echo"}, "-m, -X and --xargs cannot be used together"},
		{[]string{"-X", "echo {= $_ =}"}, "-X cannot be used with perl expressions"},
		{[]string{"-m", "echo {= $_ =}"}, "-m cannot be used with perl expressions"},
		{[]string{"-N2", "echo {= $_ =}"}, "-N cannot be used with perl expressions"},
		{[]string{"--max-lines=2", "echo {= $_ =}"}, "--max-lines cannot be used with perl expressions"},
	} {
		_, bad := parse(c.args...)
		if !strings.Contains(bad, c.want) || strings.Contains(bad, "\n") {
			t.Errorf("%q: %q; want one line with %q", c.args, bad, c.want)
		}
	}
	// -n with perl expressions is fine: nothing to repeat or measure.
	if _, bad := parse("-n", "2", "echo {= $_ =}"); bad != "" {
		t.Errorf("-n 2 with a perl expression: %s", bad)
	}
}

func TestMultiContextForNATS(t *testing.T) {
	for args, want := range map[string]string{"-X echo": "-X", "--max-replace-args=2 echo": "--max-replace-args", "-L2 echo": "-L", "-m echo": "", "-n2 echo": "", "-L2 -m echo": "", "echo": ""} {
		c, bad := parse(strings.Fields(args)...)
		if bad != "" {
			t.Fatal(bad)
		}
		if got := c.MultiContext(); got != want {
			t.Errorf("%s: MultiContext %q, want %q", args, got, want)
		}
	}
}

// GNU parallel's search for the longest command line, as weft reproduces
// it: 130329 where one argument may be 131071 bytes long, as on Linux
// with 4 KiB pages; the same number for every limit that GNU parallel's
// last steps cannot tell apart.
func TestGNUSearch(t *testing.T) {
	for limit, want := range map[int]int{131071: 130329, 131085: 130329, 130329: 130329, 131543: 130329, 131544: 131544, 130328: 129114, 262143: 260334, 1000: 997, 200_000_000: 199148544} {
		if got := gnuSearch(limit); got != want {
			t.Errorf("gnuSearch(%d) = %d, want %d", limit, got, want)
		}
	}
	// An environment as large as ARG_MAX (at most 6 MiB) leaves no room.
	if l, none := execLimit([]string{strings.Repeat("x", 6<<20)}), execLimit(nil); l >= none || none > 32*syscall.Getpagesize()-1 {
		t.Errorf("a 6 MiB environment leaves %d, none %d (want less, and at most 32 pages less its NUL)", l, none)
	}
	if got := UsableLineLength(); got != (MaxLineLength()-3000)/2 || got <= 0 {
		t.Errorf("UsableLineLength %d, MaxLineLength %d", got, MaxLineLength())
	}
}
