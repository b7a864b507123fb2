package cmdline

import (
	"errors"
	"strconv"
	"strings"

	"github.com/weft-dev/weft/cmd/weft/internal/perlexpr"
)

// wordBreak separates the words of a command given to ParseQuoted: a
// command-line word cannot hold a NUL byte.
const wordBreak = "\x00"

// ParseQuoted is ParseWith for GNU parallel's -q (--quote): the command is
// given as its words, and each word, once its replacement strings are
// replaced, is shell-quoted as a whole, so that the shell runs the command
// as given instead of reading it (perl -e 'print "@ARGV\n"' keeps its
// quotes and its @). The values inside a word are not quoted on their own;
// {} standing for several arguments makes one word of each. No words at
// all is Raw, each input quoted as one word. A perl expression must lie
// within one word.
func ParseQuoted(words []string, syn Syntax) (Template, error) {
	if len(words) == 0 {
		return Template{raw: true, quote: true, trim: syn.Trim}, nil
	}
	for _, w := range words {
		if strings.Contains(w, wordBreak) {
			return Template{}, errors.New("a command word holds a NUL byte")
		}
	}
	t, err := ParseWith(strings.Join(words, wordBreak), syn)
	if err != nil {
		return Template{}, err
	}
	for _, e := range t.exprs {
		if strings.Contains(e.Code, wordBreak) {
			return Template{}, errors.New("with -q, a perl expression must be one word of the command: quote it whole ('{= ... =}')")
		}
	}
	t.quote = true
	return t, nil
}

// expandQuoted is ExpandPerl for a template of ParseQuoted: the values
// go into their words as they are, and each word is then quoted whole.
func (t Template) expandQuoted(args []string, seq int64, slot int, res perlexpr.Result) string {
	var words []string
	if t.raw {
		for _, a := range args {
			words = append(words, Quote(a))
		}
		return strings.Join(words, " ")
	}
	var w strings.Builder
	next := func() {
		words = append(words, Quote(w.String()))
		w.Reset()
	}
	for _, p := range t.parts {
		switch {
		case !p.repl:
			for i, s := range strings.Split(p.text, wordBreak) {
				if i > 0 {
					next()
				}
				w.WriteString(s)
			}
		case p.num == '#':
			w.WriteString(strconv.FormatInt(seq, 10))
		case p.num == '%':
			w.WriteString(strconv.Itoa(slot))
		case p.perl:
			value := func(i int) string { v, _ := res.Value(p.expr, i); return v.Text }
			if p.arg != 0 {
				if i, ok := perlexpr.ArgIndex(p.arg, max(len(args), 1)); ok {
					w.WriteString(value(i))
				}
				break
			}
			for i := range max(len(args), 1) {
				if i > 0 {
					next()
				}
				w.WriteString(value(i))
			}
		case p.arg == 0:
			for i, a := range args {
				if i > 0 {
					next()
				}
				w.WriteString(modify(a, p.mod))
			}
		case p.arg > 0 && p.arg <= len(args):
			w.WriteString(modify(args[p.arg-1], p.mod))
		case p.arg < 0 && negIndex(p.arg, len(args)) >= 0:
			w.WriteString(modify(args[negIndex(p.arg, len(args))], p.mod))
		}
	}
	next()
	if t.append {
		for _, a := range args {
			words = append(words, Quote(a))
		}
	}
	return strings.Join(words, " ")
}
