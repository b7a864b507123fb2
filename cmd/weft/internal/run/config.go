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
	"github.com/weft-dev/weft/cmd/weft/internal/perlexpr"
)

// Config is what a run was asked to do: the options of the command line,
// or of whatever starts a run. The zero value is not useful; start from
// Defaults.
type Config struct {
	Jobs       int // at once
	Keep       bool
	ArgFiles   []string
	Sep        string // record separator
	Colsep     *regexp.Regexp
	Link       bool              // --link: the sources go together, value by value
	EOF        string            // -E: a record that ends its source
	SkipEmpty  bool              // -r: skip empty records
	Rpl        []string          // --rpl 'TAG perl': replacement strings in perl
	Parens     string            // --parens: the delimiters of {= perl =}
	Rename     map[string]string // -I and the like: {} and the others spelled otherwise
	ArgSep     string            // ::: unless --arg-sep says otherwise
	ArgFileSep string            // :::: unless --arg-file-sep says otherwise
	Timeout    time.Duration
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
	Command        string         // the command template; "" when the inputs are the commands
	Sources        []input.Source // ::: and :::: groups and -a files, in order
	Pipe           Pipe           // --pipe, --pipe-part and their options (pipe.go)
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
	command, sources, err := input.SplitOperands(words, c.ArgSep, c.ArgFileSep)
	if err != nil {
		return err
	}
	c.Command = strings.Join(command, " ")
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
	if err := c.checkPipe(); err != nil {
		return err
	}
	return c.checkMulti()
}

func (c *Config) setJobs(flag, v string) error {
	bad := fmt.Errorf("bad value for %s: %q (want N >= 0, N%% of the CPUs, or +N or -N more or fewer than the CPUs)", flag, v)
	if p, ok := strings.CutSuffix(v, "%"); ok {
		f, err := strconv.ParseFloat(p, 64)
		if err != nil || f <= 0 {
			return bad
		}
		c.Jobs = max(1, int(f*float64(runtime.NumCPU())/100))
		return nil
	}
	if len(v) > 1 && (v[0] == '+' || v[0] == '-') {
		// +N and -N: that many more or fewer than the CPUs, as in GNU
		// parallel (at least one).
		n, err := strconv.Atoi(v[1:])
		if err != nil || n < 0 {
			return bad
		}
		if v[0] == '-' {
			n = -n
		}
		c.Jobs = max(1, runtime.NumCPU()+n)
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return bad
	}
	if n == 0 {
		n = MaxJobs // as many as possible
	}
	c.Jobs = n
	return nil
}

// MaxJobs is -j 0: as many jobs at once as the input has, up to this.
const MaxJobs = 1 << 16

// syntax is how the command spells its replacement strings.
func (c *Config) syntax() cmdline.Syntax {
	return cmdline.Syntax{Perl: perlexpr.Syntax{Rpl: c.Rpl, Parens: c.Parens}, Rename: c.Rename}
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
	tpl, err := cmdline.ParseWith(c.Command, c.syntax())
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
	c.TimeoutPercent = 0
	return cli.Duration(&c.Timeout)(flag, v)
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
