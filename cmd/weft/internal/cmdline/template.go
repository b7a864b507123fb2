// Package cmdline turns a command template and one job's arguments into
// the shell command line that runs the job: GNU parallel's replacement
// strings ({} {.} {/} {//} {/.} {#} {%} and {n}, with the same modifiers
// as {2/.}), with every substituted value shell-quoted, so that an input is
// data and never code.
//
//	t := cmdline.Parse("convert {} {.}.png")
//	t.Expand([]string{"a b.jpg"}, 1, 1) // convert 'a b.jpg' 'a b'.png
//
// A Template is immutable once parsed and safe for concurrent use.
package cmdline

import (
	"path"
	"strconv"
	"strings"
)

// Template is a command line with replacement strings, parsed once by
// Parse (or Raw).
type Template struct {
	parts  []part
	append bool // no replacement string: the arguments are appended
	raw    bool // no command: the arguments, unquoted, are the command
}

// part is literal text, or a replacement string: an argument (all of them
// when arg == 0) transformed by mod, or the job or slot number.
type part struct {
	text string
	repl bool
	arg  int    // 1-based; 0 for all arguments
	mod  string // "", ".", "/", "//", "/."
	num  byte   // '#' job number, '%' slot number
}

var modifiers = map[string]bool{"": true, ".": true, "/": true, "//": true, "/.": true}

// Parse finds the replacement strings of GNU parallel in cmd: {} {.} {/}
// {//} {/.} {#} {%} and {n} with the same modifiers ({2/.}). Any other
// text in braces is left as it is. A command without replacement strings
// gets the arguments appended.
func Parse(cmd string) Template {
	var t Template
	lit := strings.Builder{}
	for i := 0; i < len(cmd); {
		if cmd[i] == '{' {
			if end := strings.IndexByte(cmd[i:], '}'); end > 0 {
				if p, ok := parseRepl(cmd[i+1 : i+end]); ok {
					if lit.Len() > 0 {
						t.parts = append(t.parts, part{text: lit.String()})
						lit.Reset()
					}
					t.parts = append(t.parts, p)
					i += end + 1
					continue
				}
			}
		}
		lit.WriteByte(cmd[i])
		i++
	}
	if lit.Len() > 0 {
		t.parts = append(t.parts, part{text: lit.String()})
	}
	t.append = true
	for _, p := range t.parts {
		if p.repl {
			t.append = false
		}
	}
	return t
}

// Unappended returns t, except that it never appends the arguments: with
// --pipe a job's data is its stdin, and the values of --tee, like the
// block's nothing, appear only where the command says {}.
func (t Template) Unappended() Template {
	t.append = false
	return t
}

// Raw is the template of a run without a command: each input, its
// arguments joined by spaces and not quoted, is itself the command line, as
// in GNU parallel.
func Raw() Template { return Template{raw: true} }

// IsRaw reports whether t is Raw: the inputs are the commands.
func (t Template) IsRaw() bool { return t.raw }

// HasSlot reports whether t uses {%}, the job slot, which varies from run
// to run: its expansion cannot be compared with an earlier run's.
func (t Template) HasSlot() bool {
	for _, p := range t.parts {
		if p.num == '%' {
			return true
		}
	}
	return false
}

func parseRepl(s string) (part, bool) {
	if s == "#" || s == "%" {
		return part{repl: true, num: s[0]}, true
	}
	digits := 0
	for digits < len(s) && s[digits] >= '0' && s[digits] <= '9' {
		digits++
	}
	p := part{repl: true, mod: s[digits:]}
	if digits > 0 {
		n, err := strconv.Atoi(s[:digits])
		if err != nil || n < 1 {
			return part{}, false
		}
		p.arg = n
	}
	return p, modifiers[p.mod]
}

// Expand renders the command line of one job, given its arguments, its
// sequence number ({#}) and its slot ({%}). Every argument is
// shell-quoted, so that an input is data and never code; {n} past the last
// argument is an empty word (two single quotes).
func (t Template) Expand(args []string, seq int64, slot int) string {
	if t.raw {
		return strings.Join(args, " ")
	}
	var b strings.Builder
	for _, p := range t.parts {
		switch {
		case !p.repl:
			b.WriteString(p.text)
		case p.num == '#':
			b.WriteString(strconv.FormatInt(seq, 10))
		case p.num == '%':
			b.WriteString(strconv.Itoa(slot))
		case p.arg == 0:
			for i, a := range args {
				if i > 0 {
					b.WriteByte(' ')
				}
				b.WriteString(Quote(modify(a, p.mod)))
			}
		case p.arg <= len(args):
			b.WriteString(Quote(modify(args[p.arg-1], p.mod)))
		default:
			b.WriteString("''")
		}
	}
	if t.append {
		for _, a := range args {
			b.WriteByte(' ')
			b.WriteString(Quote(a))
		}
	}
	return b.String()
}

func modify(s, mod string) string {
	switch mod {
	case ".":
		return strings.TrimSuffix(s, path.Ext(s))
	case "/":
		return path.Base(s)
	case "//":
		return path.Dir(s)
	case "/.":
		b := path.Base(s)
		return strings.TrimSuffix(b, path.Ext(b))
	}
	return s
}
