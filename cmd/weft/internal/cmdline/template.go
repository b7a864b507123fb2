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
	"cmp"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/weft-dev/weft/cmd/weft/internal/perlexpr"
)

// Template is a command line with replacement strings, parsed once by
// Parse (or Raw).
type Template struct {
	parts  []part
	append bool // no replacement string: the arguments are appended
	raw    bool // no command: the arguments, unquoted, are the command
	perl   *perlexpr.Template
	exprs  []perlexpr.Expr
	total  bool      // an expression calls total_jobs()
	trim   string    // --trim: the blanks taken off each argument (trim.go)
	quote  bool      // -q: each word quoted whole (quoted.go)
	ctx    []segment // Context: the words, some repeated per argument (multi.go)
}

// part is literal text, or a replacement string: an argument (all of them
// when arg == 0) transformed by mod, or the job or slot number.
type part struct {
	text string
	repl bool
	arg  int    // 1-based; 0 for all arguments; -1 for the last
	mod  string // "", ".", "/", "//", "/."
	num  byte   // '#' job number, '%' slot number
	perl bool   // a perl expression ({= =}, a --rpl tag): expr on arg
	expr int
}

var modifiers = map[string]bool{"": true, ".": true, "/": true, "//": true, "/.": true}

// Parse finds the replacement strings of GNU parallel in cmd: {} {.} {/}
// {//} {/.} {#} {%}, {n} and {-n} with the same modifiers ({2/.},
// {-1/}), and the perl expressions {= perl =} and {=n perl =}. Other text
// in braces is left as it is ({x}, awk's {print $1}), as GNU parallel
// leaves it; but a replacement string GNU parallel has and weft does not
// (--plus's {..} and {+/} without --plus, {#:%04d}, {0}) is an error that
// names it. A
// command without replacement strings gets the arguments appended.
func Parse(cmd string) (Template, error) {
	return ParseWith(cmd, Syntax{})
}

// Syntax is how a command template spells its replacement strings, when
// not as Parse has them.
type Syntax struct {
	// Perl is --rpl and --parens.
	Perl perlexpr.Syntax
	// Rename gives other spellings to the replacement strings {} {.} {/}
	// {//} {/.} {#} {%} (-I, --extensionreplace, --basenamereplace,
	// --dirnamereplace, --basenameextensionreplace, --seqreplace,
	// --slotreplace): Rename["{}"] = ",," makes ,, the input, and {} (and
	// its positional forms {n}) plain text, as in GNU parallel.
	Rename map[string]string
	// Trim is --trim: the blanks (space, tab, newline, CR, FF, VT) taken
	// off each argument before it is put in the command, "l" at its start,
	// "r" at its end, "lr" or "rl" at both; "" or "n" takes none. A perl
	// expression needs the same from its Evaluator (perlexpr.WithTrim).
	Trim string
}

// renamable are the replacement strings Syntax.Rename may respell, with
// what each stands for.
var renamable = map[string]part{
	"{}": {repl: true}, "{.}": {repl: true, mod: "."}, "{/}": {repl: true, mod: "/"}, "{//}": {repl: true, mod: "//"},
	"{/.}": {repl: true, mod: "/."}, "{#}": {repl: true, num: '#'}, "{%}": {repl: true, num: '%'},
}

// canonical is the replacement string a part of Parse stands for, in its
// plain form.
func (p part) canonical() string {
	if p.num != 0 {
		return "{" + string(p.num) + "}"
	}
	return "{" + p.mod + "}"
}

// ParseWith is Parse with GNU parallel's perl replacement strings as syn
// says (--rpl, --parens): {= perl =} and {=n perl =} are found first, then
// the --rpl tags, then the replacement strings of Parse in what is left.
// The expressions are evaluated by the caller (Exprs, Calls) and their
// values given to ExpandPerl.
func ParseWith(cmd string, syn Syntax) (Template, error) {
	for tag, s := range syn.Rename {
		if _, ok := renamable[tag]; !ok || s == "" {
			return Template{}, fmt.Errorf("cannot spell %s as %q", tag, s)
		}
		if strings.HasPrefix(s, "{") && s != tag {
			return Template{}, fmt.Errorf("replacement string %s in braces is not supported yet (GNU parallel would give it positional forms): use one without braces, such as ,,", s)
		}
	}
	pp, err := perlexpr.NewParser(syn.Perl)
	if err != nil {
		return Template{}, err
	}
	pt, err := pp.Parse(cmd)
	if err != nil {
		return Template{}, err
	}
	if syn.Trim != "" {
		if err := CheckTrim(syn.Trim); err != nil {
			return Template{}, err
		}
	}
	t := Template{trim: syn.Trim}
	for _, seg := range pt.Segments {
		if seg.Kind == perlexpr.Perl {
			t.parts = append(t.parts, part{repl: true, perl: true, expr: seg.Expr, arg: seg.Pos})
			continue
		}
		parts, err := parseText(seg.Text, syn.Rename)
		if err != nil {
			return Template{}, err
		}
		t.parts = append(t.parts, parts...)
	}
	t.append = true
	for _, p := range t.parts {
		if p.repl {
			t.append = false
		}
	}
	if pt.HasPerl() {
		t.perl, t.exprs, t.total = pt, pp.Exprs(), pp.NeedsTotal()
	}
	return t, nil
}

// parseText finds the replacement strings of Parse, spelled as rename
// says, in text that holds no perl expression.
func parseText(cmd string, rename map[string]string) ([]part, error) {
	var parts []part
	type spelling struct {
		s string
		p part
	}
	var own []spelling // the renamed ones, longest first
	renamed := map[string]bool{}
	for tag, s := range rename {
		if s != tag {
			own = append(own, spelling{s, renamable[tag]})
			renamed[tag] = true
		}
	}
	slices.SortFunc(own, func(a, b spelling) int { return cmp.Compare(len(b.s), len(a.s)) })
	lit := strings.Builder{}
	flush := func() {
		if lit.Len() > 0 {
			parts = append(parts, part{text: lit.String()})
			lit.Reset()
		}
	}
scan:
	for i := 0; i < len(cmd); {
		for _, o := range own {
			if strings.HasPrefix(cmd[i:], o.s) {
				flush()
				parts = append(parts, o.p)
				i += len(o.s)
				continue scan
			}
		}
		if cmd[i] == '{' {
			if end := strings.IndexByte(cmd[i:], '}'); end > 0 {
				p, ok, err := parseRepl(cmd[i+1 : i+end])
				if err != nil {
					return nil, err
				}
				if ok && !renamed[p.canonical()] {
					flush()
					parts = append(parts, p)
					i += end + 1
					continue
				}
			}
		}
		lit.WriteByte(cmd[i])
		i++
	}
	if lit.Len() > 0 {
		parts = append(parts, part{text: lit.String()})
	}
	return parts, nil
}

// HasPerl reports whether t holds a perl expression: its jobs need the
// values of Calls from a perlexpr.Evaluator started with Exprs.
func (t Template) HasPerl() bool { return t.perl != nil }

// Exprs are the perl expressions of t, to start a perlexpr.Evaluator with.
func (t Template) Exprs() []perlexpr.Expr { return t.exprs }

// NeedsTotal reports whether an expression of t calls total_jobs(): the
// evaluator then needs the number of jobs.
func (t Template) NeedsTotal() bool { return t.total }

// Calls are the evaluations a job of nargs arguments needs.
func (t Template) Calls(nargs int) []perlexpr.Call {
	if t.perl == nil {
		return nil
	}
	return t.perl.AppendCalls(nil, nargs)
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

// notYet are the replacement strings of GNU parallel (--plus's, and
// 20260422's {rpl:format}) that weft does not implement, each with what
// to write instead.
var notYet = []struct {
	re  *regexp.Regexp
	why string
}{
	{regexp.MustCompile(`^-?[0-9]*(\+/|\+\.|\+\.\.|\+\.\.\.|\.\.|\.\.\.|/\.\.|/\.\.\.|##)$`),
		"it is one of --plus's: give --plus (without it, GNU parallel leaves it as text)"},
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

// Trimmed returns t with the --trim mode of Syntax.Trim; for Raw, whose
// template has no Syntax.
func (t Template) Trimmed(mode string) (Template, error) {
	if err := CheckTrim(mode); err != nil {
		return Template{}, err
	}
	t.trim = mode
	return t, nil
}

// IsRaw reports whether t is Raw: the inputs are the commands.
func (t Template) IsRaw() bool { return t.raw }

// IsLiteral reports whether t has no replacement string at all: it is
// text, whatever the job.
func (t Template) IsLiteral() bool {
	for _, p := range t.parts {
		if p.repl {
			return false
		}
	}
	return !t.raw
}

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
	return t.ExpandPerl(args, seq, slot, perlexpr.Result{})
}

// ExpandPerl is Expand for a template with perl expressions, given their
// values for this job (from an Evaluator, for the Calls of t): each value
// is shell-quoted like any input, unless the expression called uq().
func (t Template) ExpandPerl(args []string, seq int64, slot int, res perlexpr.Result) string {
	args = t.TrimArgs(args)
	if t.quote {
		return t.expandQuoted(args, seq, slot, res)
	}
	if t.raw {
		return strings.Join(args, " ")
	}
	if t.ctx != nil {
		return t.expandContext(args, seq, slot)
	}
	return t.expand(args, seq, slot, res, Quote, t.append)
}

// ExpandText renders t as text, not as a command line: with the values as
// they are, unquoted, and nothing appended, as GNU parallel renders
// --tagstring. A template with perl expressions renders them empty.
func (t Template) ExpandText(args []string, seq int64, slot int) string {
	return t.expand(args, seq, slot, perlexpr.Result{}, func(s string) string { return s }, false)
}

func (t Template) expand(args []string, seq int64, slot int, res perlexpr.Result, quote func(string) string, appendArgs bool) string {
	var b strings.Builder
	for _, p := range t.parts {
		switch {
		case !p.repl:
			b.WriteString(p.text)
		case p.num == '#':
			b.WriteString(strconv.FormatInt(seq, 10))
		case p.num == '%':
			b.WriteString(strconv.Itoa(slot))
		case p.perl:
			writePerl(&b, p, len(args), res)
		case p.arg == 0:
			for i, a := range args {
				if i > 0 {
					b.WriteByte(' ')
				}
				b.WriteString(quote(modify(a, p.mod)))
			}
		case p.arg > 0 && p.arg <= len(args):
			b.WriteString(quote(modify(args[p.arg-1], p.mod)))
		case p.arg < 0 && negIndex(p.arg, len(args)) >= 0:
			b.WriteString(quote(modify(args[negIndex(p.arg, len(args))], p.mod)))
		default:
			b.WriteString(quote(""))
		}
	}
	if appendArgs {
		for _, a := range args {
			b.WriteByte(' ')
			b.WriteString(quote(a))
		}
	}
	return b.String()
}

// negIndex is the index of the argument {-k} names among n, or -1: the
// k-th from the last, and past the first, counted again from the last
// once, as GNU parallel (a perl array index) has it: with two arguments,
// {-3} is the last.
func negIndex(pos, n int) int {
	i := n + pos
	if i < 0 {
		i += n
	}
	return max(i, -1)
}

// writePerl writes the value of a perl expression: on the argument its
// position names, or on each argument in turn, separated by spaces.
func writePerl(b *strings.Builder, p part, nargs int, res perlexpr.Result) {
	write := func(i int) {
		v, _ := res.Value(p.expr, i)
		if v.Unquoted {
			b.WriteString(v.Text)
		} else {
			b.WriteString(Quote(v.Text))
		}
	}
	if p.arg != 0 {
		if i, ok := perlexpr.ArgIndex(p.arg, max(nargs, 1)); ok {
			write(i)
		}
		return
	}
	for i := range max(nargs, 1) {
		if i > 0 {
			b.WriteByte(' ')
		}
		write(i)
	}
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
