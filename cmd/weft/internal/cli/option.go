package cli

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Arg says whether an option takes a value, and how.
type Arg int

const (
	// NoValue: the option is a switch (-k, --keep-order); --keep-order=x is
	// refused.
	NoValue Arg = iota
	// Required: the option takes a value, glued (-j4, -j=4, --jobs=4) or as
	// the next word (-j 4, --jobs 4), even one that starts with a dash.
	Required
	// Optional: the option may take a value, but only glued (-l5, -l=5,
	// --max-lines=5); the next word is never taken as its value, so that
	// "--opt command" cannot be misread. Set gets "" when none is given.
	Optional
)

// Option is one command-line option, declared as data: the same
// declaration drives parsing, help, shell completion and the man page.
//
// A row that documents syntax which is not an option (::: a b c) has
// Syntax set and no Names; the parser never sees it.
type Option struct {
	// Names are the spellings shown in help, short ones first: "-j",
	// "--jobs". A short name is a dash and one character; a long one, two
	// dashes and a word.
	Names []string
	// Aliases are accepted like Names but not shown in help (the man page
	// lists them): "-P" for -j, "--dryrun" for --dry-run.
	Aliases []string
	// Arg says whether the option takes a value; Value names it in help
	// ("N", "FILE"). A value named FILE or DIR completes as a file or
	// directory name in the shells.
	Arg   Arg
	Value string
	// Help says what the option does: one paragraph, wrapped by the
	// renderers. Example is a command line that uses it.
	Help    string
	Example string
	// Repeats marks an option that may be given more than once, each time
	// adding to what it sets (-a FILE -a FILE2). Any option may be given
	// again (the last one counts unless Set accumulates); Repeats says so
	// in help and lets the shells complete it again.
	Repeats bool
	// Hidden options are accepted but not documented (--will-cite).
	Hidden bool
	// Refused, when set, makes the parser refuse the option, before
	// anything runs, with this line: why, and what to use instead.
	Refused string
	// Set applies the option as the user spelled it (name) with its value
	// ("" for NoValue, and for Optional without one). Its error is
	// reported as the command's one line of bad usage.
	Set func(name, value string) error
	// Syntax is the left column of a row that documents something other
	// than an option, such as "::: a b c" or "{.}".
	Syntax string
}

// allNames returns the names and aliases of o.
func (o *Option) allNames() []string {
	return append(append([]string(nil), o.Names...), o.Aliases...)
}

// Section is a titled group of options in help, in the man page and in
// nothing else: the parser takes every section's options alike.
type Section struct {
	Title   string   // "Inputs"
	Intro   string   // said after the title, in parentheses
	Options []Option // in the order shown
	Text    string   // paragraphs after the rows, separated by blank lines
}

// shown reports whether help and the man page show sec: whether it has
// text or a row that is neither hidden nor refused.
func (sec Section) shown() bool {
	if sec.Text != "" {
		return true
	}
	for _, o := range sec.Options {
		if !o.Hidden && o.Refused == "" {
			return true
		}
	}
	return false
}

// True returns a Set that sets *dst.
func True(dst *bool) func(string, string) error {
	return func(string, string) error { *dst = true; return nil }
}

// String returns a Set that stores the value in *dst.
func String(dst *string) func(string, string) error {
	return func(_, v string) error { *dst = v; return nil }
}

// Append returns a Set that appends the value to *dst, for options that
// repeat.
func Append(dst *[]string) func(string, string) error {
	return func(_, v string) error { *dst = append(*dst, v); return nil }
}

// Int returns a Set that stores a whole number of at least least in *dst.
func Int(dst *int, least int) func(string, string) error {
	return func(name, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil {
			return BadValue(name, v, fmt.Sprintf("a whole number >= %d", least))
		}
		if n < least {
			return fmt.Errorf("bad value for %s: %d (want a whole number >= %d)", name, n, least)
		}
		*dst = n
		return nil
	}
}

// Duration returns a Set that stores a duration (see ParseDuration) of at
// least zero in *dst.
func Duration(dst *time.Duration) func(string, string) error {
	return func(name, v string) error {
		d, err := ParseDuration(v)
		if err != nil || d < 0 {
			return fmt.Errorf("bad duration for %s: %q (want for example 30s, 1.5, 2m or 1d)", name, v)
		}
		*dst = d
		return nil
	}
}

// Ignore is the Set of an option accepted for compatibility that does
// nothing (--will-cite).
func Ignore(string, string) error { return nil }

// BadValue is the error of an option given a value it cannot use: it names
// the option, the value, and what to give instead.
func BadValue(name, value, want string) error {
	return fmt.Errorf("bad value for %s: %q (want %s)", name, value, want)
}

// ParseDuration reads a duration as GNU parallel does, and as Go does:
// plain seconds (2.5), Go durations (1m30s, 200ms) and days (1d).
func ParseDuration(v string) (time.Duration, error) {
	if d, err := time.ParseDuration(v); err == nil {
		return d, nil
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		return time.Duration(f * float64(time.Second)), nil
	}
	if days, ok := strings.CutSuffix(v, "d"); ok {
		if f, err := strconv.ParseFloat(days, 64); err == nil {
			return time.Duration(f * 24 * float64(time.Hour)), nil
		}
	}
	return 0, fmt.Errorf("bad duration %q", v)
}
