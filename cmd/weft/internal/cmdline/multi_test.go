package cmdline

import "testing"

// The expected lines are what GNU parallel 20221122 gives with --dry-run
// (-m for the plain template, -X for the Context one), except for {n}
// past the arguments, which weft writes as ” where GNU writes nothing.
func TestSeveralArguments(t *testing.T) {
	cases := []struct {
		tpl        string
		args       []string
		plain, ctx string
	}{
		{"echo pre{}post {} x{.}y", []string{"a.1", "b.2"},
			"echo prea.1 b.2post a.1 b.2 xa by", "echo prea.1post preb.2post a.1 b.2 xay xby"},
		{"echo", []string{"a b", "c'd", "e"},
			`echo 'a b' 'c'"'"'d' e`, `echo 'a b' 'c'"'"'d' e`},
		{"echo 1={1} 2={2} 3={3}", []string{"D"}, "echo 1=D 2='' 3=''", "echo 1=D 2='' 3=''"},
		{"echo x{-1}y x{-3}y", []string{"a", "b"}, "echo xby xby", "echo xby xby"},
		{"echo x{}  {#}", []string{"a", "b"}, "echo xa b  7", "echo xa xb  7"},
		{"echo pre{1}post", []string{"a", "b"}, "echo preapost", "echo preapost"},
		{"echo foo {}", nil, "echo foo ", "echo foo "},
		{"echo {/} {//}{%}", []string{"d/a", "e/b"}, "echo a b d e3", "echo a b d3 e3"},
	}
	for _, c := range cases {
		tpl := MustParse(c.tpl)
		if got := tpl.Expand(c.args, 7, 3); got != c.plain {
			t.Errorf("%q with %q: got %q, want %q", c.tpl, c.args, got, c.plain)
		}
		if got := tpl.Context().Expand(c.args, 7, 3); got != c.ctx {
			t.Errorf("%q with %q in context: got %q, want %q", c.tpl, c.args, got, c.ctx)
		}
	}
}

// A context word ends at white space in the template's text, quoted or
// not, as in GNU parallel: 'x{} y{}' is two words.
func TestContextWordsEndAtWhiteSpace(t *testing.T) {
	tpl := MustParse("echo x{} y{}").Context()
	if got, want := tpl.Expand([]string{"a", "b"}, 1, 1), "echo xa xb ya yb"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	tpl = MustParse("echo\tx{}\n\ny").Context()
	if got, want := tpl.Expand([]string{"a", "b"}, 1, 1), "echo\txa xb\n\ny"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestContextLeavesPerlAndRawAlone(t *testing.T) {
	if tpl := Raw().Context(); tpl.IsContext() || tpl.Expand([]string{"echo", "a"}, 1, 1) != "echo a" {
		t.Error("Raw().Context() changed the raw template")
	}
	p, err := Parse("echo {= $_ =}")
	if err != nil {
		t.Fatal(err)
	}
	if p.CanContext() || p.Context().IsContext() {
		t.Error("a perl template was made a Context template")
	}
	if p.Sizer(4) != nil {
		t.Error("a perl template got a Sizer")
	}
	if !MustParse("echo").Context().IsContext() {
		t.Error("echo's Context is not one")
	}
}

// The Sizer's length is the length of the expanded command line, for
// every template and every number of arguments, as they are added and
// dropped.
func TestSizerMeasuresTheExpansion(t *testing.T) {
	tpls := []string{"echo", "echo {}", "echo pre{}post {} x{.}y", "echo 1={1} 2={2} {-1} {-3/.}",
		"cp {} {//}/{/.}.bak # {#} {%}", "echo 'x{} y{}'", "a{}b{.}c {1}{}", "{}", "  x  {}  "}
	args := []string{"a.1", "d/b c.2", "it's", "", "x/y/z.tar.gz", "10", "ééé"}
	for _, src := range tpls {
		for _, ctx := range []bool{false, true} {
			tpl := MustParse(src)
			if ctx {
				tpl = tpl.Context()
			}
			s := tpl.Sizer(12)
			for seq := int64(1); seq <= 100; seq *= 10 {
				s.Reset(seq)
				check := func(n int) {
					t.Helper()
					want := len(tpl.Expand(args[:n], seq, 10))
					if got := s.Len(); got != want {
						t.Errorf("%q (context %v), job %d, %d args: Len %d, want %d (%q)", src, ctx, seq, n, got, want, tpl.Expand(args[:n], seq, 10))
					}
				}
				check(0)
				for n := 1; n <= len(args); n++ {
					s.Add(args[n-1])
					check(n)
				}
				s.Drop(3)
				check(len(args) - 3)
				s.Add(args[len(args)-3:]...)
				check(len(args))
			}
		}
	}
	raw := Raw().Sizer(1)
	raw.Reset(1)
	raw.Add("echo", "a b")
	if raw.Len() != len("echo a b") {
		t.Errorf("raw: Len %d, want %d", raw.Len(), len("echo a b"))
	}
}

func TestQuotedLenIsTheQuotesLength(t *testing.T) {
	for _, v := range []string{"", "a", "a b", "it's", "''", "ééé", "x/y.z+_-", "$HOME", "a\nb", "'"} {
		if got, want := quotedLen(v), len(Quote(v)); got != want {
			t.Errorf("quotedLen(%q) = %d, want %d", v, got, want)
		}
	}
}
