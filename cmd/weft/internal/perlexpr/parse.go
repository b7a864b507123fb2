package perlexpr

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// DefaultParens is the --parens value that GNU parallel and weft use when
// none is given: {= opens a perl expression and =} closes it.
const DefaultParens = "{==}"

// Syntax is how command templates spell replacement strings.
type Syntax struct {
	// Parens is the --parens value: the left delimiter of a perl expression
	// followed by the right one, of the same length ("{==}", ",,,,").
	// The zero value means DefaultParens.
	Parens string
	// Rpl holds the --rpl definitions, in the order given, each
	// 'TAG perl-expression'. A later definition of the same tag replaces
	// an earlier one, and a definition of a native tag replaces it.
	Rpl []string
	// Native holds the replacement strings that the caller implements
	// itself, in --rpl's tag notation: "{}", "{.}", "{/}" or, with a regexp,
	// "{%(.+?)}". The parser finds them in the same pass as the --rpl tags,
	// so that the longest tag wins wherever two could match.
	Native []string
	// Plus adds the replacement strings of GNU parallel's --plus ({..},
	// {+/}, {##}, {%suffix}, {/a/b} and the others), before the --rpl
	// definitions, which may redefine them. Those weft does not have
	// ({0%}, {slot}, {host}...) are errors that name them.
	Plus bool
}

// Parser finds replacement strings in command templates. It is built once
// per run from the Syntax and collects the perl expressions of every
// template it parses, so that one Evaluator serves them all. A Parser is not
// safe for concurrent use; the Templates it returns are read-only and may be
// shared.
type Parser struct {
	left, right string
	tags        []*tag
	exprs       []Expr
	index       map[string]int
}

// Expr is one perl expression to compile: its code, and the text it came
// from, for messages.
type Expr struct {
	// Code is the perl code, run with $_ set to the argument.
	Code string
	// Text is where the expression was first found, as written: "{= s/a/b/ =}",
	// or a --rpl tag's use followed by its definition.
	Text string
}

// Kind says what a Segment of a template is.
type Kind uint8

// The kinds of Segment.
const (
	// Literal text, copied as it is.
	Literal Kind = iota
	// Perl is a perl expression: {= =}, or a --rpl tag.
	Perl
	// Native is one of the Syntax's native tags.
	Native
)

// Segment is one piece of a parsed template.
type Segment struct {
	// Kind says which of the fields below apply.
	Kind Kind
	// Text is the literal text, or the replacement string as written.
	Text string
	// Pos is the argument a replacement string stands for: 0 for each of
	// the job's arguments in turn (the values joined by spaces, each quoted
	// on its own), n > 0 for the nth, n < 0 for the nth from the end.
	Pos int
	// Expr is, for Perl, the expression's index in the Parser's Exprs.
	Expr int
	// Tag is, for Native, the tag as given in Syntax.Native.
	Tag string
	// Groups is, for Native, the text the tag's regexp groups captured.
	Groups []string
}

// Template is a parsed command template.
type Template struct {
	// Segments are the template's pieces, in order; a command is their
	// values put end to end.
	Segments []Segment
}

// NewParser checks a Syntax and returns a Parser for it. The errors name
// the --parens or --rpl value that is wrong and say what to use.
func NewParser(syn Syntax) (*Parser, error) {
	p := &Parser{index: map[string]int{}}
	var err error
	if p.left, p.right, err = ParseParens(syn.Parens); err != nil {
		return nil, err
	}
	var tags []*tag
	for _, spec := range syn.Native {
		re, posRe, err := compileTag(spec)
		if err != nil {
			return nil, fmt.Errorf("native replacement string %q: %v", spec, err)
		}
		tags = append(tags, &tag{spec: spec, native: true, re: re, posRe: posRe})
	}
	var user []*tag
	if syn.Plus {
		for _, t := range plusTags {
			re, posRe, err := compileTag(t.spec)
			if err != nil {
				panic(fmt.Sprintf("perlexpr: --plus tag %s: %v", t.spec, err))
			}
			user = append(user, &tag{spec: t.spec, code: t.code, plus: true, re: re, posRe: posRe})
		}
		for _, t := range plusRefused {
			re, posRe, _ := compileTag(t.spec)
			user = append(user, &tag{spec: t.spec, refused: t.why, plus: true, re: re, posRe: posRe})
		}
	}
	for _, def := range syn.Rpl {
		spec, code, err := ParseRpl(def)
		if err != nil {
			return nil, err
		}
		re, posRe, err := compileTag(spec)
		if err != nil {
			return nil, fmt.Errorf("--rpl %s: the tag %s: %v", shellWord(def), spec, err)
		}
		user = slices.DeleteFunc(user, func(t *tag) bool { return t.spec == spec })
		user = append(user, &tag{spec: spec, def: def, code: code, re: re, posRe: posRe})
	}
	tags = slices.DeleteFunc(tags, func(n *tag) bool {
		return slices.ContainsFunc(user, func(u *tag) bool { return u.spec == n.spec })
	})
	// Longest first, as GNU parallel replaces them, so that a tag that is
	// part of a longer one does not break it up; ties go to --rpl.
	p.tags = append(user, tags...)
	slices.SortStableFunc(p.tags, func(a, b *tag) int { return cmp.Compare(len(b.spec), len(a.spec)) })
	return p, nil
}

// ParseParens splits a --parens value into its left and right delimiters;
// "" gives those of DefaultParens.
func ParseParens(s string) (left, right string, err error) {
	if s == "" {
		s = DefaultParens
	}
	if len(s)%2 != 0 {
		return "", "", fmt.Errorf("--parens %s: give the left and the right delimiter, of the same length, as one string: --parens '{==}' or --parens ',,,,'", shellWord(s))
	}
	return s[:len(s)/2], s[len(s)/2:], nil
}

// ParseRpl splits a --rpl definition, 'TAG perl-expression', at its first
// whitespace character into the tag and the expression.
func ParseRpl(def string) (tag, code string, err error) {
	i := strings.IndexAny(def, " \t\n\r\f\v")
	if i <= 0 {
		return "", "", fmt.Errorf("--rpl %s: give a tag, a space and a perl expression: --rpl '{..} s:\\.[^.]+$::;s:\\.[^.]+$::'", shellWord(def))
	}
	return def[:i], def[i+1:], nil
}

// Exprs returns the perl expressions of every template parsed so far; a
// Segment's Expr indexes this slice. Pass it to Start.
func (p *Parser) Exprs() []Expr { return slices.Clip(p.exprs) }

// NeedsTotal reports whether an expression calls total_jobs(), which needs
// the number of jobs: the runner must then read all its input before the
// first job and give Job.Total.
func (p *Parser) NeedsTotal() bool {
	return slices.ContainsFunc(p.exprs, func(e Expr) bool { return strings.Contains(e.Code, "total_jobs") })
}

// Parse splits a command template into segments, as GNU parallel reads it:
// first the perl expressions between the parens ({= =}, with a position
// when digits follow the left one at once, {=2 =}), then in the text left
// over every tag, longest first, each in its plain form and, when it starts
// with {, in its positional form ({2TAG}, {-1TAG}). A left paren without a
// right one, and a position that names no argument, are errors that quote
// the text; text in braces that is no known tag is literal, as in GNU
// parallel (awk '{print $1}' must stay as it is).
func (p *Parser) Parse(cmd string) (*Template, error) {
	segs, err := p.splitParens(cmd)
	if err != nil {
		return nil, err
	}
	for _, t := range p.tags {
		if segs, err = p.applyTag(segs, t, t.re, false); err != nil {
			return nil, err
		}
		if t.posRe != nil {
			if segs, err = p.applyTag(segs, t, t.posRe, true); err != nil {
				return nil, err
			}
		}
	}
	return &Template{Segments: segs}, nil
}

func (p *Parser) splitParens(s string) ([]Segment, error) {
	var segs []Segment
	for {
		i := strings.Index(s, p.left)
		if i < 0 {
			break
		}
		body := s[i+len(p.left):]
		j := strings.Index(body, p.right)
		if j < 0 {
			return nil, fmt.Errorf("%s has no closing %s", clip(s[i:]), p.right)
		}
		if k := strings.Index(body[:j], p.left); k >= 0 {
			return nil, fmt.Errorf("%s opens a perl expression inside another: they do not nest", clip(s[i:i+len(p.left)+j+len(p.right)]))
		}
		text := s[i : i+len(p.left)+j+len(p.right)]
		pos, code, err := splitPos(body[:j])
		if err != nil {
			return nil, fmt.Errorf("%s: %v", text, err)
		}
		if i > 0 {
			segs = append(segs, Segment{Kind: Literal, Text: s[:i]})
		}
		segs = append(segs, Segment{Kind: Perl, Text: text, Pos: pos, Expr: p.add(code, text)})
		s = body[j+len(p.right):]
	}
	if s != "" {
		segs = append(segs, Segment{Kind: Literal, Text: s})
	}
	return segs, nil
}

// splitPos splits the leading position off an expression: digits right
// after the left paren (or at the start of a --rpl expression) name the
// argument, and the spaces after them are dropped; 0 means none, as in GNU
// parallel.
func splitPos(s string) (pos int, code string, err error) {
	n := 0
	if strings.HasPrefix(s, "-") {
		n = 1
	}
	d := n
	for d < len(s) && s[d] >= '0' && s[d] <= '9' {
		d++
	}
	if d == n {
		return 0, strings.TrimLeft(s, " "), nil
	}
	if pos, err = position(s[:d]); err != nil {
		return 0, "", err
	}
	return pos, strings.TrimLeft(s[d:], " "), nil
}

func position(digits string) (int, error) {
	pos, err := strconv.Atoi(digits)
	if err != nil || pos < -1<<31 || pos > 1<<31 {
		return 0, fmt.Errorf("the position %s is out of range", digits)
	}
	if pos == 0 && digits[0] == '-' {
		return 0, fmt.Errorf("the position %s names no argument: count from 1, or from -1 for the last", digits)
	}
	return pos, nil
}

// applyTag replaces the tag's matches in the literal segments.
func (p *Parser) applyTag(segs []Segment, t *tag, re *regexp.Regexp, positional bool) ([]Segment, error) {
	out := segs[:0:0]
	for _, sg := range segs {
		if sg.Kind != Literal {
			out = append(out, sg)
			continue
		}
		rest := sg.Text
		for rest != "" {
			m := re.FindStringSubmatchIndex(rest)
			if m == nil {
				break
			}
			if m[1] == m[0] {
				return nil, fmt.Errorf("the tag %s matches empty text in %s", t.spec, clip(sg.Text))
			}
			if m[0] > 0 {
				out = append(out, Segment{Kind: Literal, Text: rest[:m[0]]})
			}
			seg, err := p.tagSegment(t, rest, m, positional)
			if err != nil {
				return nil, err
			}
			out = append(out, seg)
			rest = rest[m[1]:]
		}
		if rest != "" {
			out = append(out, Segment{Kind: Literal, Text: rest})
		}
	}
	return out, nil
}

func (p *Parser) tagSegment(t *tag, s string, m []int, positional bool) (Segment, error) {
	seg := Segment{Text: s[m[0]:m[1]]}
	first := 1
	if positional {
		pos, err := position(s[m[2]:m[3]])
		if err != nil {
			return Segment{}, fmt.Errorf("%s: %v", seg.Text, err)
		}
		seg.Pos, first = pos, 2
	}
	grp := groups(s, m, first)
	if t.refused != "" {
		return Segment{}, fmt.Errorf("replacement string %s (--plus) is not supported: %s", seg.Text, t.refused)
	}
	if t.native {
		seg.Kind, seg.Tag, seg.Groups = Native, t.spec, grp
		return seg, nil
	}
	// An expression that starts with digits is positional (GNU parallel's
	// {#} is '1 $_=$job->seq()': the value is not repeated for each
	// argument); a position written in the tag ({2TAG}) wins over it.
	pos, code, err := splitPos(t.code)
	if err != nil {
		return Segment{}, fmt.Errorf("%s: %v", t.origin(), err)
	}
	if !positional {
		seg.Pos = pos
	}
	seg.Kind = Perl
	seg.Expr = p.add(rplCode(code, grp), seg.Text+" ("+t.origin()+")")
	return seg, nil
}

func (p *Parser) add(code, text string) int {
	if i, ok := p.index[code]; ok {
		return i
	}
	p.exprs = append(p.exprs, Expr{Code: code, Text: text})
	p.index[code] = len(p.exprs) - 1
	return len(p.exprs) - 1
}

// HasPerl reports whether the template holds a perl expression.
func (t *Template) HasPerl() bool {
	return slices.ContainsFunc(t.Segments, func(s Segment) bool { return s.Kind == Perl })
}

// AppendCalls appends to dst the evaluations that the template's perl
// segments need for a job of nargs arguments, each (expression, argument)
// pair once, and returns the extended slice. Pass the calls of every
// template of a job to one Evaluator.Eval, so that an expression found in
// two of them is evaluated once, as GNU parallel does. A job without
// arguments is evaluated with one empty argument, as in GNU parallel.
func (t *Template) AppendCalls(dst []Call, nargs int) []Call {
	nargs = max(nargs, 1)
	add := func(c Call) {
		if !slices.Contains(dst, c) {
			dst = append(dst, c)
		}
	}
	for _, s := range t.Segments {
		if s.Kind != Perl {
			continue
		}
		if s.Pos == 0 {
			for i := range nargs {
				add(Call{Expr: s.Expr, Arg: i})
			}
		} else if i, ok := ArgIndex(s.Pos, nargs); ok {
			add(Call{Expr: s.Expr, Arg: i})
		}
	}
	return dst
}

// ArgIndex returns the 0-based index of the argument that a position
// (Segment.Pos, not 0) names in a job of nargs arguments, and false when
// there is no such argument (GNU parallel then substitutes nothing). A
// negative position counts from the last; past the first, it counts from
// the last once more, as GNU parallel's perl array index does: with two
// arguments, -3 is the last.
func ArgIndex(pos, nargs int) (int, bool) {
	switch {
	case pos > 0 && pos <= nargs:
		return pos - 1, true
	case pos < 0:
		i := nargs + pos
		if i < 0 {
			i += nargs
		}
		if i >= 0 {
			return i, true
		}
	}
	return 0, false
}

// clip shortens text quoted in a message.
func clip(s string) string {
	const max = 60
	if len(s) > max {
		return strconv.Quote(s[:max] + "...")
	}
	return strconv.Quote(s)
}

// shellWord quotes s the way a user would type it: in single quotes.
func shellWord(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
