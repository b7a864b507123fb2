package perlexpr

import (
	"fmt"
	"regexp"
	"strings"
)

// A tag is a replacement string defined by --rpl or implemented by the
// caller: its text as defined (which may hold a regexp in parentheses),
// compiled into the pattern that finds it and, for a tag that starts with
// {, the pattern that finds its positional form {2TAG}.
type tag struct {
	spec   string
	def    string // the --rpl definition as given; "" for a native tag
	code   string // the perl code of a --rpl tag
	native bool
	plus   bool // one of --plus's
	// refused says why weft does not have this tag of --plus, if it
	// does not: its use is an error.
	refused string
	re      *regexp.Regexp
	posRe   *regexp.Regexp // nil unless spec starts with {
}

// origin names where the tag was defined, for messages.
func (t *tag) origin() string {
	if t.plus {
		return "--plus"
	}
	return "--rpl " + shellWord(t.def)
}

// compileTag builds the patterns of a tag. As in GNU parallel, the text
// before the first ( and after the last ) is literal, and what lies between
// them, parentheses included, is a regexp whose groups the expression reads
// as $$1, $$2...; the regexp is read as perl's /x reads it (whitespace and
// # comments outside a character class are ignored) and must be RE2 syntax,
// which is perl's without lookaround and backreferences.
func compileTag(spec string) (re, posRe *regexp.Regexp, err error) {
	prefix, group, postfix := splitTag(spec)
	group = stripX(group)
	body := group + regexp.QuoteMeta(postfix)
	re, err = regexp.Compile("(?s)" + regexp.QuoteMeta(prefix) + body)
	if err != nil {
		return nil, nil, fmt.Errorf("the regexp %s in it is not one weft reads (RE2 syntax: no lookaround, no backreferences): %v", group, err)
	}
	if re.MatchString("") {
		return nil, nil, fmt.Errorf("it matches empty text")
	}
	if strings.HasPrefix(prefix, "{") {
		posRe = regexp.MustCompile(`(?s)\{(-?[0-9]+)[\t\n\v\f\r ]*` + regexp.QuoteMeta(prefix[1:]) + body)
	}
	return re, posRe, nil
}

// splitTag splits a tag into its literal prefix, its regexp (from the first
// ( to the last ), or "" when there is none) and its literal postfix.
func splitTag(spec string) (prefix, group, postfix string) {
	i := strings.IndexByte(spec, '(')
	if i < 0 {
		return spec, "", ""
	}
	j := strings.LastIndexByte(spec, ')')
	if j < i {
		return spec[:i], "", spec[i:]
	}
	return spec[:i], spec[i : j+1], spec[j+1:]
}

// stripX removes what perl's /x modifier ignores in a regexp: whitespace and
// comments outside character classes. An escaped whitespace character stays,
// written in a form RE2 accepts.
func stripX(re string) string {
	var b strings.Builder
	inClass := false
	for i := 0; i < len(re); i++ {
		c := re[i]
		switch {
		case c == '\\' && i+1 < len(re):
			i++
			if isSpace(re[i]) {
				fmt.Fprintf(&b, `\x%02x`, re[i])
			} else {
				b.WriteByte('\\')
				b.WriteByte(re[i])
			}
		case inClass:
			b.WriteByte(c)
			if c == ']' {
				inClass = false
			}
		case c == '[':
			b.WriteByte(c)
			inClass = true
			if i+1 < len(re) && re[i+1] == '^' {
				b.WriteByte('^')
				i++
			}
			if i+1 < len(re) && re[i+1] == ']' { // a ] first in a class is literal
				b.WriteByte(']')
				i++
			}
		case isSpace(c):
		case c == '#':
			for i+1 < len(re) && re[i+1] != '\n' {
				i++
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// groups returns the text of a match's regexp groups, from the first group
// (group first of the match) up to the first that took no part in it, as GNU
// parallel hands them to the expression.
func groups(s string, m []int, first int) []string {
	var g []string
	for k := first; 2*k+1 < len(m) && m[2*k] >= 0; k++ {
		g = append(g, s[m[2*k]:m[2*k+1]])
	}
	return g
}

// rplCode is the perl code for one use of a --rpl tag: its expression, with
// $$N read from variables set to the text the tag's groups captured.
func rplCode(code string, grp []string) string {
	body := dollarGroup.ReplaceAllString(code, "$${__rpl$1}")
	if len(grp) == 0 {
		return body
	}
	var b strings.Builder
	b.WriteString("my (")
	for i := range grp {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$__rpl%d", i+1)
	}
	b.WriteString(") = (")
	for i, g := range grp {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(perlString(g))
	}
	b.WriteString("); ")
	b.WriteString(body)
	return b.String()
}

var dollarGroup = regexp.MustCompile(`\$\$([0-9]+)`)

// perlString returns s as a perl single-quoted string literal.
func perlString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// XRegexp returns a perl regexp as perl's /x modifier reads it: without
// the whitespace and # comments outside character classes.
func XRegexp(re string) string { return stripX(re) }
