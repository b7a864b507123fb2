package run

import "github.com/weft-dev/weft/cmd/weft/internal/cli"

// controlOptions: where options come from besides the command line, what
// the machine must have free before a job starts, how a job is run and
// stopped, and how weft counts the CPUs.
func controlOptions(c *Config) cli.Section {
	return cli.Section{Title: "Profiles, limits and control", Options: []cli.Option{
		{Names: []string{"-J", "--profile"}, Arg: cli.Required, Value: "NAME", Repeats: true,
			Help:    "read options from the profile NAME (~/.parallel/NAME; ./NAME or /NAME: that file) instead of the configuration files (~/.parallel/config, /etc/parallel/config, ~/.parallelrc); profiles and $PARALLEL are read before the command line, one or more options a line, shell-quoted, # starts a comment line",
			Example: "echo '--nice 17' > ~/.parallel/nice; weft -J nice ...", Set: cli.Append(&c.Profiles)},
		{Names: []string{"--plain"}, Help: "read no configuration file, profile or $PARALLEL",
			Example: "PARALLEL=-k weft --plain ...", Set: cli.True(&c.Plain)},
		{Names: []string{"--load"}, Arg: cli.Required, Value: "MAX",
			Help:    "start a job only while the load (processes running or waiting for the disk now, from /proc/stat) is below MAX; N% of the CPUs, +N or -N more or fewer than them; a FILE holding MAX, read again when it changes (Linux only)",
			Example: "weft --load 80% ...", Set: c.setLoad},
		{Names: []string{"--memfree"}, Arg: cli.Required, Value: "SIZE",
			Help:    "start a job only while more than SIZE of memory is free (MemFree, Buffers, Cached and SwapCached of /proc/meminfo); SIZE with k, m, g, t (1000s) or K, M, G, T (1024s); below half of SIZE the youngest job is killed and run again later (Linux only)",
			Example: "weft --memfree 1G ...", Set: c.setMemfree},
		{Names: []string{"--noswap"}, Help: "start no job while the machine swaps both in and out (/proc/vmstat, over a second; Linux only)",
			Example: "weft --noswap ...", Set: cli.True(&c.Limits.Noswap)},
		{Names: []string{"--nice"}, Arg: cli.Required, Value: "N", Help: "run the jobs at niceness N (nice -n N; -20 to 19)",
			Example: "weft --nice 17 'make {}' ::: a b", Set: c.setNice},
		{Names: []string{"--termseq"}, Aliases: []string{"--term-seq"}, Arg: cli.Required, Value: "SEQ",
			Help:    "the signals sent to stop a job (at --timeout, --halt now, SIGINT or SIGTERM), with the milliseconds to wait after each: SIG,MS,SIG,MS,...; SIGKILL follows if the job is still running after the last wait (default TERM,G,KILL,25 with G the --grace period; not with --grace)",
			Example: "weft --timeout 10s --termseq INT,200,TERM,100,KILL,25 ...", Set: c.setTermseq},
		{Names: []string{"--retry-failed"}, Aliases: []string{"--retryfailed"},
			Help:    "run again, with --joblog FILE, the jobs that failed in FILE, as FILE records their command lines (no command or input is given)",
			Example: "weft --retry-failed --joblog log", Set: cli.True(&c.RetryFailed)},
		{Names: []string{"--number-of-cpus"}, Help: "print the number of CPU cores, as GNU parallel 20221122 does (the same as --number-of-cores), and exit",
			Example: "weft --number-of-cpus", Set: c.count("cores")},
		{Names: []string{"--number-of-cores"}, Help: "print the number of CPU cores this process may use, and exit",
			Example: "weft --number-of-cores", Set: c.count("cores")},
		{Names: []string{"--number-of-sockets"}, Help: "print the number of CPU sockets this process may use, and exit",
			Example: "weft --number-of-sockets", Set: c.count("sockets")},
		{Names: []string{"--number-of-threads"}, Help: "print the number of CPU threads this process may use, and exit",
			Example: "weft --number-of-threads", Set: c.count("threads")},
		{Names: []string{"--use-cores-instead-of-threads"}, Help: "count the CPU cores, not their threads, for -j N% and the like and --load",
			Example: "weft --use-cores-instead-of-threads -j 100% ...", Set: c.countBy("cores")},
		{Names: []string{"--use-sockets-instead-of-threads"}, Help: "count the CPU sockets, not the threads, for -j N% and the like and --load",
			Example: "weft --use-sockets-instead-of-threads -j 100% ...", Set: c.countBy("sockets")},
		{Names: []string{"--use-cpus-instead-of-cores"}, Help: "accepted as GNU parallel 20221122 does: on this machine it changes nothing (the threads are counted)",
			Example: "weft --use-cpus-instead-of-cores -j 100% ...", Set: cli.Ignore},
	}}
}
