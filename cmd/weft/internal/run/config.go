package run

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

// Halt is a --halt policy: when to stop a run early.
type Halt struct {
	Now     bool // kill running jobs (else let them finish)
	Success bool // count successes (else failures)
	Count   int  // halt when this many have happened, or
	Percent float64
}

// Config is what a run was asked to do: the options of the command line,
// or of whatever starts a run. The zero value is not useful; start from
// Defaults.
type Config struct {
	Jobs         int // at once
	Keep         bool
	ArgFiles     []string
	Sep          string // record separator
	Colsep       *regexp.Regexp
	Timeout      time.Duration
	Grace        time.Duration
	Tries        int
	RetryDelay   time.Duration
	Halt         *Halt
	Rate         float64 // job starts per second; 0 for no limit
	Delay        time.Duration
	Tag          bool
	Ungroup      bool
	LineBuffer   bool
	Joblog       string
	Resume       bool
	ResumeFailed bool
	DryRun       bool
	Bar          bool
	Eta          bool
	Command      string         // the command template; "" when the inputs are the commands
	Sources      []input.Source // ::: and :::: groups and -a files, in order
}

// Defaults is the configuration of a run before any option: a job per CPU
// at once, newline-separated records, one try, a grace period of 2s.
func Defaults() *Config {
	return &Config{Jobs: runtime.NumCPU(), Sep: "\n", Tries: 1, Grace: 2 * time.Second}
}

// Sections declares the options of a run, bound to o.
func Sections(o *Config) []cli.Section {
	return []cli.Section{
		{Title: "Inputs", Intro: "one job per input; several ::: or :::: groups give every combination, the last group varying fastest", Options: []cli.Option{
			{Syntax: "::: a b c", Help: "the values a, b and c", Example: "weft echo ::: a b c"},
			{Syntax: ":::: FILE", Help: "the lines of FILE (- for stdin)", Example: "weft 'wc -l' :::: files.txt"},
			{Names: []string{"-a", "--arg-file"}, Arg: cli.Required, Value: "FILE", Repeats: true,
				Help: "the lines of FILE, like :::: FILE", Example: "weft -a urls.txt 'curl -sO {}'", Set: cli.Append(&o.ArgFiles)},
			{Syntax: "(none of the above)", Help: "the lines of stdin", Example: "ls *.log | weft gzip"},
			{Names: []string{"-0", "--null"}, Help: "records end with NUL instead of newline",
				Example: "find . -print0 | weft -0 'du -s {}'", Set: func(string, string) error { o.Sep = "\x00"; return nil }},
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
				Example: "weft --timeout 10s 'curl {}' ::: $URLS", Set: cli.Duration(&o.Timeout)},
			{Names: []string{"--grace"}, Arg: cli.Required, Value: "D", Help: "grace period between SIGTERM and SIGKILL (default 2s)",
				Example: "weft --timeout 1m --grace 5s ...", Set: cli.Duration(&o.Grace)},
			{Names: []string{"--retries"}, Arg: cli.Required, Value: "N", Help: "run a failing job up to N times in all",
				Example: "weft --retries 3 'flaky {}' ::: a b", Set: o.setRetries},
			{Names: []string{"--retry-delay"}, Arg: cli.Required, Value: "D", Help: "wait D between tries",
				Example: "weft --retries 3 --retry-delay 1s ...", Set: cli.Duration(&o.RetryDelay)},
			{Names: []string{"--halt"}, Aliases: []string{"--halt-on-error"}, Arg: cli.Required, Value: "POLICY",
				Help:    "never (default); soon,fail=N: start no new job after N failures; now,fail=N: also stop the running ones; fail=P% and success=N likewise",
				Example: "weft --halt now,fail=1 'test {}' ::: a b c", Set: o.setHalt},
			{Names: []string{"--rate"}, Arg: cli.Required, Value: "N/s", Help: "start at most N jobs per second (also N/m, N/h)",
				Example: "weft --rate 5/s 'curl {}' :::: urls.txt", Set: o.setRate},
			{Names: []string{"--delay"}, Arg: cli.Required, Value: "D", Help: "wait D between job starts",
				Example: "weft --delay 200ms ...", Set: cli.Duration(&o.Delay)},
			{Names: []string{"--will-cite"}, Hidden: true, Set: cli.Ignore},
		}},
		{Title: "Output", Options: []cli.Option{
			{Syntax: "(default)", Help: "each job's output is printed whole when it ends, never mixed with another job's; large output goes to a temporary file, not memory"},
			{Names: []string{"-k", "--keep-order"}, Help: "print in input order",
				Example: "weft -k 'sleep {}; echo {}' ::: 3 1 2", Set: cli.True(&o.Keep)},
			{Names: []string{"--line-buffer", "--lb"}, Help: "print whole lines as soon as they come",
				Example: "weft --lb 'ping -c 3 {}' ::: a b", Set: cli.True(&o.LineBuffer)},
			{Names: []string{"-u", "--ungroup"}, Help: "print output as it comes (lines may mix)",
				Example: "weft -u 'long-job {}' ::: a b", Set: cli.True(&o.Ungroup)},
			{Names: []string{"--tag"}, Help: "prefix each line with the input and a tab",
				Example: "weft --tag 'wc -l {}' ::: *.txt", Set: cli.True(&o.Tag)},
			{Names: []string{"--joblog"}, Arg: cli.Required, Value: "FILE", Help: "record each finished job in GNU parallel's format",
				Example: "weft --joblog jobs.tsv 'make {}' ::: a b", Set: cli.String(&o.Joblog)},
			{Names: []string{"--resume"}, Help: "with --joblog: skip the jobs the log already has",
				Example: "weft --joblog jobs.tsv --resume 'make {}' ::: a b", Set: cli.True(&o.Resume)},
			{Names: []string{"--resume-failed"}, Help: "with --joblog: also run again the jobs that failed",
				Example: "weft --joblog jobs.tsv --resume-failed ...", Set: cli.True(&o.ResumeFailed)},
			{Names: []string{"--dry-run"}, Aliases: []string{"--dryrun"}, Help: "print the commands instead of running them",
				Example: "weft --dry-run 'rm {}' ::: a b", Set: cli.True(&o.DryRun)},
			{Names: []string{"--bar"}, Help: "show progress on stderr (when it is a terminal)",
				Example: "weft --bar 'gzip {}' ::: *.log", Set: cli.True(&o.Bar)},
			{Names: []string{"--eta"}, Help: "show progress with the estimated time left",
				Example: "weft --eta ...", Set: cli.True(&o.Eta)},
		}},
	}
}

// SetOperands reads the words after the options: the command (every word up
// to the first ::: or ::::), then the input groups; and checks the options
// against each other.
func (o *Config) SetOperands(words []string) error {
	command, sources, err := input.SplitOperands(words)
	if err != nil {
		return err
	}
	o.Command = strings.Join(command, " ")
	o.Sources = sources
	for _, f := range o.ArgFiles {
		o.Sources = append(o.Sources, input.Source{File: f, IsFile: true})
	}
	if o.Command == "" && len(o.Sources) == 0 {
		return errors.New("no command given (see weft --help)")
	}
	if o.Resume && o.ResumeFailed {
		return errors.New("--resume and --resume-failed cannot be used together")
	}
	if (o.Resume || o.ResumeFailed) && o.Joblog == "" {
		return errors.New("--resume and --resume-failed need --joblog FILE")
	}
	return nil
}

func (o *Config) setJobs(flag, v string) error {
	bad := fmt.Errorf("bad value for %s: %q (want N >= 0, or N%% of the CPUs)", flag, v)
	if p, ok := strings.CutSuffix(v, "%"); ok {
		f, err := strconv.ParseFloat(p, 64)
		if err != nil || f <= 0 {
			return bad
		}
		o.Jobs = max(1, int(f*float64(runtime.NumCPU())/100))
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return bad
	}
	if n == 0 {
		n = MaxJobs // as many as possible
	}
	o.Jobs = n
	return nil
}

// MaxJobs is -j 0: as many jobs at once as the input has, up to this.
const MaxJobs = 1 << 16

func (o *Config) setDelim(flag, v string) error {
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
	o.Sep = v
	return nil
}

func (o *Config) setColsep(flag, v string) error {
	re, err := regexp.Compile(v)
	if err != nil {
		return fmt.Errorf("bad %s regular expression %q: %v", flag, v, err)
	}
	o.Colsep = re
	return nil
}

func (o *Config) setRetries(flag, v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return fmt.Errorf("bad value for %s: %q (want a whole number >= 0)", flag, v)
	}
	o.Tries = max(n, 1)
	return nil
}

func (o *Config) setRate(flag, v string) error {
	num, unit, _ := strings.Cut(v, "/")
	f, err := strconv.ParseFloat(num, 64)
	per := map[string]float64{"": 1, "s": 1, "m": 60, "h": 3600}[unit]
	if err != nil || f <= 0 || per == 0 {
		return fmt.Errorf("bad value for %s: %q (want N/s, N/m or N/h)", flag, v)
	}
	o.Rate = f / per
	return nil
}

func (o *Config) setHalt(flag, v string) error {
	bad := fmt.Errorf("bad value for %s: %q (want never, or soon|now,fail|success=N|P%%)", flag, v)
	if v == "never" {
		o.Halt = nil
		return nil
	}
	h := &Halt{}
	when, cond, ok := strings.Cut(v, ",")
	if !ok {
		when, cond = "soon", v
	}
	switch when {
	case "now":
		h.Now = true
	case "soon":
	default:
		return bad
	}
	kind, n, ok := strings.Cut(cond, "=")
	switch kind {
	case "fail":
	case "success":
		h.Success = true
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
		h.Percent = f
	} else {
		c, err := strconv.Atoi(n)
		if err != nil || c < 1 {
			return bad
		}
		h.Count = c
	}
	o.Halt = h
	return nil
}
