package run

import "github.com/weft-dev/weft/cmd/weft/internal/cli"

// inputOptions: where the inputs come from, and how they are cut.
func inputOptions(c *Config) cli.Section {
	return cli.Section{Title: "Inputs", Intro: "one job per input; several ::: or :::: groups give every combination, the last group varying fastest", Options: []cli.Option{
		{Syntax: "::: a b c", Help: "the values a, b and c", Example: "weft echo ::: a b c"},
		{Syntax: ":::: FILE", Help: "the lines of FILE (- for stdin)", Example: "weft 'wc -l' :::: files.txt"},
		{Syntax: ":::+ a b c", Help: "linked to the group before: its n-th value goes with their n-th; the shorter group decides how many jobs", Example: "weft echo ::: a b c :::+ 1 2 3"},
		{Syntax: "::::+ FILE", Help: "the lines of FILE, linked to the group before", Example: "weft 'cp {1} {2}' :::: from.txt ::::+ to.txt"},
		{Names: []string{"-a", "--arg-file"}, Aliases: []string{"--argfile"}, Arg: cli.Required, Value: "FILE", Repeats: true,
			Help: "the lines of FILE, like :::: FILE, before the ::: and :::: groups", Example: "weft -a urls.txt 'curl -sO {}'", Set: cli.Append(&c.ArgFiles)},
		{Names: []string{"--link"}, Aliases: []string{"--xapply"}, Help: "link every group: the n-th values go together, the longest group decides how many jobs, the shorter ones start over",
			Example: "weft --link echo ::: a b c ::: 1 2", Set: cli.True(&c.Link)},
		{Names: []string{"--arg-sep"}, Aliases: []string{"--argsep"}, Arg: cli.Required, Value: "SEP", Help: "use SEP instead of ::: (and SEP+ instead of :::+)",
			Example: "weft --arg-sep ,, echo ,, a b", Set: setSep(&c.ArgSep)},
		{Names: []string{"--arg-file-sep"}, Aliases: []string{"--argfilesep"}, Arg: cli.Required, Value: "SEP", Help: "use SEP instead of :::: (and SEP+ instead of ::::+)",
			Example: "weft --arg-file-sep %% cat %% a.txt", Set: setSep(&c.ArgFileSep)},
		{Syntax: "(none of the above)", Help: "the lines of stdin", Example: "ls *.log | weft gzip"},
		{Names: []string{"-E"}, Arg: cli.Required, Value: "EOF", Help: "a record equal to EOF ends its input: it and the rest are not read",
			Example: "weft -E stop echo ::: a b stop c", Set: cli.String(&c.EOF)},
		{Names: []string{"-e", "--eof"}, Arg: cli.Optional, Value: "EOF", Help: "like -E, with EOF glued (-eEOF, --eof=EOF); without it, refused, as GNU parallel would take the next word",
			Example: "weft --eof=stop echo ::: a stop b", Set: c.setEOF},
		{Names: []string{"--shuf"}, Help: "run the jobs in a random order (every input is read first); {#} numbers them in that order",
			Example: "weft --shuf 'echo {}' ::: a b c ::: 1 2", Set: cli.True(&c.Shuf)},
		{Names: []string{"-r", "--no-run-if-empty"}, Aliases: []string{"--norunifempty"}, Help: "skip records that are empty or only white space",
			Example: "(echo 1; echo; echo 2) | weft -r echo", Set: cli.True(&c.SkipEmpty)},
		{Names: []string{"-0", "--null"}, Help: "records end with NUL instead of newline",
			Example: "find . -print0 | weft -0 'du -s {}'", Set: func(string, string) error { c.Sep = "\x00"; return nil }},
		{Names: []string{"-d", "--delimiter"}, Arg: cli.Required, Value: "D", Help: `records end with D (\n, \t and \0 understood)`,
			Example: "printf 'a,b,c' | weft -d , echo", Set: c.setDelim},
		{Names: []string{"-C", "--colsep"}, Arg: cli.Required, Value: "REGEX", Help: "split each record into columns {1} {2} ...",
			Example: "weft --colsep , 'echo {2} {1}' :::: pairs.csv", Set: c.setColsep},
		{Names: []string{"--trim"}, Arg: cli.Required, Value: "l|r|lr|rl|n", Help: "take the blanks off each input where it is replaced in the command: l at its start, r at its end, lr or rl both, n none (the default: n, but lr with --colsep); --tag shows it untrimmed",
			Example: "weft --trim lr 'echo [{}]' ::: '  a  '", Set: c.setTrim},
	}}
}

// replacementStrings documents the replacement strings of a command
// template (see the cmdline package).
func replacementStrings(c *Config) cli.Section {
	return cli.Section{Title: "Replacement strings", Intro: "values are shell-quoted: an input is data, never code", Options: []cli.Option{
		{Syntax: "{}", Help: "the input", Example: "weft 'cp {} /backup/' ::: a.txt"},
		{Syntax: "{.}", Help: "the input without its extension", Example: "weft 'convert {} {.}.png' ::: x.jpg"},
		{Syntax: "{/}", Help: "its base name", Example: "weft 'echo {/}' ::: /tmp/x.txt"},
		{Syntax: "{//}", Help: "its directory", Example: "weft 'echo {//}' ::: /tmp/x.txt"},
		{Syntax: "{/.}", Help: "its base name without extension", Example: "weft 'echo {/.}' ::: /tmp/x.txt"},
		{Syntax: "{#}", Help: "the job number, from 1", Example: "weft 'echo {#}: {}' ::: a b"},
		{Syntax: "{%}", Help: "the job slot, 1 to -j", Example: "weft -j 2 'echo slot {%}' ::: a b c"},
		{Syntax: "{n}", Help: "the n-th group or column, with the same modifiers ({2/.}); {-n} counts from the last", Example: "weft 'echo {1}-{2} {-1}' ::: a b ::: 1 2"},
		{Syntax: "{= perl =}", Help: "$_ is the input; what the perl expression leaves in $_ is the value (Q, uq, skip, seq, slot, total_jobs, @arg, $job as in GNU parallel); one perl process for the whole run", Example: "weft echo '{= s/a/b/ =}' ::: abc"},
		{Syntax: "{=n perl =}", Help: "the same on the n-th group or column", Example: "weft echo '{=2 $_=uc =}' ::: a ::: b"},
		{Names: []string{"-I"}, Arg: cli.Required, Value: "STR", Help: "spell {} as STR (then {} and {n} are plain text)",
			Example: "weft -I ,, 'mv ,, ,,.bak' ::: a b", Set: c.rename("{}")},
		{Names: []string{"--extensionreplace", "--er"}, Arg: cli.Required, Value: "STR", Help: "spell {.} as STR",
			Example: "weft --er ,, 'echo ,,' ::: a.txt", Set: c.rename("{.}")},
		{Names: []string{"--basenamereplace", "--bnr"}, Arg: cli.Required, Value: "STR", Help: "spell {/} as STR",
			Example: "weft --bnr ,, 'echo ,,' ::: d/a.txt", Set: c.rename("{/}")},
		{Names: []string{"--dirnamereplace", "--dnr"}, Arg: cli.Required, Value: "STR", Help: "spell {//} as STR",
			Example: "weft --dnr ,, 'echo ,,' ::: d/a.txt", Set: c.rename("{//}")},
		{Names: []string{"--basenameextensionreplace", "--bner"}, Arg: cli.Required, Value: "STR", Help: "spell {/.} as STR",
			Example: "weft --bner ,, 'echo ,,' ::: d/a.txt", Set: c.rename("{/.}")},
		{Names: []string{"--seqreplace"}, Arg: cli.Required, Value: "STR", Help: "spell {#} as STR",
			Example: "weft --seqreplace ,, 'echo ,,' ::: a b", Set: c.rename("{#}")},
		{Names: []string{"--slotreplace"}, Arg: cli.Required, Value: "STR", Help: "spell {%} as STR",
			Example: "weft --slotreplace ,, 'echo ,,' ::: a b", Set: c.rename("{%}")},
		{Names: []string{"--rpl"}, Arg: cli.Required, Value: "'TAG PERL'", Repeats: true, Help: "define the replacement string TAG as the perl expression PERL ({2TAG} for the 2nd input)",
			Example: `weft --rpl '{..} s:\.[^.]+$::;s:\.[^.]+$::' echo {..} ::: a.tar.gz`, Set: cli.Append(&c.Rpl)},
		{Names: []string{"--parens"}, Arg: cli.Required, Value: "LR", Help: "the left and right delimiters of perl expressions, one string of even length (default {==})",
			Example: "weft --parens ,,,, echo ',, $_=uc ,,' ::: a", Set: cli.String(&c.Parens)},
		{Names: []string{"--plus"}, Help: "GNU parallel's further replacement strings: {..} {...} {/..} {/...} (two or three extensions off), {+/} {+.} {+..} {+...} (what those take off), {##} (the number of jobs), {0#} (the job number, zero-padded), {choose_k} {uniq}, and the shell's ${x...} forms {:-default} {:start} {:start:length} {#re} {##re} {%re} {%%re} {/re/to} {/#re/to} {/%re/to} {//re/to} {^re} {^^re} {,re} {,,re} (re is a perl regexp); each also as {n...} for the n-th input; perl runs them",
			Example: "weft --plus 'tar xf {} -C {..}' ::: a.tar.gz", Set: cli.True(&c.Plus)},
		{Names: []string{"-q", "--quote"}, Help: "quote each word of the command, so that it runs as written, not read by the shell; the inputs in a word are quoted with it",
			Example: `weft -q perl -e 'print "@ARGV\n"' ::: a b`, Set: cli.True(&c.Quote)},
	}, Text: "A command without replacement strings gets the input appended. With no command at all, each input is itself the command line to run."}
}
