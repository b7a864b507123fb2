package run

import "github.com/weft-dev/weft/cmd/weft/internal/cli"

// runningOptions: how many jobs, how fast, for how long, how often.
func runningOptions(c *Config) cli.Section {
	return cli.Section{Title: "Running", Options: []cli.Option{
		{Names: []string{"-j", "--jobs"}, Aliases: []string{"-P", "--max-procs"}, Arg: cli.Required, Value: "N",
			Help:    "run N jobs at once (default: the number of CPUs); N% of the CPUs; +N or -N: that many more or fewer than the CPUs; 0 for as many as possible",
			Example: "weft -j 8 ... ; weft -j 50% ... ; weft -j 0 ...", Set: c.setJobs},
		{Names: []string{"--timeout"}, Arg: cli.Required, Value: "D",
			Help:    "stop a job after D: SIGTERM to its process group, SIGKILL after the grace period (D in seconds, or with the units d, h, m and s, as GNU parallel reads it: 30s, 1.5, 2m, 1h30m; not ms, which GNU parallel would read as minutes; or P% of the median run time of the jobs that succeeded so far, checked every second)",
			Example: "weft --timeout 10s 'curl {}' ::: $URLS ; weft --timeout 200% ...", Set: c.setTimeout},
		{Names: []string{"--grace"}, Arg: cli.Required, Value: "D", Help: "grace period between SIGTERM and SIGKILL (default 2s); --termseq replaces both, and is refused with it",
			Example: "weft --timeout 1m --grace 5s ...", Set: c.setGrace},
		{Names: []string{"--retries"}, Arg: cli.Required, Value: "N", Help: "run a failing job up to N times in all",
			Example: "weft --retries 3 'flaky {}' ::: a b", Set: c.setRetries},
		{Names: []string{"--retry-delay"}, Arg: cli.Required, Value: "D", Help: "wait D between tries",
			Example: "weft --retries 3 --retry-delay 1s ...", Set: cli.Duration(&c.RetryDelay)},
		{Names: []string{"--halt"}, Aliases: []string{"--halt-on-error"}, Arg: cli.Required, Value: "POLICY",
			Help:    "never (default); soon,fail=N: start no new job after N failures; now,fail=N: also stop the running ones; fail=P% and success=N likewise",
			Example: "weft --halt now,fail=1 'test {}' ::: a b c", Set: c.setHalt},
		{Names: []string{"--rate"}, Arg: cli.Required, Value: "N/s", Help: "start at most N jobs per second (also N/m, N/h)",
			Example: "weft --rate 5/s 'curl {}' :::: urls.txt", Set: c.setRate},
		{Names: []string{"--delay"}, Arg: cli.Required, Value: "D", Help: "wait D between job starts: seconds (0.2), or with the units s, m, h and d, as GNU parallel reads them (1m30s, 2h, 1.5d)",
			Example: "weft --delay 0.2 ... ; weft --delay 1m30s ...", Set: c.setDelay},
		{Names: []string{"--will-cite"}, Hidden: true, Set: cli.Ignore},
		{Names: []string{"--gnu"}, Hidden: true, Set: cli.Ignore},       // GNU parallel's default
		{Names: []string{"--no-notice"}, Hidden: true, Set: cli.Ignore}, // GNU parallel's citation notice: weft prints none
	}}
}
