package main

// controlCompatCases are the profiles, $PARALLEL, -j FILE, the machine's
// limits, --nice, --termseq, --delay's units, --retry-failed and the CPU
// counts, run through weft and GNU parallel 20221122 alike. The harness
// sets $HOME to the case's directory: the files ".parallel/NAME" are its
// profiles.
func controlCompatCases() []compatCase {
	const header = "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n"
	failedLog := map[string]string{"log": header +
		"1\t:\t1700000000.000\t0.001\t0\t2\t0\t0\techo a\n" +
		"2\t:\t1700000000.000\t0.001\t0\t2\t1\t0\techo b; exit 1\n" +
		"3\t:\t1700000000.000\t0.001\t0\t0\t3\t0\texit 3\n" +
		"4\t:\t1700000000.000\t0.001\t0\t2\t0\t0\techo d\n"}
	perlSignals := `perl -e '$|=1; $SIG{INT} = sub { print "Got INT\n" }; $SIG{TERM} = sub { print "Got TERM\n" }; sleep 1 while 1'`
	return []compatCase{
		// ~/.parallel/config, profiles (-J, --profile) and $PARALLEL: read
		// before the command line, one or more options a line, shell words,
		// # comment lines; the words from the first that is not an option
		// go before the command.
		{args: []string{"echo", ":::", "3", "2", "1"}, files: map[string]string{".parallel/config": "-k\n"}, ordered: true},
		{args: []string{"--plain", "-k", "echo", ":::", "a", "b"}, files: map[string]string{".parallel/config": "--tag\n"}, ordered: true},
		{args: []string{"-J", "nicetimeout", "-k", "echo {} $(nice)", ":::", "A", "B", "C"},
			// The tutorial's profile also has --timeout 300%, which with jobs
			// this quick stops some of GNU parallel's and not others: a race,
			// left out here (the tutorial check runs it as written).
			files: map[string]string{".parallel/nicetimeout": "--nice 17\n--tag\n"}, ordered: true},
		{args: []string{"--profile", "lead", "-J", "tagged", "echo", ":::", "a", "b"},
			files: map[string]string{".parallel/lead": "# keep the order\n  -k\necho pre\n", ".parallel/tagged": "--tag\n"}, ordered: true},
		{args: []string{"-J", "tagged", "-J", "keep", "echo", ":::", "a", "b"},
			files: map[string]string{".parallel/tagged": "--tag", ".parallel/keep": "-k --colsep ' '\n"}, ordered: true},
		{args: []string{"-J", "./here", "echo {2}", ":::", "a b", "c d"}, files: map[string]string{"here": "-k --colsep ' '\n"}, ordered: true},
		{args: []string{"echo", ":::", "a", "b"}, env: []string{"PARALLEL=-k --tag"}, ordered: true},
		{args: []string{"echo {2}", ":::", "x y", "p q"}, env: []string{`PARALLEL=-k --colsep " "`}, ordered: true},
		{args: []string{"-j", "1", ":::", "a", "b"}, env: []string{"PARALLEL=-k echo pre"}, files: map[string]string{".parallel/config": "--tag\n"}, ordered: true},
		// -j FILE: the number of jobs in a file.
		{args: []string{"-k", "-j", "procs", "echo {%}", ":::", "a", "b", "c"}, files: map[string]string{"procs": "1\n"}, ordered: true},
		{args: []string{"-k", "-j", "procs", "echo", ":::", "a", "b", "c"}, files: map[string]string{"procs": "50%\n"}, ordered: true},
		{args: []string{"-j", "procs", "sleep 0.{}; echo {}", ":::", "3", "1", "2"}, files: map[string]string{"procs": "+1\n"}},
		// --load, --memfree, --noswap: limits this machine is far from.
		{args: []string{"-k", "--load", "1000", "echo", ":::", "a", "b"}, ordered: true},
		{args: []string{"-k", "--load", "10000%", "echo", ":::", "a", "b"}, ordered: true},
		{args: []string{"-k", "--load", "maxload", "echo", ":::", "a", "b"}, files: map[string]string{"maxload": "+1000\n"}, ordered: true},
		{args: []string{"-k", "--memfree", "1M", "echo", ":::", "a", "b"}, ordered: true},
		{args: []string{"-k", "--memfree", "100k", "echo", ":::", "a", "b"}, ordered: true},
		{args: []string{"-k", "--memfree", "1Mi", "-j", "1", "echo {%}", ":::", "a", "b"}, ordered: true},
		{args: []string{"-k", "--noswap", "echo", ":::", "a", "b"}, ordered: true},
		{args: []string{"--noswap", "exit {}", ":::", "0", "1"}},
		{args: []string{"-k", "--noswap", "--load", "1000", "--memfree", "1k", "echo", ":::", "a"}, ordered: true},
		// --nice: the job and what it starts.
		{args: []string{"-k", "--nice", "17", "echo {} $(nice)", ":::", "a", "b"}, ordered: true},
		{args: []string{"-k", "--nice", "5", "sh -c nice", ":::", "a"}, ordered: true},
		{args: []string{"-k", "--nice", "0", "nice", ":::", "a"}, ordered: true},
		// --termseq: the signals at --timeout.
		{args: []string{"-k", "--timeout", "0.5", "--termseq", "TERM,200,TERM,100,KILL,25", "sleep {}; echo {}", ":::", "0", "3"}, ordered: true},
		{args: []string{"--joblog", "log", "--timeout", "0.3", "--termseq", "INT,100,KILL,25", "sleep 3", ":::", "a"}, joblog: true},
		{args: []string{"-u", "--timeout", "0.5", "--termseq", "INT,200,TERM,100,KILL,25", perlSignals, ":::", "a"}, ordered: true},
		{args: []string{"-u", "--timeout", "0.3", "--termseq", "KILL,25", "echo start; sleep 3; echo never", ":::", "a"}, ordered: true},
		// --delay with GNU parallel's units.
		{args: []string{"-k", "--delay", "0.05s", "echo", ":::", "a", "b"}, ordered: true},
		{args: []string{"-k", "--delay", "0.001m", "echo", ":::", "a", "b"}, ordered: true},
		{args: []string{"-k", "--delay", "0s", "echo", ":::", "a", "b"}, ordered: true},
		// --retry-failed: the failed jobs of the joblog, by its commands.
		{args: []string{"-k", "--retry-failed", "--joblog", "log"}, files: failedLog, ordered: true, joblog: true},
		{args: []string{"--retry-failed", "--joblog", "log"}, files: failedLog, joblog: true},
		{args: []string{"-k", "--retry-failed", "--joblog", "log"}, files: map[string]string{"log": header +
			"1\t:\t1700000000.000\t0.001\t0\t2\t0\t0\techo a\n"}, ordered: true, joblog: true},
		// --no-notice is accepted, and does nothing.
		{args: []string{"-k", "--no-notice", "echo", ":::", "a"}, ordered: true},
		// The CPU counts, and what -j N% counts with them.
		{args: []string{"--number-of-cpus"}, ordered: true},
		{args: []string{"--number-of-cores"}, ordered: true},
		{args: []string{"--number-of-sockets"}, ordered: true},
		{args: []string{"--number-of-threads"}, ordered: true},
		{args: []string{"--number-of-cores", "echo", ":::", "a"}, ordered: true},
		{args: []string{"-k", "-j", "100%", "--use-sockets-instead-of-threads", "echo {%}", ":::", "a", "b", "c"}, ordered: true},
		{args: []string{"-k", "--use-cores-instead-of-threads", "echo", ":::", "a", "b"}, ordered: true},
		{args: []string{"-k", "--use-cpus-instead-of-cores", "echo", ":::", "a", "b"}, ordered: true},
	}
}
