package run

import "github.com/weft-dev/weft/cmd/weft/internal/cli"

// inputOptions: where the inputs come from, and how they are cut.
func inputOptions(c *Config) cli.Section {
	return cli.Section{Title: "Inputs", Intro: "one job per input; several ::: or :::: groups give every combination, the last group varying fastest", Options: []cli.Option{
		{Syntax: "::: a b c", Help: "the values a, b and c", Example: "weft echo ::: a b c"},
		{Syntax: ":::: FILE", Help: "the lines of FILE (- for stdin)", Example: "weft 'wc -l' :::: files.txt"},
		{Names: []string{"-a", "--arg-file"}, Arg: cli.Required, Value: "FILE", Repeats: true,
			Help: "the lines of FILE, like :::: FILE", Example: "weft -a urls.txt 'curl -sO {}'", Set: cli.Append(&c.ArgFiles)},
		{Syntax: "(none of the above)", Help: "the lines of stdin", Example: "ls *.log | weft gzip"},
		{Names: []string{"-0", "--null"}, Help: "records end with NUL instead of newline",
			Example: "find . -print0 | weft -0 'du -s {}'", Set: func(string, string) error { c.Sep = "\x00"; return nil }},
		{Names: []string{"-d", "--delimiter"}, Arg: cli.Required, Value: "D", Help: `records end with D (\n, \t and \0 understood)`,
			Example: "printf 'a,b,c' | weft -d , echo", Set: c.setDelim},
		{Names: []string{"-C", "--colsep"}, Arg: cli.Required, Value: "REGEX", Help: "split each record into columns {1} {2} ...",
			Example: "weft --colsep , 'echo {2} {1}' :::: pairs.csv", Set: c.setColsep},
	}}
}

// replacementStrings documents the replacement strings of a command
// template (see the cmdline package).
func replacementStrings() cli.Section {
	return cli.Section{Title: "Replacement strings", Intro: "values are shell-quoted: an input is data, never code", Options: []cli.Option{
		{Syntax: "{}", Help: "the input", Example: "weft 'cp {} /backup/' ::: a.txt"},
		{Syntax: "{.}", Help: "the input without its extension", Example: "weft 'convert {} {.}.png' ::: x.jpg"},
		{Syntax: "{/}", Help: "its base name", Example: "weft 'echo {/}' ::: /tmp/x.txt"},
		{Syntax: "{//}", Help: "its directory", Example: "weft 'echo {//}' ::: /tmp/x.txt"},
		{Syntax: "{/.}", Help: "its base name without extension", Example: "weft 'echo {/.}' ::: /tmp/x.txt"},
		{Syntax: "{#}", Help: "the job number, from 1", Example: "weft 'echo {#}: {}' ::: a b"},
		{Syntax: "{%}", Help: "the job slot, 1 to -j", Example: "weft -j 2 'echo slot {%}' ::: a b c"},
		{Syntax: "{n}", Help: "the n-th group or column, with the same modifiers ({2/.})", Example: "weft 'echo {1}-{2}' ::: a b ::: 1 2"},
	}, Text: "A command without replacement strings gets the input appended. With no command at all, each input is itself the command line to run."}
}
