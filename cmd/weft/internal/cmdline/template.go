// Package cmdline turns a command template and one job's arguments into
// the shell command line that runs the job: GNU parallel's replacement
// strings ({} {.} {/} {//} {/.} {#} {%} and {n}, with the same modifiers
// as {2/.}), with every substituted value shell-quoted, so that an input is
// data and never code.
//
//	t, err := cmdline.Parse("convert {} {.}.png")
//	t.Expand([]string{"a b.jpg"}, 1, 1) // convert 'a b.jpg' 'a b'.png
//
// A Template is immutable once parsed and safe for concurrent use.
package cmdline

import (
	"fmt"
	"path"
	"regexp"
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
	arg  int    // 1-based; 0 for all arguments; -1 for the last
	mod  string // "", ".", "/", "//", "/."
	num  byte   // '#' job number, '%' slot number
}

var modifiers = map[string]bool{"": true, ".": true, "/": true, "//": true, "/.": true}

// Parse finds the replacement strings of GNU parallel in cmd: {} {.} {/}
// {//} {/.} {#} {%}, {n} and {-n} with the same modifiers ({2/.},
// {-1/}). Other text in braces is left as it is ({x}, awk's {print $1}),
// as GNU parallel leaves it; but a replacement string GNU parallel has and
// weft does not ({= perl =}, --plus's {..} and {+/}, {#:%04d}, {0}) is an
// error that names it. A command without replacement strings gets the
// arguments appended.
func Parse(cmd string) (Template, error) {
	var t Template
	if err := refusePerl(cmd); err != nil {
		return t, err
	}
	lit := strings.Builder{}
	for i := 0; i < len(cmd); {
		if cmd[i] == '{' {
			if end := strings.IndexByte(cmd[i:], '}'); end > 0 {
				p, ok, err := parseRepl(cmd[i+1 : i+end])
				if err != nil {
					return Template{}, err
				}
				if ok {
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
	return t, nil
}

// MustParse is Parse for a template known to be good; it panics on an
// error.
func MustParse(cmd string) Template {
	t, err := Parse(cmd)
	if err != nil {
		panic(err)
	}
	return t
}

// perlExpr is GNU parallel's {= perl expression =} and {=n perl
// expression =}: from {= to the next =}.
var perlExpr = regexp.MustCompile(`(?s)\{=.*?=\}`)

func refusePerl(cmd string) error {
	if m := perlExpr.FindString(cmd); m != "" {
		m = strings.ReplaceAll(m, "\n", `\n`) // one line
		return fmt.Errorf("replacement string %s is not supported: weft has no perl expressions yet (use {} {.} {/} {//} {/.} {n} and the shell)", m)
	}
	return nil
}

// notYet are the replacement strings of GNU parallel (--plus's, and
// 20260422's {rpl:format}) that weft does not implement, each with what
// to write instead.
var notYet = []struct {
	re  *regexp.Regexp
	why string
}{
	{regexp.MustCompile(`^-?[0-9]*(\+/|\+\.|\+\.\.|\+\.\.\.|\.\.|\.\.\.|/\.\.|/\.\.\.|##)$`),
		"it is one of --plus's, which weft does not have yet (use {} {.} {/} {//} {/.} and the shell's ${x%.*})"},
	{regexp.MustCompile(`^-?[0-9]*(|\.|/|//|/\.|#|%):%.*$`),
		"weft does not format replacement strings yet (use printf in the command: $(printf %04d {#}))"},
	{regexp.MustCompile(`^-?0+(|\.|/|//|/\.)$`),
		"positions start at 1 (use {} for every argument, {1} for the first, {-1} for the last)"},
}

// parseRepl reads the text between braces: a replacement string (ok), text
// that is none (not ok), or one weft refuses (an error).
func parseRepl(s string) (p part, ok bool, err error) {
	for _, n := range notYet {
		if n.re.MatchString(s) {
			return part{}, false, fmt.Errorf("replacement string {%s} is not supported: %s", s, n.why)
		}
	}
	if s == "#" || s == "%" {
		return part{repl: true, num: s[0]}, true, nil
	}
	neg := strings.HasPrefix(s, "-")
	digits := 0
	if neg {
		digits = 1
	}
	for digits < len(s) && s[digits] >= '0' && s[digits] <= '9' {
		digits++
	}
	p = part{repl: true, mod: s[digits:]}
	if neg && digits == 1 {
		return part{}, false, nil // {-x}: text
	}
	if digits > 0 {
		n, err := strconv.Atoi(s[:digits])
		if err != nil || n == 0 {
			return part{}, false, nil
		}
		p.arg = n
	}
	return p, modifiers[p.mod], nil
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

// Expand renders the command line of one job, given its arguments, its
// sequence number ({#}) and its slot ({%}). Every argument is
// shell-quoted, so that an input is data and never code; {n} or {-n} past
// the arguments is an empty word (two single quotes).
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
		case p.arg > 0 && p.arg <= len(args):
			b.WriteString(Quote(modify(args[p.arg-1], p.mod)))
		case p.arg < 0 && -p.arg <= len(args):
			b.WriteString(Quote(modify(args[len(args)+p.arg], p.mod)))
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
