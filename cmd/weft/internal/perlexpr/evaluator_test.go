package perlexpr_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/weft-dev/weft/cmd/weft/internal/perlexpr"
)

// start starts an Evaluator for the given codes and closes it at the end
// of the test.
func start(t *testing.T, codes []string, opts ...perlexpr.Option) *perlexpr.Evaluator {
	t.Helper()
	ev, err := perlexpr.Start(context.Background(), exprs(codes...), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ev.Close() })
	return ev
}

func exprs(codes ...string) []perlexpr.Expr {
	var es []perlexpr.Expr
	for _, c := range codes {
		es = append(es, perlexpr.Expr{Code: c, Text: "{= " + c + " =}"})
	}
	return es
}

// eval1 evaluates expression 0 on argument 0 of job.
func eval1(t *testing.T, ev *perlexpr.Evaluator, job perlexpr.Job) (perlexpr.Value, bool) {
	t.Helper()
	res, err := ev.Eval(context.Background(), job, []perlexpr.Call{{Expr: 0, Arg: 0}})
	if err != nil {
		t.Fatal(err)
	}
	return res.Values[0], res.Skip
}

func TestEval(t *testing.T) {
	big := strings.Repeat("x\x00y\n", 1<<18) // 1 MiB
	binary := "a\x00b\nc'd\"e\\f$g\xff\xfe\x80h"
	tests := []struct {
		name     string
		code     string
		job      perlexpr.Job
		want     string
		unquoted bool
		skip     bool
	}{
		{"remove extension", `s:\.[^.]+$::`, perlexpr.Job{Args: []string{"dir/a.tar.gz"}}, "dir/a.tar", false, false},
		{"uc", `$_=uc($_)`, perlexpr.Job{Args: []string{"abc d"}}, "ABC D", false, false},
		{"bytes untouched by uc", `$_=uc($_)`, perlexpr.Job{Args: []string{"é"}}, "é", false, false},
		{"uq", `uq`, perlexpr.Job{Args: []string{"$HOME"}}, "$HOME", true, false},
		{"uq()", `$_="a b"; uq()`, perlexpr.Job{Args: []string{"x"}}, "a b", true, false},
		{"skip", `skip() if $_ eq "b"`, perlexpr.Job{Args: []string{"b"}}, "b", false, true},
		{"no skip", `skip() if $_ eq "b"`, perlexpr.Job{Args: []string{"c"}}, "c", false, false},
		{"$job->skip", `$job->skip()`, perlexpr.Job{Args: []string{"c"}}, "c", false, true},
		{"seq", `$_=seq()`, perlexpr.Job{Args: []string{"x"}, Seq: 42}, "42", false, false},
		{"large seq", `$_=seq()`, perlexpr.Job{Args: []string{"x"}, Seq: 1 << 40}, strconv.FormatInt(1<<40, 10), false, false},
		{"$job->seq", `$_=$job->seq()`, perlexpr.Job{Args: []string{"x"}, Seq: 7}, "7", false, false},
		{"slot", `$_=slot()`, perlexpr.Job{Args: []string{"x"}, Slot: 3}, "3", false, false},
		{"$job->slot", `$_=$job->slot()`, perlexpr.Job{Args: []string{"x"}, Slot: 5}, "5", false, false},
		{"total_jobs", `$_=total_jobs()`, perlexpr.Job{Args: []string{"x"}, Total: 9}, "9", false, false},
		{"$arg[2]", `$_=$arg[2]`, perlexpr.Job{Args: []string{"a", "b"}}, "b", false, false},
		{"@arg from 1", `$_=scalar(@arg).(defined $arg[0] ? "def" : "undef")`, perlexpr.Job{Args: []string{"a", "b"}}, "3undef", false, false},
		{"Q", `$_=Q($_)`, perlexpr.Job{Args: []string{"it's"}}, `'it'"'"'s'`, false, false},
		{"Q of safe text", `$_=Q($_)`, perlexpr.Job{Args: []string{"a-b_c.d+e/f"}}, "a-b_c.d+e/f", false, false},
		{"Q of empty text", `$_=Q($_)`, perlexpr.Job{Args: []string{""}}, "''", false, false},
		{"Q of quoted text", `$_=Q($_)`, perlexpr.Job{Args: []string{"'x'"}}, `"'"'x'"'"`, false, false},
		{"pQ", `$_=pQ($_)`, perlexpr.Job{Args: []string{`a$b"c\d@e`}}, `a\$b\"c\\d\@e`, false, false},
		{"binary argument", `$_ = $_`, perlexpr.Job{Args: []string{binary}}, binary, false, false},
		{"binary value", `$_ .= "\0\n\xff"`, perlexpr.Job{Args: []string{"a"}}, "a\x00\n\xff", false, false},
		{"1 MiB", `$_ = $_`, perlexpr.Job{Args: []string{big}}, big, false, false},
		{"wide character", `$_ = "\x{263a}"`, perlexpr.Job{Args: []string{"a"}}, "☺", false, false},
		{"undef", `$_ = undef`, perlexpr.Job{Args: []string{"a"}}, "", false, false},
		{"number", `$_ = 1/4`, perlexpr.Job{Args: []string{"a"}}, "0.25", false, false},
		{"no arguments: one empty one", `$_ = "[$_]".scalar(@arg)`, perlexpr.Job{}, "[]2", false, false},
		{"comment at the end", `s/a/b/ # a comment`, perlexpr.Job{Args: []string{"a"}}, "b", false, false},
	}
	codes := make([]string, len(tests))
	for i, tt := range tests {
		codes[i] = tt.code
	}
	ev := start(t, codes)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := ev.Eval(context.Background(), tt.job, []perlexpr.Call{{Expr: i, Arg: 0}})
			if err != nil {
				t.Fatal(err)
			}
			v, ok := res.Value(i, 0)
			if !ok || v.Text != tt.want || v.Unquoted != tt.unquoted || res.Skip != tt.skip {
				t.Errorf("%s on %.40q: got %.60q, unquoted %v, skip %v; want %.60q, %v, %v",
					tt.code, tt.job.Args, v.Text, v.Unquoted, res.Skip, tt.want, tt.unquoted, tt.skip)
			}
		})
	}
}

func TestHash(t *testing.T) {
	t.Setenv("PERL_HASH_SEED", "0")
	ev := start(t, []string{`$_=hash($_)`})
	for _, in := range []string{"a", "it's", "ünï"} {
		want, err := exec.Command("perl", "-MB", "-e", "print B::hash(shift)", in).Output()
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := eval1(t, ev, perlexpr.Job{Args: []string{in}}); got.Text != string(want) {
			t.Errorf("hash(%q) = %q; want %q (B::hash)", in, got.Text, want)
		}
	}
}

func TestDateFunctions(t *testing.T) {
	formats := map[string]string{
		"yyyy_mm_dd_hh_mm_ss": "2006-01-02T15:04:05",
		"yyyy_mm_dd_hh_mm":    "2006-01-02T15:04",
		"yyyy_mm_dd":          "2006-01-02",
		"hh_mm_ss":            "15:04:05",
		"hh_mm":               "15:04",
		"yyyymmddhhmmss":      "20060102150405",
		"yyyymmddhhmm":        "200601021504",
		"yyyymmdd":            "20060102",
		"hhmmss":              "150405",
		"hhmm":                "1504",
	}
	for _, zone := range []string{"UTC", "Asia/Kolkata"} {
		t.Run(zone, func(t *testing.T) {
			loc, err := time.LoadLocation(zone)
			if err != nil {
				t.Skip(err)
			}
			t.Setenv("TZ", zone)
			var names, codes []string
			for name := range formats {
				names = append(names, name)
				codes = append(codes, fmt.Sprintf(`$_=%s($_)`, name))
			}
			codes = append(codes, `$_=yyyy_mm_dd()`)
			ev := start(t, codes)
			for _, sec := range []int64{0, 2147483648, 1700000000} {
				var calls []perlexpr.Call
				for i := range codes {
					calls = append(calls, perlexpr.Call{Expr: i, Arg: 0})
				}
				before := time.Now().In(loc).Format("2006-01-02")
				res, err := ev.Eval(context.Background(), perlexpr.Job{Args: []string{strconv.FormatInt(sec, 10)}}, calls)
				if err != nil {
					t.Fatal(err)
				}
				after := time.Now().In(loc).Format("2006-01-02")
				for i, name := range names {
					if want := time.Unix(sec, 0).In(loc).Format(formats[name]); res.Values[i].Text != want {
						t.Errorf("%s(%d) = %q; want %q", name, sec, res.Values[i].Text, want)
					}
				}
				if now := res.Values[len(names)].Text; now != before && now != after {
					t.Errorf("yyyy_mm_dd() = %q; want today, %q", now, before)
				}
			}
		})
	}
}

// TestCachedWithinJob checks GNU parallel's caching: within a job, an
// expression is evaluated once per argument however often it is asked for,
// and package variables live on from job to job.
func TestCachedWithinJob(t *testing.T) {
	ev := start(t, []string{`$_ = ++$count`, `$arg[1] = "changed"; $_ = "x"`, `$_ = "$arg[1]/$_"`})
	calls := []perlexpr.Call{{0, 0}, {0, 0}, {0, 1}, {1, 0}, {2, 0}}
	for job, want := range [][]string{{"1", "1", "2", "x", "changed/a"}, {"3", "3", "4", "x", "changed/a"}} {
		res, err := ev.Eval(context.Background(), perlexpr.Job{Args: []string{"a", "b"}}, calls)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, v := range res.Values {
			got = append(got, v.Text)
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("job %d: got %q; want %q", job+1, got, want)
		}
	}
}

func TestCompileError(t *testing.T) {
	tests := []struct {
		codes []string
		want  string
	}{
		{[]string{`$_=`}, "cannot compile {= $_= =}: syntax error at "},
		{[]string{`s/a/b/`, `$_ = (`, `s/c/d/`}, "cannot compile {= $_ = ( =}: syntax error at "},
		{[]string{`yyyy_mm_dd(1, 2)`}, "cannot compile {= yyyy_mm_dd(1, 2) =}: Too many arguments"},
		{[]string{`use strict; $undeclared = 1`}, `cannot compile {= use strict; $undeclared = 1 =}: Global symbol "$undeclared" requires explicit package name`},
	}
	for _, tt := range tests {
		ev, err := perlexpr.Start(context.Background(), exprs(tt.codes...))
		if err == nil {
			ev.Close()
			t.Fatalf("%q compiled; want an error", tt.codes)
		}
		var ce *perlexpr.CompileError
		if !errors.As(err, &ce) || !strings.HasPrefix(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("Start(%q): %q; want one line starting %q", tt.codes, err, tt.want)
		}
	}
}

func TestEvalError(t *testing.T) {
	ev := start(t, []string{
		`die "boom\n" if $_ eq "b"`,
		`exit 3`,
		`no_such_function()`,
		`$_ = total_jobs()`,
		`$_ = "ok"`,
	})
	tests := []struct {
		expr int
		arg  string
		want string
	}{
		{0, "b", `{= die "boom\n" if $_ eq "b" =}: boom`},
		{1, "a", `{= exit 3 =}: exit called in a perl expression`},
		{2, "a", `{= no_such_function() =}: Undefined subroutine &main::no_such_function called at `},
		{3, "a", `{= $_ = total_jobs() =}: total_jobs() is not known in this run`},
	}
	for _, tt := range tests {
		// The failing call comes second, after one that succeeds.
		calls := []perlexpr.Call{{Expr: 4, Arg: 0}, {Expr: tt.expr, Arg: 1}}
		_, err := ev.Eval(context.Background(), perlexpr.Job{Args: []string{"x", tt.arg}}, calls)
		var ee *perlexpr.EvalError
		if !errors.As(err, &ee) || ee.Arg != 1 || !strings.HasPrefix(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("got %v; want an EvalError on argument 1 starting %q", err, tt.want)
		}
		// The evaluator goes on.
		if v, _ := eval1(t, ev, perlexpr.Job{Args: []string{"c"}}); v.Text != "c" {
			t.Errorf("after an error: got %q; want %q", v.Text, "c")
		}
	}
}

// TestPrintingAndReading checks that an expression that prints to STDOUT or
// reads STDIN cannot break the protocol: what it prints goes to stderr and
// it reads nothing.
func TestPrintingAndReading(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ev := start(t, []string{`print "printed\n"; printf STDOUT "%s\n", "more"; my $l = <STDIN>; $_ = defined $l ? "read" : "eof"`},
		perlexpr.WithStderr(w))
	w.Close()
	for range 3 {
		if v, _ := eval1(t, ev, perlexpr.Job{Args: []string{"a"}}); v.Text != "eof" {
			t.Errorf("got %q; want eof", v.Text)
		}
	}
	ev.Close()
	b := make([]byte, 4096)
	n, _ := r.Read(b)
	if want := "printed\nmore\n"; !strings.HasPrefix(string(b[:n]), want) {
		t.Errorf("stderr %q; want it to start %q", b[:n], want)
	}
}

func TestNoPerl(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := perlexpr.Start(context.Background(), exprs(`s/a/b/`))
	want := "{= s/a/b/ =} needs perl, which is not installed"
	if err == nil || !errors.Is(err, exec.ErrNotFound) || !strings.HasPrefix(err.Error(), want) || strings.Contains(err.Error(), "\n") {
		t.Errorf("Start without perl: %v; want one line starting %q", err, want)
	}
	// Without an expression, perl is not needed.
	ev, err := perlexpr.Start(context.Background(), nil)
	if err != nil {
		t.Fatalf("Start without expressions: %v", err)
	}
	if res, err := ev.Eval(context.Background(), perlexpr.Job{Args: []string{"a"}}, nil); err != nil || len(res.Values) != 0 {
		t.Errorf("Eval without calls: %v, %v", res, err)
	}
	if err := ev.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

func TestEvalBadCalls(t *testing.T) {
	ev := start(t, []string{`s/a/b/`})
	for _, c := range []perlexpr.Call{{Expr: 1, Arg: 0}, {Expr: -1, Arg: 0}, {Expr: 0, Arg: 2}} {
		if _, err := ev.Eval(context.Background(), perlexpr.Job{Args: []string{"a", "b"}}, []perlexpr.Call{c}); err == nil {
			t.Errorf("Eval(%+v) succeeded; want an error", c)
		}
	}
	if v, _ := eval1(t, ev, perlexpr.Job{Args: []string{"a"}}); v.Text != "b" {
		t.Errorf("got %q; want b", v.Text)
	}
}

// TestConcurrentEval has many goroutines evaluate at once; each must get
// the answer to its own job.
func TestConcurrentEval(t *testing.T) {
	ev := start(t, []string{`$_ = "$_:" . seq() . ":" . slot()`, `$_ = length`})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				arg := fmt.Sprintf("g%d-%d%s", g, i, strings.Repeat("x", i*37))
				job := perlexpr.Job{Args: []string{arg}, Seq: int64(i), Slot: g}
				res, err := ev.Eval(context.Background(), job, []perlexpr.Call{{0, 0}, {1, 0}})
				if err != nil {
					t.Error(err)
					return
				}
				if want := fmt.Sprintf("%s:%d:%d", arg, i, g); res.Values[0].Text != want || res.Values[1].Text != strconv.Itoa(len(arg)) {
					t.Errorf("got %.40q, %q; want %.40q, %d", res.Values[0].Text, res.Values[1].Text, want, len(arg))
					return
				}
			}
		})
	}
	wg.Wait()
}

// blocking returns an Evaluator whose expression 0 announces on started
// that it runs and then blocks, and whose expression 1 returns its argument.
func blocking(t *testing.T) (*perlexpr.Evaluator, *bufio.Reader) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	ev := start(t, []string{`print STDERR "started\n"; select(undef, undef, undef, 3600)`, `$_ = $_`}, perlexpr.WithStderr(w))
	w.Close()
	return ev, bufio.NewReader(r)
}

func TestEvalCancelledWhileWaiting(t *testing.T) {
	ev, started := blocking(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := ev.Eval(ctx, perlexpr.Job{Args: []string{"a"}}, []perlexpr.Call{{0, 0}})
		done <- err
	}()
	if line, err := started.ReadString('\n'); line != "started\n" {
		t.Fatalf("perl said %q, %v", line, err)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Eval: %v; want context.Canceled", err)
	}
	// Close kills the busy perl rather than wait for it.
	if err := ev.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if _, err := ev.Eval(context.Background(), perlexpr.Job{Args: []string{"a"}}, []perlexpr.Call{{1, 0}}); !errors.Is(err, perlexpr.ErrClosed) {
		t.Errorf("Eval after Close: %v; want ErrClosed", err)
	}
}

// TestEvalCancelledWhileWriting fills the pipe to a perl that reads no
// more: a cancelled Eval must return however far its request got.
func TestEvalCancelledWhileWriting(t *testing.T) {
	ev, started := blocking(t)
	go ev.Eval(context.Background(), perlexpr.Job{Args: []string{"a"}}, []perlexpr.Call{{0, 0}})
	if line, err := started.ReadString('\n'); line != "started\n" {
		t.Fatalf("perl said %q, %v", line, err)
	}
	big := strings.Repeat("x", 4<<20) // far more than a pipe holds
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := ev.Eval(ctx, perlexpr.Job{Args: []string{big}}, []perlexpr.Call{{1, 0}})
		done <- err
	}()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Eval: %v; want context.Canceled", err)
	}
}

// TestCloseEndsPerl checks that no perl process outlives Close, busy or not.
func TestCloseEndsPerl(t *testing.T) {
	ev := start(t, []string{`$_ = $$`})
	v, _ := eval1(t, ev, perlexpr.Job{Args: []string{"a"}})
	pid, err := strconv.Atoi(v.Text)
	if err != nil {
		t.Fatal(err)
	}
	if err := ev.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("perl (pid %d) after Close: kill -0 gave %v; want ESRCH", pid, err)
	}
	if err := ev.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestPerlDies(t *testing.T) {
	ev := start(t, []string{`kill 9, $$ if $_ eq "die"`})
	if _, err := ev.Eval(context.Background(), perlexpr.Job{Args: []string{"die"}}, []perlexpr.Call{{0, 0}}); err == nil || !strings.Contains(err.Error(), "perl exited: signal: killed") {
		t.Errorf("Eval as perl dies: %v; want perl exited: signal: killed", err)
	}
	if _, err := ev.Eval(context.Background(), perlexpr.Job{Args: []string{"a"}}, []perlexpr.Call{{0, 0}}); err == nil || !strings.Contains(err.Error(), "perl exited") {
		t.Errorf("Eval after perl died: %v; want perl exited", err)
	}
	if err := ev.Close(); err == nil || !strings.Contains(err.Error(), "perl exited") {
		t.Errorf("Close after perl died: %v; want perl exited", err)
	}
}

func TestStartCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ev, err := perlexpr.Start(ctx, exprs(`s/a/b/`))
	if !errors.Is(err, context.Canceled) {
		if ev != nil {
			ev.Close()
		}
		t.Errorf("Start with a cancelled context: %v; want context.Canceled", err)
	}
}

// TestPerlDiesWithItsParent kills, with SIGKILL, a process that runs an
// Evaluator, and checks that its perl does not outlive it.
func TestPerlDiesWithItsParent(t *testing.T) {
	if os.Getenv("PERLEXPR_CHILD") == "1" {
		ev, err := perlexpr.Start(context.Background(), exprs(`$_ = $$`))
		if err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
		res, err := ev.Eval(context.Background(), perlexpr.Job{Args: []string{"a"}}, []perlexpr.Call{{0, 0}})
		fmt.Println(res.Values[0].Text, err)
		select {} // until killed
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestPerlDiesWithItsParent$")
	cmd.Env = append(os.Environ(), "PERLEXPR_CHILD=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(out).ReadString('\n')
	var pid int
	if _, err := fmt.Sscanf(line, "%d <nil>", &pid); err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("child said %q", line)
	}
	cmd.Process.Kill()
	cmd.Wait()
	deadline := time.Now().Add(60 * time.Second) // a bound for a failing test, not a timing
	for alive(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("perl (pid %d) outlived the process that started it", pid)
		}
		time.Sleep(10 * time.Millisecond) // an outside process is watched, not a goroutine
	}
}

// alive reports whether pid is a process that has not exited.
func alive(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	i := strings.LastIndexByte(string(stat), ')')
	return i < 0 || i+2 >= len(stat) || stat[i+2] != 'Z'
}
