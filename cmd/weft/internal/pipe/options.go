package pipe

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"regexp"
	"regexp/syntax"
	"strings"
	"time"
)

// DefaultBlock is the block size when Options.Block is 0: 1 MiB, as in GNU
// parallel.
const DefaultBlock = 1 << 20

// DefaultPartBlocks is the number of parts per job slot that NewPartSplitter
// makes when Options.Block is 0 (GNU parallel's --pipe-part default, as if
// --block -10 had been given).
const DefaultPartBlocks = 10

// maxGrowth is where GNU parallel stops growing a block that holds no whole
// record: 2 GiB - 1.
const maxGrowth = 1<<31 - 1

// Options says how a Splitter cuts its input into blocks. The zero value is
// GNU parallel's default: blocks of about 1 MiB that end after a "\n".
//
// Each field is named after the GNU parallel option it stands for, and takes
// the value as given on the command line.
type Options struct {
	// Block is the block size in bytes (--block). 0 means DefaultBlock (for
	// NewPartSplitter: DefaultPartBlocks parts per job slot). A negative
	// value -n asks for n blocks per job slot: the input's size is divided by
	// Slots*n, so the input must be a regular file.
	Block int64
	// Slots is the number of job slots (-j); only a negative or default
	// part Block uses it.
	Slots int

	// RecStart is the string (--recstart) that starts a record; nil when
	// not given. RecEnd (--recend) ends one. When neither is given, RecEnd
	// is "\n"; when only RecStart is, RecEnd is "". A record boundary is
	// where RecEnd is immediately followed by RecStart, and is between the
	// two. Without Regexp the escapes \n \r \t \0 \\ \' \" stand for their
	// characters, as in GNU parallel.
	RecStart, RecEnd *string
	// Regexp makes RecStart and RecEnd regular expressions (--regexp), in
	// Go's RE2 syntax: no lookaround and no back-references.
	Regexp bool

	// Records is the number of records per block (-N); 0 means none: the
	// block size decides.
	Records int
	// Lines makes a record Lines lines long (-L); 0 means none. Without
	// Records, a block is then cut after a multiple of Lines lines; with
	// Records, a block is Records*Lines records.
	Lines int

	// RemoveRecSep removes the record separators from each block
	// (--remove-rec-sep): every RecEnd+RecStart, a RecStart at the start
	// of the block and a RecEnd at its end.
	RemoveRecSep bool

	// Header is matched at the start of the input (--header) and prepended
	// to every block: a regular expression, ":" for the first line, or a
	// number n for the first n lines. "" and "0" mean no header.
	Header string

	// SkipBlank removes lines made only of white space from the input (-r
	// with --pipe); an input with nothing else starts no job.
	SkipBlank bool

	// BlockTimeout, if positive, cuts a block short when reading it takes
	// longer (--block-timeout): the block then ends at the last record
	// boundary read so far. It needs a source with read deadlines (see
	// Pollable); a regular file never waits, so it is ignored there.
	BlockTimeout time.Duration

	// Warn, if not nil, is called with a one-line warning when a record
	// is longer than the block and the block grows to hold it.
	Warn func(msg string)
}

// spec is Options checked and compiled.
type spec struct {
	block  int64 // > 0, or < 0 for blocks per slot (resolved when the size is known)
	slots  int
	fixed  bool   // separators are fixed strings
	start  []byte // fixed RecStart, unescaped
	end    []byte // fixed RecEnd, unescaped
	sep    []byte // end followed by start
	reSrcS string // regexp RecStart source (wrapped)
	reSrcE string // regexp RecEnd source (wrapped)

	reLast   *regexp.Regexp // \A((?s:.*)(END))START: the last boundary in a block
	reNext   *regexp.Regexp // (END)START: the next boundary
	reStartM *regexp.Regexp // \ASTART, multi-line: a record starts here
	reStartP *regexp.Regexp // \ASTART, single-line: the input starts with a record
	rrsMid   *regexp.Regexp // ENDSTART, multi-line, for RemoveRecSep
	rrsLead  *regexp.Regexp // \ASTART, dot matches newline
	rrsTrail *regexp.Regexp // (END)\n?\z, dot matches newline
	rePart   *regexp.Regexp // \A(.*END)START, dot matches newline: --pipe-part boundaries

	header   *regexp.Regexp
	records  int
	lines    int
	rrs      bool
	skip     bool
	timeout  time.Duration
	warn     func(string)
	emptySep bool // no separator at all: a block may end anywhere
}

func (o *Options) compile() (*spec, error) {
	sp := &spec{
		block:   o.Block,
		slots:   o.Slots,
		records: o.Records,
		lines:   o.Lines,
		rrs:     o.RemoveRecSep,
		skip:    o.SkipBlank,
		timeout: o.BlockTimeout,
		warn:    o.Warn,
	}
	if sp.block == 0 {
		sp.block = DefaultBlock
	}
	if sp.block < 0 && sp.slots < 1 {
		return nil, fmt.Errorf("pipe: --block %d (blocks per job slot) needs the number of job slots, got %d", sp.block, sp.slots)
	}
	if o.Records < 0 {
		return nil, fmt.Errorf("pipe: bad value for -N: %d (want a number of records >= 1)", o.Records)
	}
	if o.Lines < 0 {
		return nil, fmt.Errorf("pipe: bad value for -L: %d (want a number of lines >= 1)", o.Lines)
	}
	if o.BlockTimeout < 0 {
		return nil, fmt.Errorf("pipe: bad value for --block-timeout: %v (want a positive duration)", o.BlockTimeout)
	}

	// GNU parallel's defaults: "\n" ends a record unless a separator is
	// given; with only --recstart, nothing ends one.
	var start, end string
	switch {
	case o.RecStart == nil && o.RecEnd == nil:
		end = "\n"
	case o.RecEnd == nil:
		start = *o.RecStart
	case o.RecStart == nil:
		end = *o.RecEnd
		if o.Regexp && end == "" {
			end = "(?s:.)" // any one byte ends a record
		}
	default:
		start, end = *o.RecStart, *o.RecEnd
	}

	if !o.Regexp {
		sp.fixed = true
		sp.start = []byte(Unescape(start))
		sp.end = []byte(Unescape(end))
		sp.sep = append(append([]byte{}, sp.end...), sp.start...)
		sp.emptySep = len(sp.sep) == 0
	} else {
		for _, c := range []struct {
			flag, re string
		}{{"--recstart", start}, {"--recend", end}} {
			if _, err := regexp.Compile(c.re); err != nil {
				return nil, fmt.Errorf("pipe: bad %s regular expression %q: %v (use Go's RE2 syntax: no lookaround, no back-references)", c.flag, c.re, unwrapSyntax(err))
			}
		}
		S, E := "(?:"+start+")", "(?:"+end+")"
		sp.reSrcS, sp.reSrcE = S, E
		sp.reLast = regexp.MustCompile(`(?m)\A((?s:.*)(` + E + `))` + S)
		sp.reNext = regexp.MustCompile(`(?m)(` + E + `)` + S)
		sp.reStartM = regexp.MustCompile(`(?m)\A` + S)
		sp.reStartP = regexp.MustCompile(`\A` + S)
		sp.rrsMid = regexp.MustCompile(`(?m)` + E + S)
		sp.rrsLead = regexp.MustCompile(`(?s)\A` + S)
		sp.rrsTrail = regexp.MustCompile(`(?s)(` + E + `)\n?\z`)
		sp.rePart = regexp.MustCompile(`(?s)\A(.*` + E + `)` + S)
		sp.emptySep = start == "" && end == ""
	}

	if h := o.Header; h != "" && h != "0" {
		src := h
		if h == ":" {
			src = `(.*\n)`
		} else if n, ok := allDigits(h); ok {
			src = strings.Repeat(`(.*\n)`, n)
		}
		re, err := regexp.Compile(`\A(?:` + src + `)`)
		if err != nil {
			return nil, fmt.Errorf("pipe: bad --header regular expression %q: %v (use Go's RE2 syntax, \":\" for the first line or a number of lines)", h, unwrapSyntax(err))
		}
		sp.header = re
	}
	return sp, nil
}

// unwrapSyntax keeps the part of a regexp error that says what is wrong.
func unwrapSyntax(err error) error {
	var se *syntax.Error
	if errors.As(err, &se) {
		return fmt.Errorf("%s: `%s`", se.Code, se.Expr)
	}
	return err
}

func allDigits(s string) (int, bool) {
	n := 0
	for _, c := range []byte(s) {
		if c < '0' || c > '9' || n > 1e6 {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// Unescape turns the escapes GNU parallel understands in a fixed --recstart
// or --recend into their characters: \n \r \t \0 (NUL), \\ \' and \". Any
// other backslash stays as it is.
func Unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) {
			if r, ok := unescaped(s[i+1]); ok {
				b.WriteByte(r)
				i++
				continue
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

func unescaped(c byte) (byte, bool) {
	switch c {
	case 'n':
		return '\n', true
	case 'r':
		return '\r', true
	case 't':
		return '\t', true
	case '0':
		return 0, true
	case '\\', '\'', '"':
		return c, true
	}
	return 0, false
}

// ParseSize reads a --block value as GNU parallel writes it: a number,
// possibly with a fraction and a minus sign, and an optional unit: K M G T P
// multiply by 1024, 1024², ... and k m g t p by 1000, 1000², ...; a unit
// followed by i (Ki, mi, ...) is binary whatever its case. The result is
// truncated to a whole number of bytes. Expressions, which GNU parallel
// evaluates, are refused.
func ParseSize(s string) (int64, error) {
	bad := func(why string) (int64, error) {
		return 0, fmt.Errorf("bad size %q: %s (want a number with an optional unit: K M G T P = 1024^n, k m g t p = 1000^n; e.g. 10M)", s, why)
	}
	num, unit := s, ""
	if i := strings.IndexFunc(s, func(r rune) bool { return strings.ContainsRune("kKmMgGtTpP", r) }); i >= 0 {
		num, unit = s[:i], s[i:]
	}
	if num == "" || num == "-" {
		return bad("no number")
	}
	for i, c := range num {
		if !(c >= '0' && c <= '9' || c == '.' || c == '-' && i == 0) {
			return bad(fmt.Sprintf("unexpected %q", c))
		}
	}
	if strings.Count(num, ".") > 1 || strings.HasSuffix(num, ".") || strings.HasPrefix(strings.TrimPrefix(num, "-"), ".") {
		return bad("malformed number")
	}
	mult := big.NewInt(1)
	if unit != "" {
		letter := unit[0]
		binary := letter >= 'A' && letter <= 'Z'
		switch rest := unit[1:]; rest {
		case "":
		case "i", "I":
			binary = true
		default:
			return bad(fmt.Sprintf("unknown unit %q", unit))
		}
		power := int64(strings.IndexByte("kmgtp", letter|0x20) + 1)
		base := int64(1000)
		if binary {
			base = 1024
		}
		mult.Exp(big.NewInt(base), big.NewInt(power), nil)
	}
	r, ok := new(big.Rat).SetString(num)
	if !ok {
		return bad("malformed number")
	}
	r.Mul(r, new(big.Rat).SetInt(mult))
	q := new(big.Int).Quo(r.Num(), r.Denom()) // truncates toward zero
	if !q.IsInt64() || q.Int64() == math.MinInt64 {
		return bad("too large")
	}
	return q.Int64(), nil
}
