package cli

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseSpellings(t *testing.T) {
	for _, args := range [][]string{
		{"-j", "4"}, {"-j4"}, {"-j=4"}, {"--jobs", "4"}, {"--jobs=4"}, {"-P", "4"}, {"-P4"},
	} {
		r, g := run(t, append(args, "echo")...)
		if r.status != 3 || g.jobs != 4 || !slices.Equal(g.operands, []string{"echo"}) {
			t.Errorf("%q: status %d, jobs %d, operands %q, stderr %q; want 4 jobs and operand echo", args, r.status, g.jobs, g.operands, r.stderr)
		}
	}
}

func TestParseBundlesAndOperands(t *testing.T) {
	tests := []struct {
		args     []string
		keep     bool
		jobs     int
		files    []string
		operands []string
	}{
		{[]string{"-kj4", "echo"}, true, 4, nil, []string{"echo"}},
		{[]string{"-k", "--", "-x", "-k"}, true, 0, nil, []string{"-x", "-k"}},
		{[]string{"echo", "-j", "4"}, false, 0, nil, []string{"echo", "-j", "4"}},
		{[]string{"-", "x"}, false, 0, nil, []string{"-", "x"}},
		{[]string{"-a", "f1", "--arg-file=f2", "-af3", "x"}, false, 0, []string{"f1", "f2", "f3"}, []string{"x"}},
		{[]string{"-d", "-k", "x"}, false, 0, nil, []string{"x"}}, // a value may start with a dash
		{[]string{"--will-cite", "x"}, false, 0, nil, []string{"x"}},
		{[]string{"-j", "2", "-j", "5", "x"}, false, 5, nil, []string{"x"}}, // the last one counts
	}
	for _, tt := range tests {
		r, g := run(t, tt.args...)
		if r.status != 3 || g.keep != tt.keep || g.jobs != tt.jobs || !slices.Equal(g.files, tt.files) || !slices.Equal(g.operands, tt.operands) {
			t.Errorf("%q: status %d, keep %v, jobs %d, files %q, operands %q, stderr %q; want keep %v, jobs %d, files %q, operands %q",
				tt.args, r.status, g.keep, g.jobs, g.files, g.operands, r.stderr, tt.keep, tt.jobs, tt.files, tt.operands)
		}
	}
}

// TestOptionalValueOnlyGlued: an optional value is taken only after = or
// glued to a short option, never from the next word.
func TestOptionalValueOnlyGlued(t *testing.T) {
	tests := []struct {
		args     []string
		value    string
		operands []string
	}{
		{[]string{"-l", "5"}, "", []string{"5"}},
		{[]string{"-l5"}, "5", nil},
		{[]string{"-l=5"}, "5", nil},
		{[]string{"--max-lines", "5"}, "", []string{"5"}},
		{[]string{"--max-lines=5"}, "5", nil},
		{[]string{"-kl"}, "", nil},
	}
	for _, tt := range tests {
		r, g := run(t, tt.args...)
		if r.status != 3 || g.maxLines == nil || *g.maxLines != tt.value || !slices.Equal(g.operands, tt.operands) {
			t.Errorf("%q: status %d, value %v, operands %q; want value %q, operands %q", tt.args, r.status, g.maxLines, g.operands, tt.value, tt.operands)
		}
	}
}

func TestSubcommandOptions(t *testing.T) {
	r, g := run(t, "worker", "--nats=nats://x:1", "-j3", "--ack-wait", "1.5")
	if r.status != 0 || g.ran != "worker" || g.nats != "nats://x:1" || g.jobs != 3 || g.ackWait != 1500*time.Millisecond {
		t.Errorf("status %d, %+v, stderr %q", r.status, g, r.stderr)
	}
	if r, g := run(t, "serve", "credentials", "add"); r.status != 0 || g.ran != "add" {
		t.Errorf("nested subcommand: status %d, ran %q, stderr %q", r.status, g.ran, r.stderr)
	}
	// A subcommand's name selects it only as the first word.
	if r, g := run(t, "-k", "worker"); r.status != 3 || g.ran != "weft" || !slices.Equal(g.operands, []string{"worker"}) {
		t.Errorf("-k worker: ran %q with %q; want the root, with the command worker", g.ran, g.operands)
	}
	if r, g := run(t, "run", "-k", "help"); r.status != 3 || !g.keep || !slices.Equal(g.operands, []string{"help"}) {
		t.Errorf("run -k help: status %d, %+v; want the root's options and the command help", r.status, g)
	}
}

// TestBadUsageIsOneLine: each mistake is named in one line on stderr, with
// exit status 255, and nothing runs.
func TestBadUsageIsOneLine(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--frob", "x"}, `weft: unknown option "--frob" (see weft --help)`},
		{[]string{"-x"}, `weft: unknown option "-x" (see weft --help)`},
		{[]string{"-kx"}, `weft: unknown option "-x" in "-kx" (see weft --help)`},
		{[]string{"-j"}, `weft: option -j needs a value (see weft --help)`},
		{[]string{"--jobs"}, `weft: option --jobs needs a value (see weft --help)`},
		{[]string{"-j", "many", "x"}, `weft: bad value for -j: "many" (want a whole number >= 0)`},
		{[]string{"--jobs=-1", "x"}, `weft: bad value for --jobs: -1 (want a whole number >= 0)`},
		{[]string{"--keep-order=yes", "x"}, `weft: option --keep-order takes no value, got "yes"`},
		{[]string{"-k=yes", "x"}, `weft: option -k takes no value, got "yes"`},
		{[]string{"--pipe", "x"}, `weft: option --pipe is not supported: use a ::: group or stdin lines instead`},
		{[]string{"-kpipe"}, `weft: unknown option "-p" in "-kpipe" (see weft --help)`},
		{[]string{"--version=2"}, `weft: option --version takes no value, got "2"`},
		{[]string{"worker", "-ack-wait", "5s"}, `weft: unknown option "-ack-wait" (use --ack-wait)`},
		{[]string{"worker", "-nats=nats://x:1"}, `weft: unknown option "-nats=nats://x:1" (use --nats)`},
		{[]string{"worker", "-help"}, `weft: unknown option "-help" (use --help)`},
		{[]string{"worker", "--j", "4"}, `weft: unknown option "--j" (use -j)`},
		{[]string{"worker", "--ack-wait", "soon"}, `weft: bad duration for --ack-wait: "soon" (want for example 30s, 1.5, 2m or 1d)`},
		{[]string{"worker", "-j", "0"}, `weft: bad value for -j: 0 (want a whole number >= 1)`},
		{[]string{"worker", "--version"}, `weft: unknown option "--version" (see weft worker --help)`},
		{[]string{"worker", "extra"}, `weft: weft worker takes no arguments, got ["extra"]`},
		{[]string{"serve", "credentials"}, `weft: weft serve credentials needs a subcommand (see weft serve credentials --help)`},
		{[]string{"help", "nosuch"}, `weft: no subcommand "nosuch" in weft (see weft --help)`},
		{[]string{"help", "--man", "worker"}, `weft: weft help --man prints the whole manual: give no subcommand, got ["worker"]`},
		{[]string{"completion"}, `weft: weft completion needs one shell: bash, zsh or fish (got [])`},
		{[]string{"completion", "tcsh"}, `weft: unknown shell "tcsh" (want bash, zsh or fish)`},
		{[]string{"version", "x"}, `weft: weft version takes no arguments, got ["x"]`},
	}
	for _, tt := range tests {
		r, g := run(t, tt.args...)
		if r.status != 255 || r.stderr != tt.want+"\n" || r.stdout != "" || g.ran != "" {
			t.Errorf("%q: status %d, stderr %q, stdout %q, ran %q; want 255 and %q alone", tt.args, r.status, r.stderr, r.stdout, g.ran, tt.want)
		}
	}
}

func TestHelpAndVersionExitZero(t *testing.T) {
	root, _ := run(t, "--help")
	for _, args := range [][]string{{"-h"}, {"help"}, {"-k", "--help", "x"}, {"run", "--help"}} {
		r, g := run(t, args...)
		want := root.stdout
		if args[0] == "run" {
			want = ""
		}
		if r.status != 0 || r.stderr != "" || g.ran != "" || (want != "" && r.stdout != want) || !strings.Contains(r.stdout, "Usage:") {
			t.Errorf("%q: status %d, stderr %q, ran %q; want the help and exit 0", args, r.status, r.stderr, g.ran)
		}
	}
	worker, _ := run(t, "worker", "--help")
	if h, _ := run(t, "help", "worker"); h.stdout != worker.stdout || h.status != 0 || !strings.Contains(worker.stdout, "weft worker [--nats URL]") {
		t.Errorf("weft help worker and weft worker --help differ:\n%s\n---\n%s", h.stdout, worker.stdout)
	}
	for _, args := range [][]string{{"--version"}, {"version"}} {
		if r, _ := run(t, args...); r.status != 0 || r.stdout != "weft v1.2.3\n" {
			t.Errorf("%q: status %d, stdout %q", args, r.status, r.stdout)
		}
	}
	// Bad usage wins over --help, as it comes first.
	if r, _ := run(t, "--frob", "--help"); r.status != 255 {
		t.Errorf("--frob --help: status %d; want 255", r.status)
	}
}

func TestCheckFindsBadDeclarations(t *testing.T) {
	set := func(string, string) error { return nil }
	tests := []struct {
		opts []Option
		want string
	}{
		{[]Option{{Names: []string{"-j"}, Arg: Required, Value: "N", Help: "h", Example: "e", Set: set},
			{Names: []string{"--jobs"}, Aliases: []string{"-j"}, Arg: Required, Value: "N", Help: "h", Example: "e", Set: set}}, "option -j is declared twice"},
		{[]Option{{Names: []string{"-h"}, Help: "h", Example: "e", Set: set}}, "option -h is declared twice"},
		{[]Option{{Names: []string{"-jobs"}, Help: "h", Example: "e", Set: set}}, `option name "-jobs" is neither -x nor --word`},
		{[]Option{{Names: []string{"--x"}, Help: "h", Example: "e", Set: set}}, `option name "--x" is neither -x nor --word`},
		{[]Option{{Names: []string{"--kk"}, Help: "h", Set: set}}, "needs Help and an Example"},
		{[]Option{{Names: []string{"--jobs"}, Arg: Required, Help: "h", Example: "e", Set: set}}, "a value name goes with Required"},
		{[]Option{{Names: []string{"--jobs"}, Help: "h", Example: "e"}}, "has no Set"},
		{[]Option{{Syntax: ":::", Names: []string{"--x"}}}, "documents syntax"},
	}
	for _, tt := range tests {
		root := &Command{Name: "weft", Bind: func() Bound { return Bound{Sections: []Section{{Options: tt.opts}}} }}
		if err := Check(root); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("got %v; want %q", err, tt.want)
		}
		var errb strings.Builder
		if status := Main(root, nil, Env{Stdout: &errb, Stderr: &errb}); status != 255 || !strings.Contains(errb.String(), "internal error") {
			t.Errorf("Main with %q: status %d, %q; want 255 and an internal error", tt.want, status, errb.String())
		}
	}
	twice := &Command{Name: "weft", Subcommands: []*Command{{Name: "a", Summary: "s"}, {Name: "a", Summary: "s"}}}
	if err := Check(twice); err == nil || !strings.Contains(err.Error(), "subcommand a is declared twice") {
		t.Errorf("got %v; want a repeated subcommand found", err)
	}
}
