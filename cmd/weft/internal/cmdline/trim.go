package cmdline

import (
	"fmt"
	"strings"
)

// blanks are what --trim takes off: perl's \s on bytes.
const blanks = " \t\n\v\f\r"

// CheckTrim checks a --trim mode: n (nothing), l (the start), r (the end),
// lr or rl (both).
func CheckTrim(mode string) error {
	switch mode {
	case "n", "l", "r", "lr", "rl":
		return nil
	}
	return fmt.Errorf("bad --trim mode %q (want l, r, lr, rl or n)", mode)
}

// trim takes the blanks off s as mode says (see CheckTrim); "" is n.
func trim(s, mode string) string {
	switch mode {
	case "l":
		return strings.TrimLeft(s, blanks)
	case "r":
		return strings.TrimRight(s, blanks)
	case "lr", "rl":
		return strings.Trim(s, blanks)
	}
	return s
}

// TrimArgs returns args with the blanks of t's --trim taken off, as they
// go into the command (and as GNU parallel's --tag shows them); args
// itself when there is nothing to trim.
func (t Template) TrimArgs(args []string) []string {
	if t.trim == "" || t.trim == "n" {
		return args
	}
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = trim(a, t.trim)
	}
	return out
}
