package perlexpr_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/weft-dev/weft/cmd/weft/internal/perlexpr"
)

// describe writes a template's segments one per line: "text" for literal
// text, perl(pos) code for an expression, native(pos) tag [groups].
func describe(p *perlexpr.Parser, t *perlexpr.Template) string {
	var lines []string
	for _, s := range t.Segments {
		switch s.Kind {
		case perlexpr.Literal:
			lines = append(lines, fmt.Sprintf("%q", s.Text))
		case perlexpr.Perl:
			lines = append(lines, fmt.Sprintf("perl(%d) %s", s.Pos, p.Exprs()[s.Expr].Code))
		case perlexpr.Native:
			lines = append(lines, fmt.Sprintf("native(%d) %s %q", s.Pos, s.Tag, s.Groups))
		}
	}
	return strings.Join(lines, "\n")
}

var gnuTags = []string{"{}", "{.}", "{/}", "{//}", "{/.}", "{#}", "{%}"}

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		syn  perlexpr.Syntax
		cmd  string
		want []string
	}{
		{"expression", perlexpr.Syntax{}, `echo {= s/a/b/ =}`,
			[]string{`"echo "`, `perl(0) s/a/b/ `}},
		{"positional expression", perlexpr.Syntax{}, `{=2 s/a/b/=}{=-1 uq=}`,
			[]string{`perl(2) s/a/b/`, `perl(-1) uq`}},
		{"position 0 is none", perlexpr.Syntax{}, `{=0 x=}`, []string{`perl(0) x`}},
		{"digits after a space are code", perlexpr.Syntax{}, `{= 3 =}`, []string{`perl(0) 3 `}},
		{"position without code", perlexpr.Syntax{}, `{=12=}`, []string{`perl(12) `}},
		{"digits right after the paren are a position", perlexpr.Syntax{}, `{=1+1=}`, []string{`perl(1) +1`}},
		{"empty expression", perlexpr.Syntax{}, `{==}`, []string{`perl(0) `}},
		{"several expressions", perlexpr.Syntax{}, `a{=x=}b{=y=}c`,
			[]string{`"a"`, `perl(0) x`, `"b"`, `perl(0) y`, `"c"`}},
		{"multi-line expression", perlexpr.Syntax{}, "{= s/a/b/;\n s/c/d/ =}", []string{"perl(0) s/a/b/;\n s/c/d/ "}},
		{"expression text hides tags", perlexpr.Syntax{Native: gnuTags}, `{= $_="{}" =}`, []string{`perl(0) $_="{}" `}},
		{"natives", perlexpr.Syntax{Native: gnuTags}, `{/.}{.}{}{//}`,
			[]string{`native(0) {/.} []`, `native(0) {.} []`, `native(0) {} []`, `native(0) {//} []`}},
		{"positional natives", perlexpr.Syntax{Native: gnuTags}, `{2}{-1.}{3 /}`,
			[]string{`native(2) {} []`, `native(-1) {.} []`, `native(3) {/} []`}},
		{"braces that are no tag stay", perlexpr.Syntax{Native: gnuTags}, `awk '{print $1}' {x} {}`,
			[]string{`"awk '{print $1}' {x} "`, `native(0) {} []`}},
		{"rpl", perlexpr.Syntax{Native: gnuTags, Rpl: []string{`{..} s:\.[^.]+$::;s:\.[^.]+$::;`}}, `{..}{.}{2..}`,
			[]string{`perl(0) s:\.[^.]+$::;s:\.[^.]+$::;`, `native(0) {.} []`, `perl(2) s:\.[^.]+$::;s:\.[^.]+$::;`}},
		{"longest tag first", perlexpr.Syntax{Native: gnuTags, Rpl: []string{`.. s/a/b/`}}, `{/.} a..b`,
			[]string{`native(0) {/.} []`, `" a"`, `perl(0) s/a/b/`, `"b"`}},
		{"rpl replaces a native", perlexpr.Syntax{Native: gnuTags, Rpl: []string{`{.} s/x/y/`}}, `{.}`,
			[]string{`perl(0) s/x/y/`}},
		{"later rpl replaces earlier", perlexpr.Syntax{Rpl: []string{`{x} a`, "{x}\tb"}}, `{x}`,
			[]string{`perl(0) b`}},
		{"rpl with a leading position", perlexpr.Syntax{Rpl: []string{`{first} 1 $_="<$_>"`}}, `{first} {2first}`,
			[]string{`perl(1) $_="<$_>"`, `" "`, `perl(2) $_="<$_>"`}},
		{"dynamic rpl", perlexpr.Syntax{Native: gnuTags, Rpl: []string{`{%(.+?)} s/$$1$//;`}}, `{%.tar.gz}.zip {%}`,
			[]string{`perl(0) my ($__rpl1) = ('.tar.gz'); s/${__rpl1}$//;`, `".zip "`, `native(0) {%} []`}},
		{"dynamic rpl, two groups quoted for perl", perlexpr.Syntax{Rpl: []string{`{/(.+?)/(.*?)} s/$$1/$$2/;`}}, `{/it's/x\y}`,
			[]string{`perl(0) my ($__rpl1, $__rpl2) = ('it\'s', 'x\\y'); s/${__rpl1}/${__rpl2}/;`}},
		{"dynamic rpl, positional", perlexpr.Syntax{Rpl: []string{`{%(.+?)} s/$$1$//;`}}, `{3%.gz}`,
			[]string{`perl(3) my ($__rpl1) = ('.gz'); s/${__rpl1}$//;`}},
		{"dynamic rpl, unmatched group ends the groups", perlexpr.Syntax{Rpl: []string{`{x(a)?(b)} $_="$$1$$2"`}}, `{xb}`,
			[]string{`perl(0) $_="${__rpl1}${__rpl2}"`}},
		{"native with a regexp", perlexpr.Syntax{Native: []string{"{#}", "{#([^#}][^}]*?)}"}}, `{#ab}{#}{2#c}`,
			[]string{`native(0) {#([^#}][^}]*?)} ["ab"]`, `native(0) {#} []`, `native(2) {#([^#}][^}]*?)} ["c"]`}},
		{"native regexp read as /x", perlexpr.Syntax{Native: []string{"{x( a+ # letters\n)}", `{y(\ )}`}}, `{xaa}{y }`,
			[]string{`native(0) {x( a+ # letters` + "\n" + `)} ["aa"]`, `native(0) {y(\ )} [" "]`}},
		{"parens", perlexpr.Syntax{Parens: ",,,,"}, `a ,,s/I/O/g,, {= b =}`,
			[]string{`"a "`, `perl(0) s/I/O/g`, `" {= b =}"`}},
		{"parens, positional", perlexpr.Syntax{Parens: "<<>>", Native: gnuTags}, `<<1 x>>{}`,
			[]string{`perl(1) x`, `native(0) {} []`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := perlexpr.NewParser(tt.syn)
			if err != nil {
				t.Fatal(err)
			}
			tmpl, err := p.Parse(tt.cmd)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := describe(p, tmpl), strings.Join(tt.want, "\n"); got != want {
				t.Errorf("Parse(%q):\ngot\n%s\nwant\n%s", tt.cmd, got, want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		syn  perlexpr.Syntax
		cmd  string
		want string
	}{
		{"unterminated", perlexpr.Syntax{}, `echo {= s/a/b/`, `"{= s/a/b/" has no closing =}`},
		{"unterminated with other parens", perlexpr.Syntax{Parens: ",,,,"}, `echo a,,b`, `",,b" has no closing ,,`},
		{"nested", perlexpr.Syntax{}, `{= a {= b =}`, `"{= a {= b =}" opens a perl expression inside another`},
		{"position -0", perlexpr.Syntax{}, `{=-0 x=}`, `{=-0 x=}: the position -0 names no argument`},
		{"position too large", perlexpr.Syntax{}, `{=99999999999999999999 x=}`, `the position 99999999999999999999 is out of range`},
		{"positional tag -0", perlexpr.Syntax{Rpl: []string{`{..} s/a//`}}, `{-0..}`, `{-0..}: the position -0 names no argument`},
		{"odd parens", perlexpr.Syntax{Parens: "{=}"}, ``, `--parens '{=}': give the left and the right delimiter`},
		{"rpl without expression", perlexpr.Syntax{Rpl: []string{`{x}`}}, ``, `--rpl '{x}': give a tag, a space and a perl expression`},
		{"rpl without tag", perlexpr.Syntax{Rpl: []string{` s/a/b/`}}, ``, `--rpl ' s/a/b/': give a tag`},
		{"rpl regexp RE2 cannot read", perlexpr.Syntax{Rpl: []string{`{x(?<=a)} y`}}, ``, `--rpl '{x(?<=a)} y': the tag {x(?<=a)}: the regexp (?<=a) in it is not one weft reads`},
		{"rpl matching empty text", perlexpr.Syntax{Rpl: []string{`(a*) y`}}, ``, `the tag (a*): it matches empty text`},
		{"bad native", perlexpr.Syntax{Native: []string{`{(\1)}`}}, ``, `native replacement string "{(\\1)}"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := perlexpr.NewParser(tt.syn)
			if err == nil {
				_, err = p.Parse(tt.cmd)
			}
			if err == nil {
				t.Fatalf("no error; want one containing %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q; want one line containing %q", err, tt.want)
			}
		})
	}
}

func TestParseRpl(t *testing.T) {
	tests := []struct{ def, tag, code string }{
		{`{..} s:\.[^.]+$::`, `{..}`, `s:\.[^.]+$::`},
		{"{x}\t$_ = 1", `{x}`, `$_ = 1`},
		{"{x}\n$_\n", `{x}`, "$_\n"},
		{`{x}  two spaces`, `{x}`, ` two spaces`},
		{`{x} `, `{x}`, ``},
	}
	for _, tt := range tests {
		tag, code, err := perlexpr.ParseRpl(tt.def)
		if err != nil || tag != tt.tag || code != tt.code {
			t.Errorf("ParseRpl(%q) = %q, %q, %v; want %q, %q", tt.def, tag, code, err, tt.tag, tt.code)
		}
	}
}

func TestParseParens(t *testing.T) {
	tests := []struct{ in, left, right string }{
		{"", "{=", "=}"},
		{"{==}", "{=", "=}"},
		{",,,,", ",,", ",,"},
		{"<<>>", "<<", ">>"},
		{"«»", "«", "»"},
	}
	for _, tt := range tests {
		l, r, err := perlexpr.ParseParens(tt.in)
		if err != nil || l != tt.left || r != tt.right {
			t.Errorf("ParseParens(%q) = %q, %q, %v; want %q, %q", tt.in, l, r, err, tt.left, tt.right)
		}
	}
}

func TestExprsAreShared(t *testing.T) {
	p, err := perlexpr.NewParser(perlexpr.Syntax{Rpl: []string{`{..} s/a//`}})
	if err != nil {
		t.Fatal(err)
	}
	t1, _ := p.Parse(`{= s/b// =} {..} {2..}`)
	t2, _ := p.Parse(`{=1 s/b// =} {= s/c// =}`)
	got := []string{}
	for _, e := range p.Exprs() {
		got = append(got, fmt.Sprintf("%q from %s", e.Code, e.Text))
	}
	want := []string{
		`"s/b// " from {= s/b// =}`,
		`"s/a//" from {..} (--rpl '{..} s/a//')`,
		`"s/c// " from {= s/c// =}`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("Exprs() = %q; want %q", got, want)
	}
	calls := t2.AppendCalls(t1.AppendCalls(nil, 2), 2)
	wantCalls := []perlexpr.Call{{0, 0}, {0, 1}, {1, 0}, {1, 1}, {2, 0}, {2, 1}}
	if !slices.Equal(calls, wantCalls) {
		t.Errorf("calls = %v; want %v", calls, wantCalls)
	}
}

func TestAppendCalls(t *testing.T) {
	p, _ := perlexpr.NewParser(perlexpr.Syntax{})
	tmpl, err := p.Parse(`{= a =} {=2 b =} {=-1 c =} {=5 d =} {=-4 e =}`)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		nargs int
		want  []perlexpr.Call
	}{
		{3, []perlexpr.Call{{0, 0}, {0, 1}, {0, 2}, {1, 1}, {2, 2}, {4, 2}}}, // -4 of 3 is the last, as in GNU parallel
		{1, []perlexpr.Call{{0, 0}, {2, 0}}},
		{0, []perlexpr.Call{{0, 0}, {2, 0}}}, // no arguments: one empty one
		{5, []perlexpr.Call{{0, 0}, {0, 1}, {0, 2}, {0, 3}, {0, 4}, {1, 1}, {2, 4}, {3, 4}, {4, 1}}},
	}
	for _, tt := range tests {
		if got := tmpl.AppendCalls(nil, tt.nargs); !slices.Equal(got, tt.want) {
			t.Errorf("AppendCalls(%d) = %v; want %v", tt.nargs, got, tt.want)
		}
	}
	if !tmpl.HasPerl() {
		t.Error("HasPerl() = false")
	}
	if lit, _ := p.Parse("echo {}"); lit.HasPerl() {
		t.Error("HasPerl() = true for a template without perl")
	}
}

func TestArgIndex(t *testing.T) {
	tests := []struct {
		pos, nargs, want int
		ok               bool
	}{
		{1, 3, 0, true}, {3, 3, 2, true}, {4, 3, 0, false},
		{-1, 3, 2, true}, {-3, 3, 0, true}, {-4, 3, 2, true}, {-6, 3, 0, true}, {-7, 3, 0, false},
		{0, 3, 0, false},
	}
	for _, tt := range tests {
		if got, ok := perlexpr.ArgIndex(tt.pos, tt.nargs); got != tt.want || ok != tt.ok {
			t.Errorf("ArgIndex(%d, %d) = %d, %v; want %d, %v", tt.pos, tt.nargs, got, ok, tt.want, tt.ok)
		}
	}
}

func TestNeedsTotal(t *testing.T) {
	for _, tt := range []struct {
		syn  perlexpr.Syntax
		cmd  string
		want bool
	}{
		{perlexpr.Syntax{}, `{= $_=seq() =}`, false},
		{perlexpr.Syntax{}, `{= $_=total_jobs() =}`, true},
		{perlexpr.Syntax{Rpl: []string{`{##} 1 $_=total_jobs()`}}, `{##}`, true},
		{perlexpr.Syntax{Rpl: []string{`{##} 1 $_=total_jobs()`}}, `{}`, false},
	} {
		p, _ := perlexpr.NewParser(tt.syn)
		if _, err := p.Parse(tt.cmd); err != nil {
			t.Fatal(err)
		}
		if got := p.NeedsTotal(); got != tt.want {
			t.Errorf("%q: NeedsTotal() = %v; want %v", tt.cmd, got, tt.want)
		}
	}
}
