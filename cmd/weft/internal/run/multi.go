package run

import (
	"errors"
	"fmt"
	"io"

	"github.com/weft-dev/weft/cmd/weft/internal/cmdline"
	"github.com/weft-dev/weft/cmd/weft/internal/input"
)

// ArgsPerJob is what -n, -m, -X, --xargs, -s, -x and
// --max-line-length-allowed ask for (options_multi.go); -N, -L and -l,
// which mean blocks of records with --pipe, are read from Pipe.
type ArgsPerJob struct {
	MaxArgs    int  // -n
	MaxArgsSet bool // -n given
	M          bool // -m: as many inputs as fit, {} all of them
	X          bool // -X: as many inputs as fit, the word around {} repeated
	Xargs      bool // --xargs: as -m, without spreading over the job slots
	MaxChars   int  // -s; 0 for the limit of the machine
	Exit       bool // -x: weft always stops at a command line too long
	ShowLimit  bool // --max-line-length-allowed
}

// argsPerJob are the options of the --pipe section that, without --pipe,
// give several inputs to a job.
var argsPerJob = map[string]bool{"-N": true, "-L": true, "-l": true}

// multiName is the name of the option that fills command lines (-m, -X,
// --xargs), or "".
func (a *ArgsPerJob) multiName() string {
	switch {
	case a.X:
		return "-X"
	case a.M:
		return "-m"
	case a.Xargs:
		return "--xargs"
	}
	return ""
}

// checkMultiPipe refuses the options of this file with --pipe, where
// they would mean something else or nothing.
func (c *Config) checkMultiPipe(mode string) error {
	a := &c.Args
	switch {
	case a.multiName() != "":
		return fmt.Errorf("%s cannot be used with %s: a job's input is its block on stdin, not arguments", a.multiName(), mode)
	case a.MaxArgsSet:
		return fmt.Errorf("-n cannot be used with %s: use -N N for N records per block", mode)
	case a.MaxChars != 0:
		return fmt.Errorf("-s cannot be used with %s: the command line does not grow with the block", mode)
	}
	return nil
}

// checkMulti checks the options of this file against each other and the
// rest, before any job starts.
func (c *Config) checkMulti() error {
	a := &c.Args
	n := 0
	for _, on := range []bool{a.M, a.X, a.Xargs} {
		if on {
			n++
		}
	}
	if n > 1 {
		return errors.New("-m, -X and --xargs cannot be used together: choose how the inputs fill a command line")
	}
	if c.Pipe.Active() {
		return nil
	}
	if (a.multiName() != "" || c.context()) && c.UsesPerl() {
		what := a.multiName()
		if what == "" {
			what = c.perJobOption()
		}
		return fmt.Errorf("%s cannot be used with perl expressions ({= =}, --rpl) yet: weft neither measures nor repeats their values; use -n N, or {} and {n}", what)
	}
	return nil
}

// context reports whether the word around {} is repeated for each input
// of a job, as GNU parallel does with -X, and with -N, -L or -l when
// neither -m nor --xargs is given.
func (c *Config) context() bool {
	a := &c.Args
	if c.Pipe.Active() {
		return false
	}
	return a.X || (c.perJobOption() != "" && !a.M && !a.Xargs)
}

// perJobOption is the first of -N, -L and -l given, as typed, or "".
// (--header, the other option of the --pipe section taken without it,
// names columns instead: header.go.)
func (c *Config) perJobOption() string {
	for _, g := range c.Pipe.given {
		if argsPerJob[g.name] {
			return g.typed
		}
	}
	return ""
}

// MultiContext is the option that makes the run repeat the word around
// {} for each input of a job, or "": the workers of --nats cannot.
func (c *Config) MultiContext() string {
	if !c.context() {
		return ""
	}
	if c.Args.X {
		return "-X"
	}
	return c.perJobOption()
}

// perJob is the number of records a job takes (0: as many as fit), as GNU
// parallel decides it: -n, then -L or -l if -n is not given or 0, and -N
// over both; and whether a job takes its record without arguments (-n0,
// -N0).
func (c *Config) perJob() (max int, zero bool) {
	a := &c.Args
	n := -1
	if a.MaxArgsSet {
		n = a.MaxArgs
	}
	if c.Pipe.Lines > 0 && n <= 0 {
		n = c.Pipe.Lines
	}
	for _, g := range c.Pipe.given {
		if g.name == "-N" {
			n = c.Pipe.Records
		}
	}
	switch {
	case n == 0:
		return 1, true
	case n > 0:
		return n, false
	case a.multiName() != "":
		return 0, false
	}
	return 1, false
}

// oneEach reports whether every record is a job of its own, so that the
// number of jobs is the number of records.
func (c *Config) oneEach() bool {
	max, _ := c.perJob()
	return max == 1 || c.Pipe.Active()
}

// grouping is how the records of the run make jobs, with tpl measuring
// the command lines; warnings go to stderr.
func (c *Config) grouping(tpl cmdline.Template, stderr io.Writer) input.Grouping {
	max, zero := c.perJob()
	g := input.Grouping{Max: max, Zero: zero, Limit: UsableLineLength()}
	if s := c.Args.MaxChars; s > 0 {
		if s <= g.Limit {
			g.Limit = s
		} else {
			fmt.Fprintf(stderr, "weft: warning: -s %d is above the longest command line of this machine: using %d\n", s, g.Limit)
		}
	}
	if sz := tpl.Sizer(c.Jobs); sz != nil {
		g.Fit = sz
	}
	if c.Args.M || c.Args.X {
		g.Spread = c.Jobs
	}
	return g
}
