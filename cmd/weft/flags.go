package main

import (
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/weft-dev/weft/cmd/weft/internal/cli"
	"github.com/weft-dev/weft/cmd/weft/internal/input"
)

type haltPolicy struct {
	now     bool // kill running jobs (else let them finish)
	success bool // count successes (else failures)
	count   int  // halt when this many have happened, or
	percent float64
}

type options struct {
	jobs         int
	keep         bool
	argFiles     []string
	sep          string // record separator
	colsep       *regexp.Regexp
	timeout      time.Duration
	grace        time.Duration
	tries        int
	retryDelay   time.Duration
	halt         *haltPolicy
	rate         float64 // job starts per second; 0 for no limit
	delay        time.Duration
	tag          bool
	ungroup      bool
	lineBuffer   bool
	joblog       string
	resume       bool
	resumeFailed bool
	dryRun       bool
	bar          bool
	eta          bool
	command      string
	groups       []input.Source // ::: and :::: groups and -a files, in order

	nats   string // submit to the workers behind this NATS URL instead of running here
	stream string // the JetStream stream the jobs go through
	runID  string // names the run, to collect it again after a restart
}

func defaultOptions() *options {
	return &options{jobs: runtime.NumCPU(), sep: "\n", tries: 1, grace: 2 * time.Second, stream: defaultStream}
}

// runSections declares the options of a run, bound to o.
func runSections(o *options) []cli.Section {
	return []cli.Section{
		{Title: "Inputs", Intro: "one job per input; several ::: or :::: groups give every combination, the last group varying fastest", Options: []cli.Option{
			{Syntax: "::: a b c", Help: "the values a, b and c", Example: "weft echo ::: a b c"},
			{Syntax: ":::: FILE", Help: "the lines of FILE (- for stdin)", Example: "weft 'wc -l' :::: files.txt"},
			{Names: []string{"-a", "--arg-file"}, Arg: cli.Required, Value: "FILE", Repeats: true,
				Help: "the lines of FILE, like :::: FILE", Example: "weft -a urls.txt 'curl -sO {}'", Set: cli.Append(&o.argFiles)},
			{Syntax: "(none of the above)", Help: "the lines of stdin", Example: "ls *.log | weft gzip"},
			{Names: []string{"-0", "--null"}, Help: "records end with NUL instead of newline",
				Example: "find . -print0 | weft -0 'du -s {}'", Set: func(string, string) error { o.sep = "\x00"; return nil }},
			{Names: []string{"-d", "--delimiter"}, Arg: cli.Required, Value: "D", Help: `records end with D (\n, \t and \0 understood)`,
				Example: "printf 'a,b,c' | weft -d , echo", Set: o.setDelim},
			{Names: []string{"-C", "--colsep"}, Arg: cli.Required, Value: "REGEX", Help: "split each record into columns {1} {2} ...",
				Example: "weft --colsep , 'echo {2} {1}' :::: pairs.csv", Set: o.setColsep},
		}},
		{Title: "Replacement strings", Intro: "values are shell-quoted: an input is data, never code", Options: []cli.Option{
			{Syntax: "{}", Help: "the input", Example: "weft 'cp {} /backup/' ::: a.txt"},
			{Syntax: "{.}", Help: "the input without its extension", Example: "weft 'convert {} {.}.png' ::: x.jpg"},
			{Syntax: "{/}", Help: "its base name", Example: "weft 'echo {/}' ::: /tmp/x.txt"},
			{Syntax: "{//}", Help: "its directory", Example: "weft 'echo {//}' ::: /tmp/x.txt"},
			{Syntax: "{/.}", Help: "its base name without extension", Example: "weft 'echo {/.}' ::: /tmp/x.txt"},
			{Syntax: "{#}", Help: "the job number, from 1", Example: "weft 'echo {#}: {}' ::: a b"},
			{Syntax: "{%}", Help: "the job slot, 1 to -j", Example: "weft -j 2 'echo slot {%}' ::: a b c"},
			{Syntax: "{n}", Help: "the n-th group or column, with the same modifiers ({2/.})", Example: "weft 'echo {1}-{2}' ::: a b ::: 1 2"},
		}, Text: "A command without replacement strings gets the input appended. With no command at all, each input is itself the command line to run."},
		{Title: "Running", Options: []cli.Option{
			{Names: []string{"-j", "--jobs"}, Aliases: []string{"-P"}, Arg: cli.Required, Value: "N",
				Help:    "run N jobs at once (default: the number of CPUs); N% of the CPUs; 0 for as many as possible",
				Example: "weft -j 8 ... ; weft -j 50% ... ; weft -j 0 ...", Set: o.setJobs},
			{Names: []string{"--timeout"}, Arg: cli.Required, Value: "D",
				Help:    "stop a job after D: SIGTERM to its process group, SIGKILL after the grace period (D: 30s, 1.5, 2m, 1d)",
				Example: "weft --timeout 10s 'curl {}' ::: $URLS", Set: cli.Duration(&o.timeout)},
			{Names: []string{"--grace"}, Arg: cli.Required, Value: "D", Help: "grace period between SIGTERM and SIGKILL (default 2s)",
				Example: "weft --timeout 1m --grace 5s ...", Set: cli.Duration(&o.grace)},
			{Names: []string{"--retries"}, Arg: cli.Required, Value: "N", Help: "run a failing job up to N times in all",
				Example: "weft --retries 3 'flaky {}' ::: a b", Set: o.setRetries},
			{Names: []string{"--retry-delay"}, Arg: cli.Required, Value: "D", Help: "wait D between tries",
				Example: "weft --retries 3 --retry-delay 1s ...", Set: cli.Duration(&o.retryDelay)},
			{Names: []string{"--halt"}, Aliases: []string{"--halt-on-error"}, Arg: cli.Required, Value: "POLICY",
				Help:    "never (default); soon,fail=N: start no new job after N failures; now,fail=N: also stop the running ones; fail=P% and success=N likewise",
				Example: "weft --halt now,fail=1 'test {}' ::: a b c", Set: o.setHalt},
			{Names: []string{"--rate"}, Arg: cli.Required, Value: "N/s", Help: "start at most N jobs per second (also N/m, N/h)",
				Example: "weft --rate 5/s 'curl {}' :::: urls.txt", Set: o.setRate},
			{Names: []string{"--delay"}, Arg: cli.Required, Value: "D", Help: "wait D between job starts",
				Example: "weft --delay 200ms ...", Set: cli.Duration(&o.delay)},
			{Names: []string{"--will-cite"}, Hidden: true, Set: cli.Ignore},
		}},
		{Title: "Output", Options: []cli.Option{
			{Syntax: "(default)", Help: "each job's output is printed whole when it ends, never mixed with another job's; large output goes to a temporary file, not memory"},
			{Names: []string{"-k", "--keep-order"}, Help: "print in input order",
				Example: "weft -k 'sleep {}; echo {}' ::: 3 1 2", Set: cli.True(&o.keep)},
			{Names: []string{"--line-buffer", "--lb"}, Help: "print whole lines as soon as they come",
				Example: "weft --lb 'ping -c 3 {}' ::: a b", Set: cli.True(&o.lineBuffer)},
			{Names: []string{"-u", "--ungroup"}, Help: "print output as it comes (lines may mix)",
				Example: "weft -u 'long-job {}' ::: a b", Set: cli.True(&o.ungroup)},
			{Names: []string{"--tag"}, Help: "prefix each line with the input and a tab",
				Example: "weft --tag 'wc -l {}' ::: *.txt", Set: cli.True(&o.tag)},
			{Names: []string{"--joblog"}, Arg: cli.Required, Value: "FILE", Help: "record each finished job in GNU parallel's format",
				Example: "weft --joblog jobs.tsv 'make {}' ::: a b", Set: cli.String(&o.joblog)},
			{Names: []string{"--resume"}, Help: "with --joblog: skip the jobs the log already has",
				Example: "weft --joblog jobs.tsv --resume 'make {}' ::: a b", Set: cli.True(&o.resume)},
			{Names: []string{"--resume-failed"}, Help: "with --joblog: also run again the jobs that failed",
				Example: "weft --joblog jobs.tsv --resume-failed ...", Set: cli.True(&o.resumeFailed)},
			{Names: []string{"--dry-run"}, Aliases: []string{"--dryrun"}, Help: "print the commands instead of running them",
				Example: "weft --dry-run 'rm {}' ::: a b", Set: cli.True(&o.dryRun)},
			{Names: []string{"--bar"}, Help: "show progress on stderr (when it is a terminal)",
				Example: "weft --bar 'gzip {}' ::: *.log", Set: cli.True(&o.bar)},
			{Names: []string{"--eta"}, Help: "show progress with the estimated time left",
				Example: "weft --eta ...", Set: cli.True(&o.eta)},
		}},
		{Title: "Many machines", Intro: "through NATS JetStream", Options: []cli.Option{
			{Names: []string{"--nats"}, Arg: cli.Required, Value: "URL",
				Help:    `run the jobs on the workers (weft worker) instead of here (also "weft run --nats URL ..."); output, -k, --joblog, --halt, --retries, --timeout and the exit status work as in a local run; -u and --line-buffer do not`,
				Example: "weft --nats nats://127.0.0.1:4222 -k 'make {}' ::: a b", Set: cli.String(&o.nats)},
			{Names: []string{"--stream"}, Arg: cli.Required, Value: "S", Help: "with --nats: the stream to submit to (default weft)",
				Example: "weft --nats $URL --stream builds 'make {}' ::: a b", Set: setName(&o.stream)},
			{Names: []string{"--run-id"}, Arg: cli.Required, Value: "ID",
				Help:    "with --nats: name the run (default: a random ID, printed on stderr); starting the same command with the same ID again (after a crash, or to print it again) collects the results and reruns nothing that finished",
				Example: "weft --nats $URL --run-id nightly 'make {}' ::: a b", Set: setName(&o.runID)},
		}, Text: "Delivery is at least once: a job whose worker dies before reporting it runs again on another worker. Results are kept on the server for 24h."},
	}
}

// validName matches the names a stream or run may have: they become parts of
// NATS subjects and stream names.
var validName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// setName returns a Set that stores a stream or run name in dst.
func setName(dst *string) func(string, string) error {
	return func(flag, v string) error {
		if !validName.MatchString(v) {
			return fmt.Errorf("bad value for %s: %q (want 1 to 64 letters, digits, - or _)", flag, v)
		}
		*dst = v
		return nil
	}
}

// setOperands reads the words after the options: the command (every word up
// to the first ::: or ::::), then the input groups; and checks the options
// against each other.
func (o *options) setOperands(words []string) error {
	command, groups, err := input.SplitOperands(words)
	if err != nil {
		return err
	}
	o.command = strings.Join(command, " ")
	o.groups = groups
	for _, f := range o.argFiles {
		o.groups = append(o.groups, input.Source{File: f, IsFile: true})
	}
	if o.command == "" && len(o.groups) == 0 {
		return errors.New("no command given (see weft --help)")
	}
	if o.resume && o.resumeFailed {
		return errors.New("--resume and --resume-failed cannot be used together")
	}
	if (o.resume || o.resumeFailed) && o.joblog == "" {
		return errors.New("--resume and --resume-failed need --joblog FILE")
	}
	if o.nats == "" && (o.runID != "" || o.stream != defaultStream) {
		return errors.New("--run-id and --stream need --nats URL")
	}
	if o.nats != "" && (o.ungroup || o.lineBuffer) {
		return errors.New("-u and --line-buffer cannot be used with --nats: a remote job's output comes back whole")
	}
	return nil
}

func (o *options) setJobs(flag, v string) error {
	bad := fmt.Errorf("bad value for %s: %q (want N >= 0, or N%% of the CPUs)", flag, v)
	if p, ok := strings.CutSuffix(v, "%"); ok {
		f, err := strconv.ParseFloat(p, 64)
		if err != nil || f <= 0 {
			return bad
		}
		o.jobs = max(1, int(f*float64(runtime.NumCPU())/100))
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return bad
	}
	if n == 0 {
		n = maxJobs // as many as possible
	}
	o.jobs = n
	return nil
}

// maxJobs is -j 0: as many jobs at once as the input has, up to this.
const maxJobs = 1 << 16

func (o *options) setDelim(flag, v string) error {
	switch v {
	case `\n`:
		v = "\n"
	case `\t`:
		v = "\t"
	case `\0`:
		v = "\x00"
	}
	if v == "" {
		return fmt.Errorf("bad value for %s: the delimiter must not be empty", flag)
	}
	o.sep = v
	return nil
}

func (o *options) setColsep(flag, v string) error {
	re, err := regexp.Compile(v)
	if err != nil {
		return fmt.Errorf("bad %s regular expression %q: %v", flag, v, err)
	}
	o.colsep = re
	return nil
}

func (o *options) setRetries(flag, v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return fmt.Errorf("bad value for %s: %q (want a whole number >= 0)", flag, v)
	}
	o.tries = max(n, 1)
	return nil
}

func (o *options) setRate(flag, v string) error {
	num, unit, _ := strings.Cut(v, "/")
	f, err := strconv.ParseFloat(num, 64)
	per := map[string]float64{"": 1, "s": 1, "m": 60, "h": 3600}[unit]
	if err != nil || f <= 0 || per == 0 {
		return fmt.Errorf("bad value for %s: %q (want N/s, N/m or N/h)", flag, v)
	}
	o.rate = f / per
	return nil
}

func (o *options) setHalt(flag, v string) error {
	bad := fmt.Errorf("bad value for %s: %q (want never, or soon|now,fail|success=N|P%%)", flag, v)
	if v == "never" {
		o.halt = nil
		return nil
	}
	h := &haltPolicy{}
	when, cond, ok := strings.Cut(v, ",")
	if !ok {
		when, cond = "soon", v
	}
	switch when {
	case "now":
		h.now = true
	case "soon":
	default:
		return bad
	}
	kind, n, ok := strings.Cut(cond, "=")
	switch kind {
	case "fail":
	case "success":
		h.success = true
	default:
		return bad
	}
	if !ok {
		return bad
	}
	if p, isPct := strings.CutSuffix(n, "%"); isPct {
		f, err := strconv.ParseFloat(p, 64)
		if err != nil || f <= 0 || f > 100 {
			return bad
		}
		h.percent = f
	} else {
		c, err := strconv.Atoi(n)
		if err != nil || c < 1 {
			return bad
		}
		h.count = c
	}
	o.halt = h
	return nil
}
