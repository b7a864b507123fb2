package main

// replCompatCases are the compatibility cases of --plus, --header without
// --pipe, --trim and -q (TestCompatibilityWithGNUParallel runs them with
// the others): at least three per option.
func replCompatCases() []compatCase {
	files := map[string]string{
		"t.tsv": "f1\tf2\nA\tB\nC\tD\n",
		"c.csv": "name,size\n a , 1 \nb,2\n",
		"pad":   "  x  \n\ty\t\n",
		"paths": "dir.x/a.b.c.d\nnodot\n/abs/f.tar.gz\n",
	}
	return []compatCase{
		// --plus: the parts of a path.
		{args: []string{"-k", "--plus", "echo {..} {+..} {/..} {+/} {+.} {...} {+...} {/...}", "::::", "paths"}, files: files, ordered: true},
		// --plus: the number of jobs, and the job number padded to it.
		{args: []string{"-k", "--plus", "echo {##} {0#}", ":::", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"}, ordered: true},
		// --plus: the shell's parameter expansions, with perl regexps.
		{args: []string{"-k", "--plus", "echo {:-def} {:2} {:1:2} {#a*} {##a*} {%c*} {%%c*}", ":::", "aabccc", ""}, ordered: true},
		{args: []string{"-k", "--plus", "echo {/a/X} {//a/X} {/#a/X} {/%a/X} {^a} {^^a} {,A} {,,A}", ":::", "abca", "aAa"}, ordered: true},
		// --plus: positional forms; {-3..} of two inputs is the last, as a
		// perl array index has it.
		{args: []string{"-k", "--plus", "echo {2+/} {1..} {-1/..} {-3..}", ":::", "x.tar.gz", ":::", "d/y.tar.gz"}, ordered: true},
		// --plus: {choose_k} and {uniq} skip jobs, which count as failed.
		{args: []string{"-k", "--plus", "echo {choose_k}", ":::", "a", "b", "c", ":::", "a", "b", "c"}, ordered: true, joblog: true},
		{args: []string{"-k", "--plus", "echo {uniq}", ":::", "a", "b", ":::", "a", "b"}, ordered: true},
		// --plus: {slot} is $PARALLEL_JOBSLOT, read by the job's shell.
		{args: []string{"--plus", "-j2", "[ {slot} = {%} ] && echo same {}", ":::", "a", "b", "c"}},
		// --plus with --dry-run: the values are quoted as any input.
		{args: []string{"-k", "--plus", "--dry-run", "echo {:-x y} {%.c}", ":::", "", "a b.c"}, ordered: true},

		// --header without --pipe: the first value of each group names it.
		{args: []string{"-k", "--header", ":", "echo f1={f1} f2={f2}", ":::", "f1", "A", "B", ":::", "f2", "C", "D"}, ordered: true},
		// The first line of a file names its columns.
		{args: []string{"-k", "--header", ":", "--colsep", `\t`, "echo f1={f1} f2={f2}", "::::", "t.tsv"}, files: files, ordered: true},
		// --header cuts at tabs without --colsep.
		{args: []string{"-k", "--header", ":", "echo {f2} {1}", "::::", "t.tsv"}, files: files, ordered: true},
		// The modifiers of a name, and a perl expression on it.
		{args: []string{"-k", "--header", ":", "--dry-run", "echo {f1.} {f1/} {f1//} {f1/.} {=f1 $_.=\"z\" =} {f1..}", ":::", "f1", "a/b.c"}, ordered: true},
		// GNU parallel 20221122's quirk: a file names the column of its
		// number among the files; the header's value is the regexp ignored.
		{args: []string{"-k", "--header", "foo", "echo {f1} {t.tsv} {f2}", ":::", "f1", "x", "::::", "t.tsv"}, files: files, ordered: true},
		// --header 0 reads no header.
		{args: []string{"-k", "--header", "0", "echo {t.tsv}", "::::", "t.tsv"}, files: files, ordered: true},
		// A header is no job: {##} does not count it.
		{args: []string{"-k", "--header", ":", "--plus", "echo {##} {h}", ":::", "h", "a", "b"}, ordered: true},
		// stdin's first line.
		{args: []string{"-k", "--header", ":", "echo {h}"}, stdin: "h\n1\n2\n", ordered: true},

		// --trim: the values as they go into the command, and --tag.
		{args: []string{"-k", "--trim", "lr", "echo [{}]", "::::", "pad"}, files: files, ordered: true},
		{args: []string{"-k", "--trim", "l", "echo [{}] [{.}]", ":::", " a.x  "}, ordered: true},
		{args: []string{"-k", "--trim", "r", "--tag", "echo [{}]", ":::", " a  "}, ordered: true},
		// --trim and perl: $_ is trimmed, @arg is not.
		{args: []string{"-k", "--trim", "lr", `echo {= $_ = "[$_][$arg[1]]" =}`, ":::", " a "}, ordered: true},
		// --colsep trims unless --trim says otherwise.
		{args: []string{"-k", "--colsep", ",", "echo [{1}] [{2}]", "::::", "c.csv"}, files: files, ordered: true},
		{args: []string{"-k", "--colsep", ",", "--trim", "n", "echo [{1}] [{2}]", "::::", "c.csv"}, files: files, ordered: true},
		// No command: the trimmed inputs are the commands.
		{args: []string{"-k", "--trim", "lr", "--dry-run", ":::", "  echo  hi  "}, ordered: true},

		// -q: the command runs as written.
		{args: []string{"-k", "-q", "perl", "-e", `print "@ARGV\n"`, ":::", "This", "works"}, ordered: true},
		{args: []string{"-k", "-q", "--dry-run", "echo", "{}.x", "{.}", "a b{}", "$HOME", "{= $_=uc =}", ":::", "x y.z"}, ordered: true},
		{args: []string{"-k", "-q", "--dry-run", "echo", "{#}", "{}{}", "x{}y", "", ":::", "q", ":::", "r s"}, ordered: true},
		{args: []string{"-k", "-q", "echo", "$HOME", "{}", "it's", ":::", "$PATH"}, ordered: true},
		// A command in one word is one word: sh finds no such program.
		{args: []string{"-k", "-q", "echo a", ":::", "x"}, ordered: true},
		{args: []string{"-k", "-q", "--dry-run", ":::", "echo a"}, ordered: true},
	}
}
