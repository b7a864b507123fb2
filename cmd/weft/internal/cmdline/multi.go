package cmdline

import (
	"strconv"
	"strings"
)

// A job may take several arguments (-n, -N, -m, -X, -L, --xargs). Expand
// then gives each replacement string of all the arguments ({} {.} {/} {//}
// {/.}) every argument, modified one by one and separated by spaces, and
// {n} the n-th of them. A Context template (-X, -N, -L) repeats instead
// the whole word around such a replacement string once per argument:
// echo pre-{}-post with a and b is echo pre-a-post pre-b-post.

// segment is a part of a Context template: white space, or a word (text
// and replacement strings up to the next white space), repeated once per
// argument when it holds a replacement string of every argument.
type segment struct {
	parts  []part
	repeat bool
}

// Context returns t with GNU parallel's context replace (-X, -N, -L): a
// word holding {} (or {.} {/} {//} {/.}, but not {n}, {#} or {%}) is
// written once per argument, each time with that argument. Words are cut
// at white space in the template's text, wherever the quotes are. A
// template with perl expressions is returned as it is: call
// CanContext first.
func (t Template) Context() Template {
	if t.raw || t.perl != nil {
		return t
	}
	var segs []segment
	var word []part
	endWord := func() {
		if len(word) == 0 {
			return
		}
		s := segment{parts: word}
		for _, p := range word {
			if p.repl && p.num == 0 && p.arg == 0 {
				s.repeat = true
			}
		}
		segs = append(segs, s)
		word = nil
	}
	for _, p := range t.parts {
		if p.repl {
			word = append(word, p)
			continue
		}
		text := p.text
		for text != "" {
			i := strings.IndexFunc(text, isSpace)
			if i < 0 {
				word = append(word, part{text: text})
				break
			}
			if i > 0 {
				word = append(word, part{text: text[:i]})
			}
			endWord()
			j := strings.IndexFunc(text[i:], func(r rune) bool { return !isSpace(r) })
			if j < 0 {
				j = len(text) - i
			}
			segs = append(segs, segment{parts: []part{{text: text[i : i+j]}}})
			text = text[i+j:]
		}
	}
	endWord()
	t.ctx = segs
	return t
}

// CanContext reports whether Context applies to t: not to a template with
// perl expressions, whose values weft does not repeat per argument.
func (t Template) CanContext() bool { return t.perl == nil }

// IsContext reports whether t is a Context template.
func (t Template) IsContext() bool { return t.ctx != nil }

func isSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' || r == '\v'
}

// expandContext is Expand for a Context template.
func (t Template) expandContext(args []string, seq int64, slot int) string {
	var b strings.Builder
	for _, s := range t.ctx {
		if !s.repeat || len(args) == 0 {
			for _, p := range s.parts {
				writePart(&b, p, args, seq, slot)
			}
			continue
		}
		for i, a := range args {
			if i > 0 {
				b.WriteByte(' ')
			}
			for _, p := range s.parts {
				if p.repl && p.num == 0 && p.arg == 0 {
					b.WriteString(Quote(modify(a, p.mod)))
					continue
				}
				writePart(&b, p, args, seq, slot)
			}
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

// writePart writes one part that is not a perl expression, as Expand
// does.
func writePart(b *strings.Builder, p part, args []string, seq int64, slot int) {
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
	default:
		if i := argIndex(p.arg, len(args)); i >= 0 {
			b.WriteString(Quote(modify(args[i], p.mod)))
		} else {
			b.WriteString("''")
		}
	}
}

// argIndex is the index of the argument {n} or {-n} names among n, or -1.
func argIndex(pos, n int) int {
	if pos > 0 {
		if pos <= n {
			return pos - 1
		}
		return -1
	}
	return negIndex(pos, n)
}

// Sizer measures the command line of a job while its arguments are added
// one at a time, without expanding it again for each: Len is the length
// Expand would give (a Context template's too), with {%} counted as wide
// as the widest slot. A template with perl expressions cannot be measured
// (Sizer returns nil).
type Sizer struct {
	t         Template
	args      []string
	sums      []modSum // per modifier used, the quoted arguments' lengths
	seq       int64
	slotWidth int
}

// modSum is the total length of the arguments, each modified by mod and
// quoted.
type modSum struct {
	mod string
	sum int
}

// Sizer returns a Sizer of t for jobs that run in at most slots slots,
// or nil for a template with perl expressions.
func (t Template) Sizer(slots int) *Sizer {
	if t.perl != nil {
		return nil
	}
	s := &Sizer{t: t, slotWidth: digits(int64(max(slots, 1)))}
	use := func(mod string) {
		for _, m := range s.sums {
			if m.mod == mod {
				return
			}
		}
		s.sums = append(s.sums, modSum{mod: mod})
	}
	for _, p := range t.parts {
		if p.repl && p.num == 0 && p.arg == 0 {
			use(p.mod)
		}
	}
	if t.append || t.raw {
		use("")
	}
	return s
}

// Reset empties s for the job numbered seq.
func (s *Sizer) Reset(seq int64) {
	s.args, s.seq = s.args[:0], seq
	for i := range s.sums {
		s.sums[i].sum = 0
	}
}

// Add adds arguments to the job.
func (s *Sizer) Add(args ...string) {
	s.args = append(s.args, args...)
	s.count(args, 1)
}

// Drop removes the last n arguments added.
func (s *Sizer) Drop(n int) {
	k := len(s.args) - n
	s.count(s.args[k:], -1)
	s.args = s.args[:k]
}

func (s *Sizer) count(args []string, sign int) {
	for i := range s.sums {
		m := &s.sums[i]
		for _, a := range args {
			if s.t.raw {
				m.sum += sign * len(a)
			} else {
				m.sum += sign * quotedLen(modify(a, m.mod))
			}
		}
	}
}

// sum is the total length of the arguments modified by mod and quoted.
func (s *Sizer) sum(mod string) int {
	for _, m := range s.sums {
		if m.mod == mod {
			return m.sum
		}
	}
	return 0
}

// Len returns the length of the job's command line.
func (s *Sizer) Len() int {
	n := len(s.args)
	sep := max(n-1, 0) // the spaces between the arguments
	if s.t.raw {
		return s.sum("") + sep
	}
	total := 0
	if s.t.ctx == nil {
		for _, p := range s.t.parts {
			total += s.partLen(p)
		}
	} else {
		for _, g := range s.t.ctx {
			if !g.repeat || n == 0 {
				for _, p := range g.parts {
					total += s.partLen(p)
				}
				continue
			}
			for _, p := range g.parts {
				if p.repl && p.num == 0 && p.arg == 0 {
					total += s.sum(p.mod)
				} else {
					total += n * s.partLen(p)
				}
			}
			total += sep
		}
	}
	if s.t.append {
		total += s.sum("") + n
	}
	return total
}

// partLen is the length of one part as writePart writes it.
func (s *Sizer) partLen(p part) int {
	n := len(s.args)
	switch {
	case !p.repl:
		return len(p.text)
	case p.num == '#':
		return digits(s.seq)
	case p.num == '%':
		return s.slotWidth
	case p.arg == 0:
		return s.sum(p.mod) + max(n-1, 0)
	}
	if i := argIndex(p.arg, n); i >= 0 {
		return quotedLen(modify(s.args[i], p.mod))
	}
	return 2
}

// digits is the length of n in decimal.
func digits(n int64) int {
	d := 1
	if n < 0 {
		d, n = 2, -n
	}
	for ; n >= 10; n /= 10 {
		d++
	}
	return d
}

// quotedLen is len(Quote(s)), without building it.
func quotedLen(s string) int {
	if s == "" {
		return 2
	}
	quotes, safe := 0, true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\'' {
			quotes++
		}
		if !safeByte[c] {
			safe = false // a byte of a multibyte rune too, as Quote has it
		}
	}
	if safe {
		return len(s)
	}
	return 2 + len(s) + 4*quotes
}

// safeByte are the bytes Quote leaves unquoted.
var safeByte = func() (t [256]bool) {
	for c := range 256 {
		t[c] = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("_-./+", byte(c)) >= 0
	}
	return t
}()
