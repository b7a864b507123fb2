package main

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/weft-dev/weft/cmd/weft/internal/cli"
)

// gnuNames reads testdata/gnu-parallel-names.txt (go generate ./cmd/weft
// writes it from GNU parallel's manual): the kind and the name of each
// option, input separator and replacement string the manual has.
func gnuNames(t *testing.T) [][2]string {
	t.Helper()
	f, err := os.Open("testdata/gnu-parallel-names.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var names [][2]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := sc.Text(); line != "" && !strings.HasPrefix(line, "#") {
			kind, name, _ := strings.Cut(line, " ")
			names = append(names, [2]string{kind, name})
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return names
}

// inProcess runs weft's command line args in this process, with stdin
// empty, and returns its status, stdout and stderr. With stub, the run
// itself is replaced by one that reports whether it was reached.
func inProcess(args []string, stub bool) (status int, stdout, stderr string, ran bool) {
	root := root()
	if stub {
		bind := root.Bind
		root.Bind = func() cli.Bound {
			b := bind()
			b.Run = func([]string, cli.Env) int { ran = true; return 0 }
			return b
		}
	}
	var out, errb bytes.Buffer
	status = cli.Main(root, args, cli.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb})
	return status, out.String(), errb.String(), ran
}

// sampleValues are values each kind of option value accepts, by the
// value's name in the option table.
var sampleValues = map[string]string{
	"N": "2", "D": "1s", "FILE": "f", "POLICY": "now,fail=1", "REGEX": ",", "N/s": "5/s",
	"SEP": ",,", "URL": "nats://127.0.0.1:1", "S": "s", "ID": "x", "'TAG PERL'": "{x} $_.=1", "LR": ",,,,", "EOF": "stop", "STR": ",,",
	"SIZE": "1M", "RE": ":", "l|r|lr|rl|n": "lr", "DIR": os.TempDir(), "OUT": "-.json",
	"MAX": "1000", "NAME": "/dev/null", "SEQ": "TERM,200,KILL,25",
}

// TestEveryGNUParallelOptionIsKnown: every option name of GNU parallel's
// manual is either accepted, or refused by name (one line on stderr,
// exit status 255, nothing run) with what to use instead.
func TestEveryGNUParallelOptionIsKnown(t *testing.T) {
	decl := map[string]cli.Option{}
	for _, sec := range root().Bind().Sections {
		for _, o := range sec.Options {
			for _, n := range append(append([]string(nil), o.Names...), o.Aliases...) {
				decl[n] = o
			}
		}
	}
	builtin := map[string]bool{"-h": true, "--help": true, "--version": true}
	options := 0
	for _, n := range gnuNames(t) {
		kind, name := n[0], n[1]
		if kind != "option" {
			continue
		}
		options++
		o, declared := decl[name]
		switch {
		case builtin[name]:
			if status, stdout, _, _ := inProcess([]string{name}, true); status != 0 || stdout == "" {
				t.Errorf("%s: status %d; want the built-in's output and 0", name, status)
			}
		case !declared:
			t.Errorf("GNU parallel's %s is neither implemented nor refused: declare it in cmd/weft/internal/run", name)
		case o.Refused != "":
			status, stdout, stderr, ran := inProcess([]string{name, "x", "echo", ":::", "a"}, true)
			want := "weft: option " + name + " is not supported: " + o.Refused + "\n"
			if status != 255 || ran || stdout != "" || stderr != want {
				t.Errorf("%s: status %d, ran %v, stderr %q; want 255, not run, %q", name, status, ran, stderr, want)
			}
		default:
			args := []string{name}
			if o.Arg == cli.Optional {
				args = []string{name + "=" + sampleValues[o.Value]} // glued: never the next word
			}
			if o.Arg == cli.Required {
				v, ok := sampleValues[o.Value]
				if !ok {
					t.Errorf("%s: no sample value for %s: add one to sampleValues", name, o.Value)
					continue
				}
				args = append(args, v)
			}
			status, _, stderr, ran := inProcess(append(args, "echo", ":::", "a"), true)
			if strings.HasPrefix(stderr, "weft: "+name+" needs --pipe or --pipe-part") {
				// An option of --pipe, known by name: without it, one line
				// says what it needs, and nothing runs.
				if status != 255 || ran || strings.Count(stderr, "\n") != 1 {
					t.Errorf("%q without --pipe: status %d, ran %v, stderr %q; want 255, not run, one line", args, status, ran, stderr)
				}
				continue
			}
			if status != 0 || !ran {
				t.Errorf("%q: status %d, stderr %q; want it accepted", args, status, stderr)
			}
		}
	}
	if options < 200 {
		t.Fatalf("found %d options in testdata/gnu-parallel-names.txt; GNU parallel has over 200", options)
	}
}

// TestEveryGNUParallelSyntaxIsKnown: every input separator and
// replacement string of GNU parallel's manual, and the ones its text
// describes (negative positions, --plus's), is either understood (the
// dry run's command has no trace of it) or refused by name with exit
// status 255 before any job starts.
func TestEveryGNUParallelSyntaxIsKnown(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "in.txt")
	if err := os.WriteFile(file, []byte("1\n2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var reps, seps []string
	for _, n := range gnuNames(t) {
		switch n[0] {
		case "replacement":
			reps = append(reps, n[1])
		case "separator":
			seps = append(seps, n[1])
		}
	}
	if len(reps) < 12 || len(seps) != 4 {
		t.Fatalf("found %d replacement strings and %d separators in the names; want the manual's", len(reps), len(seps))
	}
	reps = append(reps, "{-1}", "{-2/.}", "{-1//}", "{..}", "{...}", "{+/}", "{+.}", "{+..}", "{+...}", "{/..}", "{/...}", "{##}",
		"{2:%8.2f}", "{:%6s}", "{/:%12s}", "{%:%02d}", "{=2 $_ =}", "{0}")
	for _, rep := range reps {
		status, stdout, stderr, _ := inProcess([]string{"--dry-run", "echo " + rep, ":::", "dir/a.b.c", ":::", "x"}, false)
		switch {
		case status == 255 && strings.Count(stderr, "\n") == 1 && strings.Contains(stderr, "replacement string "+rep+" is not supported: "):
		case status == 0 && stderr == "" && stdout != "" && !strings.Contains(stdout, rep):
		default:
			t.Errorf("%s: status %d, stdout %q, stderr %q; want it expanded, or refused by name", rep, status, stdout, stderr)
		}
	}
	for _, sep := range seps {
		args := []string{"--dry-run", "echo", ":::", "a", "b", sep, "z"}
		if strings.HasPrefix(sep, "::::") {
			args[len(args)-1] = file
		}
		status, stdout, stderr, _ := inProcess(args, false)
		if status != 0 || stderr != "" || stdout == "" || strings.Contains(stdout, ":::") {
			t.Errorf("%s: status %d, stdout %q, stderr %q; want it read as a separator", sep, status, stdout, stderr)
		}
	}
}
