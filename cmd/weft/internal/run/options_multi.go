package run

import (
	"strconv"

	"github.com/weft-dev/weft/cmd/weft/internal/cli"
)

// multiOptions: several inputs per job, and the length of a command line.
func multiOptions(c *Config) cli.Section {
	a := &c.Args
	return cli.Section{Title: "Several inputs per job", Intro: "a job may take several inputs (records, or combinations of the ::: groups); {} is all of them, {1} {2} ... each one", Options: []cli.Option{
		{Names: []string{"-n", "--max-args"}, Aliases: []string{"--maxargs"}, Arg: cli.Required, Value: "N",
			Help:    "at most N inputs per job (-n0: one input per job, given to it as none)",
			Example: "weft -n 2 echo ::: a b c", Set: a.setMaxArgs},
		{Syntax: "-N N (without --pipe)", Help: "N inputs per job, and the word around {} is repeated for each; {1} to {N} are the inputs, empty past the last (-N0: as -n0)",
			Example: "weft -N3 echo 1={1} 2={2} 3={3} ::: A B C D"},
		{Syntax: "-L N, -l[N] (without --pipe)", Help: "N lines (inputs) per job, as -N; a line ending in a blank goes on in the next",
			Example: "printf 'a \\nb\\nc\\n' | weft -L1 echo"},
		{Names: []string{"-m"}, Help: "as many inputs per job as fit on the command line, {} all of them; at the end of the input the last ones are spread over the job slots",
			Example: "seq 1000 | weft -j 4 -m echo", Set: cli.True(&a.M)},
		{Names: []string{"-X"}, Help: "as -m, with the word around {} repeated for each input",
			Example: "weft -X echo pre-{}-post ::: A B C", Set: cli.True(&a.X)},
		{Names: []string{"--xargs"}, Help: "as many inputs per job as fit on the command line, as xargs does (as -m, without spreading)",
			Example: "seq 30000 | weft --xargs echo | wc -l", Set: cli.True(&a.Xargs)},
		{Names: []string{"-s", "--max-chars"}, Aliases: []string{"--maxchars"}, Arg: cli.Required, Value: "N",
			Help:    "command lines shorter than N characters (at most the machine's limit, see --max-line-length-allowed); a single input too long for one stops the run",
			Example: "seq 30000 | weft --xargs -s 10000 echo | wc -l", Set: a.setMaxChars},
		{Names: []string{"-x", "--exit"}, Help: "stop the run at an input too long for a command line, with exit status 255 (weft always does)",
			Example: "weft -x -m echo :::: list", Set: cli.True(&a.Exit)},
		{Names: []string{"--max-line-length-allowed"}, Aliases: []string{"--maxlinelengthallowed"}, Help: "print the longest command line exec takes here, as GNU parallel finds it (weft builds them at most (that - 3000) / 2 long), and exit",
			Example: "weft --max-line-length-allowed", Set: cli.True(&a.ShowLimit)},
	}}
}

func (a *ArgsPerJob) setMaxArgs(name, v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return cli.BadValue(name, v, "a number of inputs >= 0")
	}
	a.MaxArgs, a.MaxArgsSet = n, true
	return nil
}

func (a *ArgsPerJob) setMaxChars(name, v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return cli.BadValue(name, v, "a number of characters >= 0 (0: the machine's limit)")
	}
	a.MaxChars = n
	return nil
}
