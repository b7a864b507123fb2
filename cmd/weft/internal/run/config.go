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
	"github.com/weft-dev/weft/cmd/weft/internal/cmdline"
	"github.com/weft-dev/weft/cmd/weft/internal/input"
	"github.com/weft-dev/weft/cmd/weft/internal/job"
	"github.com/weft-dev/weft/cmd/weft/internal/perlexpr"
)

// Config is what a run was asked to do: the options of the command line,
// or of whatever starts a run. The zero value is not useful; start from
// Defaults.
type Config struct {
	Jobs      int // at once
	Keep      bool
	ArgFiles  []string
	Sep       string // record separator
	Colsep    *regexp.Regexp
	Link      bool              // --link: the sources go together, value by value
	EOF       string            // -E: a record that ends its source
	SkipEmpty bool              // -r: skip empty records
	Rpl       []string          // --rpl 'TAG perl': replacement strings in perl
	Parens    string            // --parens: the delimiters of {= perl =}
	Rename    map[string]string // -I and the like: {} and the others spelled otherwise
	Plus      bool              // --plus: GNU parallel's further replacement strings
	Trim      string            // --trim: l, r, lr, rl or n; "" for the default (lr with --colsep, else n)
	Quote     bool              // -q: each word of the command quoted whole
	// Words are the words of the command, which Command joins with
	// spaces: -q quotes each, and --header renames in each.
	Words []string
	// columnNames are the arguments' names from --header (by position,
	// from 1), once the run has read the headers.
	columnNames []string
	ArgSep      string // ::: unless --arg-sep says otherwise
	ArgFileSep  string // :::: unless --arg-file-sep says otherwise
	Timeout     time.Duration
	// TimeoutPercent is --timeout P% as a share (2 for 200%) of the
	// median run time of the jobs that succeeded, instead of Timeout.
	TimeoutPercent float64
	Grace          time.Duration
	Tries          int
	RetryDelay     time.Duration
	Halt           *Halt
	Rate           float64 // job starts per second; 0 for no limit
	Delay          time.Duration
	Tag            bool
	Ungroup        bool
	LineBuffer     bool
	Joblog         string
	JoblogAppend   bool // --joblog +FILE: append, as --resume does
	Resume         bool
	ResumeFailed   bool
	DryRun         bool
	Bar            bool
	Eta            bool
	TagString      string         // --tagstring: the tag, with replacement strings
	Color          bool           // --ctag, --ctagstring: coloured tags
	Trace          bool           // -t, --verbose: each command line on stderr as its job starts
	Echo           int            // -v: each command line on stdout before its output (how many -v)
	Results        string         // --results: a directory, or a .csv, .tsv or .json file
	Files          bool           // --files: each job's stdout in a file, its name printed
	TmpDir         string         // --tmpdir: where --files, large output and --cat and --fifo files go; "" for $TMPDIR
	Shuf           bool           // --shuf: run the jobs in a random order
	Progress       bool           // --progress: GNU parallel's progress lines on stderr
	Command        string         // the command template; "" when the inputs are the commands
	Sources        []input.Source // ::: and :::: groups and -a files, in order
	Pipe           Pipe           // --pipe, --pipe-part and their options (pipe.go)
	Profiles       []string       // -J: profiles read instead of the configuration files
	Plain          bool           // --plain: no configuration file, profile or $PARALLEL
	Limits         Limits         // -j FILE, --load, --memfree, --noswap (control.go)
	Nice           *int           // --nice N
	Termseq        []job.Signal   // --termseq: how a job is stopped; nil: SIGTERM, --grace, SIGKILL
	RetryFailed    bool           // --retry-failed
	PrintCount     string         // --number-of-*: "sockets", "cores" or "threads" to print
	CountBy        string         // --use-*-instead-of-*: "sockets" or "cores"; "" for the threads
	jobsSpec       string         // -j's value, resolved again once CountBy is known
	graceSet       bool           // --grace was given
	Args           ArgsPerJob     // -n, -m, -X, --xargs, -s (multi.go)
}

// Defaults is the configuration of a run before any option: a job per CPU
// at once, newline-separated records, one try, a grace period of 2s.
func Defaults() *Config {
	return &Config{Jobs: runtime.NumCPU(), Sep: "\n", Tries: 1, Grace: 2 * time.Second,
		ArgSep: input.ArgSep, ArgFileSep: input.ArgFileSep}
}

// SetOperands reads the words after the options: the command (every word
// up to the first ::: or ::::), then the input groups, which come after
// the -a files, as in GNU parallel; and checks the options against each
// other.
func (c *Config) SetOperands(words []string) error {
	if c.ArgSep == c.ArgFileSep {
		return fmt.Errorf("--arg-sep and --arg-file-sep are both %q: they must differ", c.ArgSep)
	}
	if c.RetryFailed {
		return c.setRetryFailed(words)
	}
	command, sources, err := input.SplitOperands(words, c.ArgSep, c.ArgFileSep)
	if err != nil {
		return err
	}
	c.Command = strings.Join(command, " ")
	c.Words = command
	c.Sources = nil
	for _, f := range c.ArgFiles {
		c.Sources = append(c.Sources, input.Source{File: f, IsFile: true})
	}
	c.Sources = append(c.Sources, sources...)
	if c.Command == "" && len(c.Sources) == 0 {
		return errors.New("no command given (see weft --help)")
	}
	if c.Resume && c.ResumeFailed {
		return errors.New("--resume and --resume-failed cannot be used together")
	}
	if (c.Resume || c.ResumeFailed) && c.Joblog == "" {
		return errors.New("--resume and --resume-failed need --joblog FILE")
	}
	if err := c.checkOutput(); err != nil {
		return err
	}
	if err := c.checkControl(); err != nil {
		return err
	}
	if err := c.checkPipe(); err != nil {
		return err
	}
	return c.checkMulti()
}

func (c *Config) setJobs(flag, v string) error {
	n, err := jobsValue(v, runtime.NumCPU())
	if errors.Is(err, errNotANumber) && regularFile(v) {
		// -j FILE: the number is in the file, read again while the
		// jobs run (control.go).
		c.Limits.JobsFile, c.jobsSpec = v, ""
		n, err = c.Limits.readJobs(runtime.NumCPU())
		if err != nil {
			return fmt.Errorf("%s %s: %v", flag, v, err)
		}
		c.Jobs = n
		return nil
	}
	if err != nil {
		return fmt.Errorf("bad value for %s: %q (want N >= 0, N%% of the CPUs, +N or -N more or fewer than the CPUs, or a FILE holding one)", flag, v)
	}
	c.Jobs, c.jobsSpec, c.Limits.JobsFile = n, v, ""
	return nil
}

var errNotANumber = errors.New("not a number of jobs")

// jobsValue reads a number of jobs: N (0 for as many as possible), N% of
// cpus, +N or -N more or fewer than cpus (at least one).
func jobsValue(v string, cpus int) (int, error) {
	v = strings.TrimSpace(v)
	if p, ok := strings.CutSuffix(v, "%"); ok {
		f, err := strconv.ParseFloat(p, 64)
		if err != nil || f <= 0 {
			return 0, errNotANumber
		}
		return max(1, int(f*float64(cpus)/100)), nil
	}
	if len(v) > 1 && (v[0] == '+' || v[0] == '-') {
		// +N and -N: that many more or fewer than the CPUs, as in GNU
		// parallel (at least one).
		n, err := strconv.Atoi(v[1:])
		if err != nil || n < 0 {
			return 0, errNotANumber
		}
		if v[0] == '-' {
			n = -n
		}
		return max(1, cpus+n), nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, errNotANumber
	}
	if n == 0 {
		n = MaxJobs // as many as possible
	}
	return n, nil
}

// MaxJobs is -j 0: as many jobs at once as the input has, up to this.
const MaxJobs = 1 << 16

// syntax is how the command spells its replacement strings.
func (c *Config) syntax() cmdline.Syntax {
	return cmdline.Syntax{Perl: perlexpr.Syntax{Rpl: c.Rpl, Parens: c.Parens, Plus: c.Plus}, Rename: c.Rename, Trim: c.trim()}
}

// trim is the --trim mode of the run: as given, else lr with --colsep
// (GNU parallel 20221122 trims the columns unless told not to), else n.
func (c *Config) trim() string {
	switch {
	case c.Trim != "":
		return c.Trim
	case c.Colsep != nil:
		return "lr"
	}
	return "n"
}

// words are the words of the command: Words, or Command as one word when
// Words is not set.
func (c *Config) words() []string {
	if c.Words == nil && c.Command != "" {
		return []string{c.Command}
	}
	return c.Words
}

// template parses the command of the run as the options say; no command
// is the Raw template.
func (c *Config) template() (cmdline.Template, error) {
	if c.Quote {
		return cmdline.ParseQuoted(c.words(), c.syntax())
	}
	if c.Command == "" {
		return cmdline.Raw().Trimmed(c.trim())
	}
	return cmdline.ParseWith(c.Command, c.syntax())
}

func (c *Config) setTrim(flag, v string) error {
	if cmdline.CheckTrim(v) != nil {
		return cli.BadValue(flag, v, "l, r, lr, rl or n")
	}
	c.Trim = v
	return nil
}

// rename is the Set of -I and the other options that respell a
// replacement string.
func (c *Config) rename(tag string) func(string, string) error {
	return func(flag, v string) error {
		if v == "" {
			return fmt.Errorf("bad value for %s: the replacement string must not be empty", flag)
		}
		if c.Rename == nil {
			c.Rename = map[string]string{}
		}
		c.Rename[tag] = v
		return nil
	}
}

// UsesPerl reports whether the command has perl expressions ({= =}, a
// --rpl tag).
func (c *Config) UsesPerl() bool {
	tpl, err := c.template()
	return err == nil && tpl.HasPerl()
}

// setEOF is the Set of -e and --eof, whose value is optional: GNU
// parallel takes the next word as the value when none is glued, where
// weft takes none; so that a command line is never read two ways, weft
// refuses -e and --eof without a glued value.
func (c *Config) setEOF(flag, v string) error {
	if v == "" {
		return fmt.Errorf("%s needs its value glued (%s=STR; or -E STR): GNU parallel would read the next word as its value", flag, flag)
	}
	c.EOF = v
	return nil
}

// setJoblog is the Set of --joblog: +FILE appends to FILE, as in GNU
// parallel. GNU parallel writes the joblog to stdout for "-"; weft does
// not yet, and refuses it rather than write a file named "-".
func (c *Config) setJoblog(flag, v string) error {
	if v == "-" {
		return fmt.Errorf("%s - (the joblog on stdout) is not supported yet: give a file name", flag)
	}
	if name, ok := strings.CutPrefix(v, "+"); ok && name != "" {
		v, c.JoblogAppend = name, true // +FILE: append to FILE
	} else {
		c.JoblogAppend = false
	}
	c.Joblog = v
	return nil
}

// setSep is the Set of --arg-sep and --arg-file-sep.
func setSep(dst *string) func(string, string) error {
	return func(flag, v string) error {
		if v == "" {
			return fmt.Errorf("bad value for %s: the separator must not be empty", flag)
		}
		*dst = v
		return nil
	}
}

func (c *Config) setDelim(flag, v string) error {
	v = unquotePrintf(v)
	if v == "" {
		return fmt.Errorf("bad value for %s: the delimiter must not be empty", flag)
	}
	c.Sep = v
	return nil
}

var (
	octal3 = regexp.MustCompile(`\\([0-9][0-9][0-9])`)
	octal1 = regexp.MustCompile(`\\([0-9])`)
)

// unquotePrintf reads the backslash escapes of -d as GNU parallel does,
// one after the other: \t, \n and \r, then \NNN and \N in octal; any
// other backslash is itself.
func unquotePrintf(v string) string {
	v = strings.ReplaceAll(v, `\t`, "\t")
	v = strings.ReplaceAll(v, `\n`, "\n")
	v = strings.ReplaceAll(v, `\r`, "\r")
	oct := func(m string) string {
		n, err := strconv.ParseUint(m[1:], 8, 32)
		if err != nil {
			return m[1:] // \8 and \9 are the digit, as in perl
		}
		if n < 256 {
			return string([]byte{byte(n)})
		}
		return string(rune(n))
	}
	v = octal3.ReplaceAllStringFunc(v, oct)
	return octal1.ReplaceAllStringFunc(v, oct)
}

func (c *Config) setColsep(flag, v string) error {
	re, err := regexp.Compile(v)
	if err != nil {
		return fmt.Errorf("bad %s regular expression %q: %v", flag, v, err)
	}
	c.Colsep = re
	return nil
}

// setTimeout reads --timeout: a duration, or P% of the median run time of
// the jobs that succeeded so far.
func (c *Config) setTimeout(flag, v string) error {
	if p, ok := strings.CutSuffix(v, "%"); ok {
		f, err := strconv.ParseFloat(p, 64)
		if err != nil || f <= 0 {
			return fmt.Errorf("bad value for %s: %q (want a duration such as 30s, or P%% of the median run time, such as 200%%)", flag, v)
		}
		c.Timeout, c.TimeoutPercent = 0, f/100
		return nil
	}
	// GNU parallel's units, as --delay: Go's 200ms would be 200 minutes
	// to GNU parallel, so it is refused, not read otherwise.
	d, ok := gnuDuration(v)
	if !ok || d <= 0 {
		return fmt.Errorf("bad value for %s: %q (want seconds such as 2.5, with the units d, h, m and s such as 1m30s, no ms; or P%% of the median run time, such as 200%%)", flag, v)
	}
	c.Timeout, c.TimeoutPercent = d, 0
	return nil
}

func (c *Config) setRetries(flag, v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return fmt.Errorf("bad value for %s: %q (want a whole number >= 0)", flag, v)
	}
	c.Tries = max(n, 1)
	return nil
}

func (c *Config) setRate(flag, v string) error {
	num, unit, _ := strings.Cut(v, "/")
	f, err := strconv.ParseFloat(num, 64)
	per := map[string]float64{"": 1, "s": 1, "m": 60, "h": 3600}[unit]
	if err != nil || f <= 0 || per == 0 {
		return fmt.Errorf("bad value for %s: %q (want N/s, N/m or N/h)", flag, v)
	}
	c.Rate = f / per
	return nil
}
