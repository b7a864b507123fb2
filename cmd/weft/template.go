package main

import (
	"path"
	"strconv"
	"strings"
)

// template is a command line with replacement strings, parsed once.
type template struct {
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

// parseTemplate finds the replacement strings of GNU parallel in cmd: {}
// {.} {/} {//} {/.} {#} {%} and {n} with the same modifiers ({2/.}). Any
// other text in braces is left as it is.
func parseTemplate(cmd string) template {
	var t template
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

// expand renders the command for one job: every argument is shell-quoted,
// so that an input is data and never code.
func (t template) expand(args []string, seq int64, slot int) string {
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
				b.WriteString(quote(modify(a, p.mod)))
			}
		case p.arg <= len(args):
			b.WriteString(quote(modify(args[p.arg-1], p.mod)))
		default:
			b.WriteString("''")
		}
	}
	if t.append {
		for _, a := range args {
			b.WriteByte(' ')
			b.WriteString(quote(a))
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

// quote returns s as one shell word: as it is when it holds only letters,
// digits and _-./+ (as GNU parallel does), else in single quotes.
func quote(s string) string {
	if s == "" {
		return "''"
	}
	safe := true
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("_-./+", c)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'"
}
