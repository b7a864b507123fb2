package run

import "github.com/weft-dev/weft/cmd/weft/internal/cli"

// outputOptions: how the jobs' output is printed and recorded.
func outputOptions(c *Config) cli.Section {
	return cli.Section{Title: "Output", Options: []cli.Option{
		{Syntax: "(default)", Help: "each job's output is printed whole when it ends, never mixed with another job's; large output goes to a temporary file, not memory"},
		{Names: []string{"-k", "--keep-order"}, Aliases: []string{"--keeporder"}, Help: "print in input order",
			Example: "weft -k 'sleep {}; echo {}' ::: 3 1 2", Set: cli.True(&c.Keep)},
		{Names: []string{"--no-keep-order"}, Aliases: []string{"--nok", "--no-k", "--nokeeporder"}, Help: "print each job's output when it ends (the default)",
			Example: "weft --no-keep-order ...", Set: func(string, string) error { c.Keep = false; return nil }},
		{Names: []string{"--line-buffer", "--lb"}, Aliases: []string{"--line-buffered", "--linebuffer", "--linebuffered"}, Help: "print whole lines as soon as they come",
			Example: "weft --lb 'ping -c 3 {}' ::: a b", Set: cli.True(&c.LineBuffer)},
		{Names: []string{"--group"}, Help: "print each job's output whole (the default)",
			Example: "weft --group ...", Set: func(string, string) error { c.Ungroup, c.LineBuffer = false, false; return nil }},
		{Names: []string{"--silent"}, Help: "print no command before its output (the default)",
			Example: "weft --silent ...", Set: cli.Ignore},
		{Names: []string{"-u", "--ungroup"}, Help: "print output as it comes (lines may mix)",
			Example: "weft -u 'long-job {}' ::: a b", Set: cli.True(&c.Ungroup)},
		{Names: []string{"--tag"}, Help: "prefix each line with the input and a tab",
			Example: "weft --tag 'wc -l {}' ::: *.txt", Set: cli.True(&c.Tag)},
		{Names: []string{"--joblog"}, Aliases: []string{"--jl"}, Arg: cli.Required, Value: "FILE", Help: "record each finished job in GNU parallel's format",
			Example: "weft --joblog jobs.tsv 'make {}' ::: a b", Set: c.setJoblog},
		{Names: []string{"--resume"}, Help: "with --joblog: skip the jobs the log already has",
			Example: "weft --joblog jobs.tsv --resume 'make {}' ::: a b", Set: cli.True(&c.Resume)},
		{Names: []string{"--resume-failed"}, Aliases: []string{"--resumefailed"}, Help: "with --joblog: also run again the jobs that failed",
			Example: "weft --joblog jobs.tsv --resume-failed ...", Set: cli.True(&c.ResumeFailed)},
		{Names: []string{"--dry-run"}, Aliases: []string{"--dryrun", "--dr"}, Help: "print the commands instead of running them",
			Example: "weft --dry-run 'rm {}' ::: a b", Set: cli.True(&c.DryRun)},
		{Names: []string{"--bar"}, Help: "show progress on stderr (when it is a terminal)",
			Example: "weft --bar 'gzip {}' ::: *.log", Set: cli.True(&c.Bar)},
		{Names: []string{"--eta"}, Help: "show progress with the estimated time left",
			Example: "weft --eta ...", Set: cli.True(&c.Eta)},
	}}
}
