package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// outputCompatCases are the compatibility cases of the output options
// (TestCompatibilityWithGNUParallel runs them with the others): --results,
// --files, --tmpdir, --tagstring, --ctag, --ctagstring, -t, --verbose, -v,
// --shuf and --progress, at least three each.
func outputCompatCases() []compatCase {
	pairs := map[string]string{"pairs": "a,1\nb/x,2\n"}
	return []compatCase{
		// --results DIR: GNU parallel 20221122 prints nothing on stdout
		// (the manual of 20260422 and its tutorial print the output too).
		{args: []string{"--results", "out", "echo", ":::", "a", "b/c", "d e", `back\slash`, ":::", "1", "2"}, written: []string{"out"}},
		{args: []string{"--results", "out/", "echo {}; echo e{} >&2; exit {}", ":::", "0", "2"}, written: []string{"out"}},
		{args: []string{"--results", "out", "--colsep", ",", "echo {2}", "::::", "pairs"}, files: pairs, written: []string{"out"}},
		{args: []string{"-v", "--results", "res", "printf", ":::", "x\ty", ""}, written: []string{"res"}},
		{args: []string{"-k", "--results", "out", "--joblog", "log", "echo", ":::", "a", "bb"}, written: []string{"out"}, joblog: true},
		// With --header, the directories are named by the columns.
		{args: []string{"--header", ":", "--results", "out", "echo", ":::", "f1", "A", "B", ":::", "f2", "C", "D"}, written: []string{"out"}},
		{args: []string{"-k", "--header", ":", "--results", "t.csv", "echo", ":::", "x", "1", "2"}, written: []string{"t.csv"}},
		// --results with replacement strings: a directory when the name
		// ends in /, else the stdout file, with .err and .seq beside it.
		{args: []string{"--results", "rr/{}/x/", "echo {}; echo e >&2", ":::", "a", "b c"}, written: []string{"rr"}},
		{args: []string{"--results", "rr/f-{#}-{1/}", "echo", ":::", "p/q", "r"}, written: []string{"rr"}},
		{args: []string{"--results", "rr/{2}", "echo", ":::", "A", ":::", "sl/ash", "x"}, written: []string{"rr"}},
		// --results NAME.csv, .tsv and .json: one table.
		{args: []string{"-k", "--results", "x.csv", "echo {}; echo err{} >&2", ":::", "A", `b,"c`, ":::", "1"}, written: []string{"x.csv"}},
		{args: []string{"-k", "--results", "x.tsv", "echo {}", ":::", "A", "b\tc"}, written: []string{"x.tsv"}},
		{args: []string{"-k", "--results", "x.json", "echo {}; exit {2}", ":::", "A", `b"c\d`, ":::", "0", "3"}, written: []string{"x.json"}},
		{args: []string{"-k", "--results", "x.CSV", "echo", ":::", "a", "b"}, written: []string{"x.CSV"}}, // -k: the lines in job order
		// --files and --tmpdir: the files' contents, in order with -k.
		{args: []string{"-k", "--files", "echo", ":::", "A", "B", "C"}, outFiles: true},
		{args: []string{"--files", "echo {}; echo e >&2", ":::", "a", "b"}, outFiles: true, stderr: true},
		{args: []string{"-k", "--files", "--tag", "printf {}", ":::", "x", "y"}, outFiles: true},
		{args: []string{"-k", "--tmpdir", ".", "--files", "echo", ":::", "A", "B"}, outFiles: true},
		{args: []string{"-k", "--tmpdir", ".", "echo", ":::", "A", "B"}, ordered: true},
		{args: []string{"-k", "--tmpdir", "tmp", "--files", "seq", ":::", "3"}, outFiles: true},
		// --tagstring: replacement strings, unquoted.
		{args: []string{"-k", "--tagstring", "{}x{2}", "echo", ":::", "a b", ":::", "c"}, ordered: true},
		{args: []string{"-k", "--tagstring", "{#}:{1/.}", "echo", ":::", "/x/y.z", "w.q"}, ordered: true},
		{args: []string{"-k", "--tagstring", "T", `printf 'a\nb\rc'`, ":::", "1"}, ordered: true},
		{args: []string{"-k", "--tag-string", "<{}>", "echo {} >&2", ":::", "a", "b"}, ordered: true, stderr: true},
		// --ctag, --ctagstring: coloured even when stdout is no terminal.
		{args: []string{"-k", "--ctag", "echo", ":::", "A", "B"}, ordered: true},
		{args: []string{"-k", "--ctagstring", "<{}>", `printf 'x\ny'`, ":::", "A", "B"}, ordered: true},
		{args: []string{"-k", "--ctag", `printf 'a\rb\n\n'`, ":::", "1", "2", "3"}, ordered: true},
		// -t and --verbose: the command on stderr (--verbose too, in
		// 20221122); -v: on stdout, as part of the output.
		{args: []string{"-k", "-j", "1", "-t", "echo", ":::", "A", "B"}, ordered: true, stderr: true},
		{args: []string{"-k", "-j", "1", "--verbose", "echo {}", ":::", "A", "B C"}, ordered: true, stderr: true},
		{args: []string{"-t", "--dry-run", "echo", ":::", "a"}, ordered: true, stderr: true},
		{args: []string{"-k", "-v", "echo", ":::", "A", "B"}, ordered: true},
		{args: []string{"-k", "-v", "--tag", "echo", ":::", "a", "b"}, ordered: true},
		{args: []string{"-k", "-v", "--joblog", "log", "echo", ":::", "a"}, ordered: true, joblog: true},
		{args: []string{"-k", "-v", "--files", "echo", ":::", "a"}, outFiles: true},
		// --shuf: every combination, in some order (a multiset).
		{args: []string{"--shuf", "echo", ":::", "a", "b", "c", ":::", "1", "2"}},
		{args: []string{"--shuf", "echo {#}", ":::", "a", "b", "c"}},
		{args: []string{"-k", "--shuf", "echo"}, stdin: "x\ny\nz\n"},
		// --progress: on stderr; stdout as without it.
		{args: []string{"-k", "--progress", "echo", ":::", "a", "b", "c"}, ordered: true},
		{args: []string{"--progress", "exit {}", ":::", "0", "1"}},
		{args: []string{"-k", "-j", "1", "--progress", "echo {}; echo e >&2", ":::", "x"}, ordered: true},
	}
}

// namedContents reads stdout's lines as names of files, each after an
// optional tag and tab (--files): it returns each line with the file's
// contents instead of its name, which is random, and says so when a file is
// not under dir (the run's TMPDIR or its --tmpdir).
func namedContents(t *testing.T, dir, stdout string) string {
	t.Helper()
	var b strings.Builder
	for _, l := range lines(stdout) {
		tag, name := "", l
		if i := strings.LastIndexByte(l, '\t'); i >= 0 {
			tag, name = l[:i+1], l[i+1:]
		}
		path := name
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, path)
		}
		if rel, err := filepath.Rel(dir, path); err != nil || strings.HasPrefix(rel, "..") {
			fmt.Fprintf(&b, "%snot in the run's directory: %s\n", tag, name)
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			fmt.Fprintf(&b, "%s%v\n", tag, err)
			continue
		}
		fmt.Fprintf(&b, "%s%s %q\n", tag, filepath.Ext(name), data)
	}
	return b.String()
}

// compareWritten compares what c asks beyond stdout, the exit status and
// the joblog: stderr, and the files written (their names, and contents
// with the start times and run times masked).
func compareWritten(t *testing.T, c compatCase, w, g toolRun) {
	t.Helper()
	if c.stderr {
		we, ge := lines(w.stderr), lines(g.stderr)
		if !c.ordered {
			we, ge = sorted(we), sorted(ge)
		}
		if !slices.Equal(we, ge) {
			t.Errorf("stderr:\nweft         %q\nGNU parallel %q", we, ge)
		}
	}
	for _, root := range c.written {
		wf, gf := tree(t, filepath.Join(w.dir, root)), tree(t, filepath.Join(g.dir, root))
		if !slices.Equal(wf, gf) {
			t.Errorf("%s:\nweft         %q\nGNU parallel %q", root, wf, gf)
		}
	}
}

// timing matches the start times (1796003090.439) and run times (0.002)
// of --results' tables.
var timing = regexp.MustCompile(`\b\d+\.\d{3}\b`)

// tree lists the files under root (root itself if a file), each as its
// path under root and its contents, the times masked.
func tree(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			out = append(out, rel+"/")
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		out = append(out, fmt.Sprintf("%s %q", rel, timing.ReplaceAllString(string(data), "T")))
		return nil
	})
	if err != nil {
		out = append(out, err.Error())
	}
	return out
}
