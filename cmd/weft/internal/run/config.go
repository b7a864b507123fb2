package run

import (
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/weft-dev/weft/cmd/weft/internal/input"
)

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
	Pipe         Pipe           // --pipe, --pipe-part and their options (pipe.go)
}

// Defaults is the configuration of a run before any option: a job per CPU
// at once, newline-separated records, one try, a grace period of 2s.
func Defaults() *Config {
	return &Config{Jobs: runtime.NumCPU(), Sep: "\n", Tries: 1, Grace: 2 * time.Second}
}

// SetOperands reads the words after the options: the command (every word
// up to the first ::: or ::::), then the input groups; and checks the
// options against each other.
func (c *Config) SetOperands(words []string) error {
	command, sources, err := input.SplitOperands(words)
	if err != nil {
		return err
	}
	c.Command = strings.Join(command, " ")
	c.Sources = sources
	for _, f := range c.ArgFiles {
		c.Sources = append(c.Sources, input.Source{File: f, IsFile: true})
	}
	if c.Command == "" && len(c.Sources) == 0 {
		return errors.New("no command given (see weft --help)")
	}
	if c.Resume && c.ResumeFailed {
		return errors.New("--resume and --resume-failed cannot be used together")
	}
	if (c.Resume || c.ResumeFailed) && c.Joblog == "" {
		return errors.New("--resume and --resume-failed need --joblog FILE")
	}
	return c.checkPipe()
}

func (c *Config) setJobs(flag, v string) error {
	bad := fmt.Errorf("bad value for %s: %q (want N >= 0, or N%% of the CPUs)", flag, v)
	if p, ok := strings.CutSuffix(v, "%"); ok {
		f, err := strconv.ParseFloat(p, 64)
		if err != nil || f <= 0 {
			return bad
		}
		c.Jobs = max(1, int(f*float64(runtime.NumCPU())/100))
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

func (c *Config) setDelim(flag, v string) error {
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
	c.Sep = v
	return nil
}

func (c *Config) setColsep(flag, v string) error {
	re, err := regexp.Compile(v)
	if err != nil {
		return fmt.Errorf("bad %s regular expression %q: %v", flag, v, err)
	}
	c.Colsep = re
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
