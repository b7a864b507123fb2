package main

import "strings"

// multiCompatCases are the compatibility cases of several inputs per job
// (-n, -N, -m, -X, -L, -l, --xargs) and of the command-line length (-s,
// -x, --max-line-length-allowed); TestCompatibilityWithGNUParallel runs
// them with the others. The limits are GNU parallel 20221122's: it is the
// one installed, and the one the outputs are compared with.
func multiCompatCases() []compatCase {
	// 15000 numbers fill one command line of 63664 characters, and
	// more: enough for a full job before the end of the input.
	nums := seqLines(1, 15000)
	ten := strings.Fields("1 2 3 4 5 6 7 8 9 10")
	letters := strings.Fields("A B C D E F G H")
	files := map[string]string{"list": "a.x\nb.y\nc.z\nd\n", "lines": "a b\nc \nd\ne\nf\n"}
	vals := func(args []string, values ...string) []string {
		return append(append(args, ":::"), values...)
	}
	return []compatCase{
		// -n, --max-args
		{args: vals([]string{"-k", "-n", "2", "echo"}, "a", "b", "c"), ordered: true},
		{args: vals([]string{"-k", "--max-args", "2", "echo {1} + {2}"}, "a", "b", ":::", "c", "d", "e"), ordered: true},
		{args: []string{"-k", "-n3", "echo", "::::", "list"}, files: files, ordered: true},
		{args: vals([]string{"-k", "-n0", "echo foo {}"}, "1", "2", "3"), ordered: true},
		{args: vals([]string{"-k", "-n2", "--joblog", "log", "echo"}, "a", "b", "c"), ordered: true, joblog: true},
		// -N, --max-replace-args
		{args: vals([]string{"-k", "-N3", "echo", "1={1}", "2={2}", "3={3}"}, letters...), ordered: true},
		{args: vals([]string{"-k", "-N0", "echo", "foo"}, "1", "2", "3"), ordered: true},
		{args: vals([]string{"-k", "--max-replace-args", "2", "echo pre{}post {.} {#}"}, "a.x", "b.y", "c.z"), ordered: true},
		{args: vals([]string{"-k", "-N2", "--tag", "echo"}, "a", "b", "c"), ordered: true},
		{args: vals([]string{"-k", "-N2", "--dry-run", "echo x{}y"}, "a b", "c'd", "e"), ordered: true},
		{args: vals([]string{"-k", "-j1", "--halt", "now,fail=1", "-N2", "echo {2}; exit {1}"}, "0", "a", "1", "b", "0", "c"), ordered: true},
		{args: []string{"-k", "-N2", "--colsep", ",", "echo {1}-{2}-{3}-{4}"}, stdin: "a,b\nc,d\ne,f\n", ordered: true},
		// -X
		{args: vals([]string{"-k", "--jobs", "4", "-X", "echo", "pre-{}-post"}, "A", "B", "C", "D", "E", "F", "G"), ordered: true},
		{args: vals([]string{"-k", "-j2", "-X", "echo pre{}post {} x{.}y"}, "a.1", "b.2", "c.3"), ordered: true},
		{args: vals([]string{"-k", "-j1", "-X", "-s", "30", "echo", "p{}q"}, "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"), ordered: true},
		{args: vals([]string{"-k", "-j1", "-X", "echo"}, "a", "b", ":::", "c", "d"), ordered: true},
		// -m
		{args: vals([]string{"-k", "--jobs", "4", "-m", "echo"}, ten...), ordered: true},
		{args: []string{"-k", "--jobs", "4", "-m", "echo"}, stdin: nums, ordered: true},
		{args: vals([]string{"-k", "-j2", "-m", "echo pre{}post {} x{.}y"}, "a.1", "b.2", "c.3"), ordered: true},
		{args: vals([]string{"-k", "-j4", "-n3", "-m", "echo"}, "1", "2", "3"), ordered: true},
		// --xargs
		{args: []string{"-k", "--xargs", "echo"}, stdin: nums, ordered: true},
		{args: []string{"-k", "--xargs", "-s", "10000", "echo"}, stdin: nums, ordered: true},
		{args: vals([]string{"-k", "--jobs", "4", "--xargs", "echo"}, ten...), ordered: true},
		// -s, --max-chars
		{args: vals([]string{"-k", "--xargs", "-s", "15", "echo"}, ten...), ordered: true},
		{args: vals([]string{"-k", "-j1", "-m", "--max-chars", "30", "echo", "p{}q", "{}"}, "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14"), ordered: true},
		{args: vals([]string{"-k", "-j1", "-s", "20", "echo"}, "a", strings.Repeat("b", 30), "c"), ordered: true},
		// -x, --exit: GNU parallel always stops at a command line too long.
		{args: vals([]string{"-k", "-x", "-n2", "echo"}, "a", "b", "c"), ordered: true},
		{args: vals([]string{"-k", "--exit", "-j1", "-s", "20", "echo"}, "a", strings.Repeat("b", 30), "c"), ordered: true},
		{args: vals([]string{"-k", "-x", "-j1", "echo"}, "a", strings.Repeat("b", 70000), "c"), ordered: true},
		// -L, -l, --max-lines (without --pipe)
		{args: []string{"-k", "-L2", "echo {1} / {2} / {}"}, stdin: files["lines"], ordered: true},
		{args: vals([]string{"-k", "-L2", "echo {1}/{2}"}, "a ", "b", "c", "d"), ordered: true},
		{args: []string{"-k", "-l", "echo x{}y"}, stdin: "a\nb\nc\n", ordered: true},
		{args: []string{"-k", "-l2", "-m", "echo x{}y"}, stdin: "a\nb\nc\n", ordered: true},
		{args: []string{"-k", "--max-lines=2", "-X", "echo x{}y"}, stdin: "a\nb\nc\n", ordered: true},
		// --max-line-length-allowed
		{args: []string{"--max-line-length-allowed"}},
		{args: []string{"--max-line-length-allowed", "echo", ":::", "a"}},
		{args: []string{"--maxlinelengthallowed"}},
	}
}
