package perlexpr_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/weft-dev/weft/cmd/weft/internal/perlexpr"
)

// hostile are inputs that a shell would misread if a value were not
// quoted: spaces, quotes, a newline, $, a backslash, a glob, non-ASCII,
// an empty string.
var hostile = []string{
	"plain", "two words", "it's", `say "hi"`, "$HOME", `back\slash`,
	"new\nline", "ünïcødé.tar.gz", "*", "semi;colon", "dir/file.tar.gz",
	"trailing ", "'quoted'", "",
}

// gnuCase is one invocation run through GNU parallel and through this
// package, whose outputs must be equal.
type gnuCase struct {
	name    string
	opts    []string // --rpl and --parens, for both
	gnuOpts []string // for GNU parallel only, instead of opts (--plus)
	tmpl    string
	sources [][]string
}

var gnuCases = []gnuCase{
	{name: "remove extension", tmpl: `printf '[%s]\n' {= s:\.[^.]+$:: =}`, sources: [][]string{hostile}},
	{name: "remove two extensions", tmpl: `printf '[%s]\n' {= s:\.[^.]+$::;s:\.[^.]+$::; =}`, sources: [][]string{hostile}},
	{name: "uc", tmpl: `printf '[%s]\n' {= $_=uc($_) =}`, sources: [][]string{hostile}},
	{name: "increment", tmpl: `printf '[%s]\n' {} {= $_++ =}`, sources: [][]string{{"1", "9", "41", "a9", "Az"}}},
	{name: "each argument in turn", tmpl: `printf '[%s]\n' x{= s/a/A/ =}y`, sources: [][]string{{"a1", "a 2"}, {"b'a", "c"}}},
	{name: "position 1", tmpl: `printf '[%s]\n' {=1 $_.="!" =}`, sources: [][]string{{"a b", "c"}, {"d$", "e"}}},
	{name: "position -1", tmpl: `printf '[%s]\n' {=-1 $_.="!" =} {=-2 =}`, sources: [][]string{{"a b", "c"}, {"d$", "e"}}},
	{name: "position out of range", tmpl: `printf '[%s]\n' a{=3 $_="x" =}b`, sources: [][]string{{"p", "q"}, {"r"}}},
	{name: "tutorial positional", tmpl: `printf '[%s]\n' {=2 s:\.[^.]+$::;s:\.[^.]+$::; =} {1}`, sources: [][]string{{"bar", "b a r"}, {"foo.tar.gz", "x'y.tar.gz"}}},
	{name: "sum of arguments", tmpl: `printf '[%s]\n' {1}+{2}={=1 $_=$arg[1]+$arg[2] =}`, sources: [][]string{{"1", "2", "3"}, {"2", "3", "4"}}},
	{name: "arg array", tmpl: `printf '[%s]\n' {=1 $_=join(",",@arg[1..$#arg]).":".scalar(@arg).":".(defined $arg[0] ? "def" : "undef") =}`, sources: [][]string{{"a b", "c"}, {"d'e"}}},
	{name: "arg 2", tmpl: `printf '[%s]\n' {=1 $_=$arg[2] =}`, sources: [][]string{{"a", "b"}, {"it's", "$x"}}},
	{name: "uq", tmpl: `printf '[%s]\n' {= uq =}`, sources: [][]string{{"$HOME", "two words", "f*", "'quoted arg'"}}},
	{name: "uq() mixed with quoted", tmpl: `printf '[%s]\n' {= $_="a b"; uq() =}x{= $_="c d" =}`, sources: [][]string{{"1"}}},
	{name: "Q", tmpl: `printf '[%s]\n' {} {= $_=Q($_) =}`, sources: [][]string{hostile}},
	{name: "Q in a command", tmpl: `printf '[%s]\n' {= $_="mkdir ".Q($_) =}`, sources: [][]string{{`12" dir`, "a'b", "plain"}}},
	{name: "pQ", tmpl: `printf '[%s]\n' {= $_=pQ($_) =}`, sources: [][]string{{`a$b"c\d@e`, "plain"}}},
	{name: "skip", tmpl: `printf '[%s]\n' {= if($_==3) { skip() } =}`, sources: [][]string{{"1", "2", "3", "4", "5"}}},
	{name: "skip on arguments", tmpl: `printf '[%s]\n' {= if($arg[1]==$arg[2]) { skip() } =}`, sources: [][]string{{"1", "2", "3"}, {"1", "2", "3"}}},
	{name: "skip with and", tmpl: `printf '[%s]\n' {= $arg[1] >= $arg[2] and skip =}`, sources: [][]string{{"1", "2", "3"}, {"2", "3", "4"}}},
	{name: "seq", tmpl: `printf '[%s]\n' {#} {= $_=seq() =} {= $_=$job->seq() =}`, sources: [][]string{{"a", "b", "c"}}},
	{name: "slot", tmpl: `printf '[%s]\n' {%} {= $_=slot() =} {= $_=$job->slot() =}`, sources: [][]string{{"a", "b", "c"}}},
	{name: "total_jobs", tmpl: `printf '[%s]\n' Job {#} of {= $_=total_jobs() =}`, sources: [][]string{{"1", "2", "3", "4", "5"}}},
	{name: "hash", tmpl: `printf '[%s]\n' {= $_=hash($_) =}`, sources: [][]string{{"a", "b", "c", "it's"}}},
	{name: "yyyy_mm_dd", tmpl: `printf '[%s]\n' {= $_=yyyy_mm_dd() =} {= $_=yyyymmdd() =}`, sources: [][]string{{"x"}}},
	{name: "empty expression", tmpl: `printf '[%s]\n' {==}`, sources: [][]string{hostile}},
	{name: "package variable", tmpl: `printf '[%s]\n' {= $_=$_.length($_) =}`, sources: [][]string{hostile}},
	{name: "rpl", opts: []string{"--rpl", `{..} s:\.[^.]+$::;s:\.[^.]+$::;`}, tmpl: `printf '[%s]\n' {..}`, sources: [][]string{hostile}},
	{name: "rpl positional", opts: []string{"--rpl", `{..} s:\.[^.]+$::;s:\.[^.]+$::;`}, tmpl: `printf '[%s]\n' {2..} {1}`, sources: [][]string{{"bar", "b'r"}, {"foo.tar.gz", "a b.c.d"}}},
	{name: "rpl without braces", opts: []string{"--rpl", `.. s:\.[^.]+$::;s:\.[^.]+$::;`}, tmpl: `printf '[%s]\n' ..`, sources: [][]string{{"foo.tar.gz", "x y.z"}}},
	{name: "rpl odd", opts: []string{"--rpl", `{odd} $_ = seq() % 2 ? "odd" : "even"`}, tmpl: `printf '[%s]\n' {odd}`, sources: [][]string{{"a", "b", "c"}}},
	{name: "rpl zero-padded seq", opts: []string{"--rpl", `{0#} $f=1+int("".(log(total_jobs())/log(10))); $_=sprintf("%0${f}d",seq())`}, tmpl: `printf '[%s]\n' {0#}`, sources: [][]string{{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"}}},
	{name: "rpl seq from 0", opts: []string{"--rpl", `{#0} $_ = seq() - 1`}, tmpl: `printf '[%s]\n' {#0}`, sources: [][]string{{"a", "b"}}},
	{name: "rpl all extensions", opts: []string{"--rpl", `{:} s:(\.[^/]+)*$::`}, tmpl: `printf '[%s]\n' {:}`, sources: [][]string{{"a/b.tar.gz", "c.d/e", "x y.z"}}},
	{name: "rpl leading position", opts: []string{"--rpl", `{first} 1 $_="<$_>"`}, tmpl: `printf '[%s]\n' {first}`, sources: [][]string{{"a", "b"}, {"c"}}},
	{name: "dynamic rpl", opts: []string{"--rpl", `{%(.+?)} s/$$1$//;`}, tmpl: `printf '[%s]\n' {%.tar.gz}.zip`, sources: [][]string{{"foo.tar.gz", "a b.tar.gz", "c.zip"}}},
	{name: "dynamic rpl two groups", opts: []string{"--rpl", `{/(.+?)/(.*?)} s/$$1/$$2/;`}, tmpl: `printf '[%s]\n' {/tar.gz/zip} {/a/}`, sources: [][]string{{"foo.tar.gz", "banana"}}},
	{name: "dynamic rpl swap", opts: []string{"--rpl", `{(.*?)/(.*?)} $_="$$2$_$$1"`}, tmpl: `printf '[%s]\n' {swap/these}`, sources: [][]string{{"-middle-", "it's"}}},
	{name: "dynamic rpl suffix", opts: []string{"--rpl", `{:+(.+?)} s:$$1(\.[^/]+)*$::`}, tmpl: `printf '[%s]\n' {:+_file}`, sources: [][]string{{"my_file.tar.gz", "x_file"}}},
	{name: "dynamic rpl positional", opts: []string{"-n3", "--rpl", `{/:+(.*?)} s:.*/(.*)$$1(\.[^/]+)*$:$1:`}, tmpl: `printf '[%s]\n' job {#}: {2} {3/:+_1}`, sources: [][]string{{"a/b.c", "c/d.e", "f/g_1.h.i"}}},
	{name: "parens", opts: []string{"--parens", ",,,,"}, tmpl: `printf '[%s]\n' foo is ,,s/I/O/g,, ,,s:\.[^.]+$::;s:\.[^.]+$::; ,,`, sources: [][]string{{"FII", "foo.tar.gz"}}},
	{name: "parens positional", opts: []string{"--parens", "<<>>"}, tmpl: `printf '[%s]\n' <<2 s/I/O/g>> {1}`, sources: [][]string{{"x y"}, {"FII", "I'I"}}},
	{name: "plus {..}", opts: []string{"--rpl", `{..} s:\.[^/.]*\.[^/.]*$::`}, gnuOpts: []string{"--plus"}, tmpl: `printf '[%s]\n' {..} {2..}`, sources: [][]string{{"a.b.c", "d/e.f"}, {"x.tar.gz"}}},
	{name: "plus {+.}", opts: []string{"--rpl", `{+.} s:.*\.:: || s:.*$::`}, gnuOpts: []string{"--plus"}, tmpl: `printf '[%s]\n' {+.}`, sources: [][]string{{"a.b.c", "noext", "x y.z"}}},
	{name: "plus {%%string}", opts: []string{"--rpl", `{%%([^}]+?)} s/$$1$//;`}, gnuOpts: []string{"--plus"}, tmpl: `printf '[%s]\n' {%%.gz}`, sources: [][]string{{"a.tar.gz", "b.gz.gz", "c"}}},
}

// gnuNative are GNU parallel's own replacement strings: this package
// leaves them to its caller, as weft implements them in Go.
var gnuNative = []string{"{}", "{.}", "{/}", "{//}", "{/.}", "{#}", "{%}"}

// TestEquivalentToGNUParallel runs each case through the installed GNU
// parallel (-k -j1, so that slot() is 1) and through this package (the
// template parsed, every job's expressions evaluated by one Evaluator, the
// command rendered with every value shell-quoted unless uq() was called,
// and run by sh), and compares the outputs byte for byte. The command
// prints each word it is given in brackets, so a quoting difference that
// changes the words shows.
func TestEquivalentToGNUParallel(t *testing.T) {
	if len(gnuCases) < 25 {
		t.Fatalf("%d cases; want at least 25", len(gnuCases))
	}
	if _, err := exec.LookPath("parallel"); err != nil {
		t.Skip("GNU parallel is not installed")
	}
	dir := t.TempDir()
	for _, f := range []string{"f1", "f2", ".parallel/will-cite"} {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, f)), 0o755)
		os.WriteFile(filepath.Join(dir, f), nil, 0o644)
	}
	// Both sides run with the same environment: HOME for "$HOME" under
	// uq(), a fixed time zone, and a fixed perl hash seed for hash().
	t.Setenv("HOME", dir)
	t.Setenv("PARALLEL_HOME", filepath.Join(dir, ".parallel"))
	t.Setenv("PARALLEL_SHELL", "/bin/sh")
	t.Setenv("TZ", "UTC")
	t.Setenv("PERL_HASH_SEED", "0")

	for _, c := range gnuCases {
		t.Run(c.name, func(t *testing.T) {
			day := time.Now().UTC().Format("20060102")
			gnu := runGNU(t, dir, c)
			ours := runOurs(t, dir, c)
			if gnu != ours {
				if day != time.Now().UTC().Format("20060102") {
					t.Skip("the date changed during the comparison")
				}
				t.Errorf("GNU parallel printed\n%q\nthis package's expansion printed\n%q", gnu, ours)
			}
			if gnu == "" {
				t.Errorf("GNU parallel printed nothing")
			}
		})
	}
}

func runGNU(t *testing.T, dir string, c gnuCase) string {
	args := []string{"-k", "-j1"}
	if c.gnuOpts != nil {
		args = append(args, c.gnuOpts...)
	} else {
		args = append(args, c.opts...)
	}
	// The inputs go through NUL-separated files: a ::: argument cannot
	// hold a newline in GNU parallel (it is split into two).
	args = append(args, "--null", c.tmpl)
	for i, src := range c.sources {
		f := filepath.Join(t.TempDir(), strconv.Itoa(i))
		if err := os.WriteFile(f, []byte(strings.Join(src, "\x00")+"\x00"), 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, "::::", f)
	}
	cmd := exec.Command("parallel", args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("parallel: %v", err)
	}
	if stderr.Len() > 0 {
		t.Fatalf("parallel wrote on stderr: %s", stderr.String())
	}
	return string(out)
}

// runOurs expands every job of the case with this package and runs it.
func runOurs(t *testing.T, dir string, c gnuCase) string {
	syn := perlexpr.Syntax{Native: gnuNative}
	perJob := 0
	for i := 0; i < len(c.opts); i += 2 {
		switch c.opts[i] {
		case "--rpl":
			syn.Rpl = append(syn.Rpl, c.opts[i+1])
		case "--parens":
			syn.Parens = c.opts[i+1]
		case "-n3":
			perJob, i = 3, i-1
		default:
			t.Fatalf("option %s", c.opts[i])
		}
	}
	p, err := perlexpr.NewParser(syn)
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := p.Parse(c.tmpl)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := perlexpr.Start(context.Background(), p.Exprs())
	if err != nil {
		t.Fatal(err)
	}
	defer ev.Close()
	jobs := combine(c.sources)
	if perJob > 0 { // -n3: one source, three arguments per job
		var grouped [][]string
		for i := 0; i < len(jobs); i += perJob {
			var g []string
			for _, j := range jobs[i:min(i+perJob, len(jobs))] {
				g = append(g, j...)
			}
			grouped = append(grouped, g)
		}
		jobs = grouped
	}
	var out strings.Builder
	for i, args := range jobs {
		job := perlexpr.Job{Args: args, Seq: int64(i + 1), Slot: 1, Total: int64(len(jobs))}
		res, err := ev.Eval(context.Background(), job, tmpl.AppendCalls(nil, len(args)))
		if err != nil {
			t.Fatal(err)
		}
		if res.Skip {
			continue
		}
		sh := exec.Command("/bin/sh", "-c", render(t, tmpl, res, job))
		sh.Dir = dir
		b, err := sh.Output()
		if err != nil {
			t.Fatalf("sh -c %q: %v", render(t, tmpl, res, job), err)
		}
		out.Write(b)
	}
	return out.String()
}

// combine returns every combination of one value from each source, the
// first source varying slowest, as GNU parallel orders them.
func combine(sources [][]string) [][]string {
	jobs := [][]string{nil}
	for _, src := range sources {
		var next [][]string
		for _, j := range jobs {
			for _, v := range src {
				next = append(next, append(append([]string(nil), j...), v))
			}
		}
		jobs = next
	}
	return jobs
}

// render writes the command of one job the way GNU parallel does for a
// command that does not start with a replacement string: a replacement
// string without a position stands for each argument in turn, its values
// joined by spaces; a position past the arguments gives nothing; every
// value is quoted unless uq() was called.
func render(t *testing.T, tmpl *perlexpr.Template, res perlexpr.Result, job perlexpr.Job) string {
	var b strings.Builder
	each := func(pos int, f func(arg int) string) {
		if pos != 0 {
			if i, ok := perlexpr.ArgIndex(pos, len(job.Args)); ok {
				b.WriteString(f(i))
			}
			return
		}
		for i := range job.Args {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(f(i))
		}
	}
	for _, s := range tmpl.Segments {
		switch {
		case s.Kind == perlexpr.Literal:
			b.WriteString(s.Text)
		case s.Kind == perlexpr.Perl:
			each(s.Pos, func(arg int) string {
				v, ok := res.Value(s.Expr, arg)
				if !ok {
					t.Fatalf("no value for %s on argument %d", s.Text, arg)
				}
				if v.Unquoted {
					return v.Text
				}
				return shellQuote(v.Text)
			})
		case s.Tag == "{}":
			each(s.Pos, func(arg int) string { return shellQuote(job.Args[arg]) })
		case s.Tag == "{#}":
			b.WriteString(strconv.FormatInt(job.Seq, 10))
		case s.Tag == "{%}":
			b.WriteString(strconv.Itoa(job.Slot))
		default:
			t.Fatalf("the test does not render %s", s.Text)
		}
	}
	return b.String()
}

// shellQuote quotes s as one word for sh.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'"
}
