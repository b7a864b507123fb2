package perlexpr_test

import (
	"context"
	"strings"
	"testing"

	"github.com/weft-dev/weft/cmd/weft/internal/perlexpr"
)

// renderPlus parses tmpl with syn, evaluates it for a job of args and returns
// the values of its segments joined by spaces (literal text as it is),
// and whether the job was skipped.
func renderPlus(t *testing.T, syn perlexpr.Syntax, tmpl string, args []string, total int64, opts ...perlexpr.Option) (string, bool) {
	t.Helper()
	p, err := perlexpr.NewParser(syn)
	if err != nil {
		t.Fatal(err)
	}
	tp, err := p.Parse(tmpl)
	if err != nil {
		t.Fatalf("%s: %v", tmpl, err)
	}
	ev, err := perlexpr.Start(context.Background(), p.Exprs(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer ev.Close()
	res, err := ev.Eval(context.Background(), perlexpr.Job{Args: args, Seq: 3, Slot: 1, Total: total}, tp.AppendCalls(nil, len(args)))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, s := range tp.Segments {
		switch s.Kind {
		case perlexpr.Literal:
			b.WriteString(s.Text)
		case perlexpr.Perl:
			var vals []string
			for i := range max(len(args), 1) {
				if s.Pos != 0 {
					if k, ok := perlexpr.ArgIndex(s.Pos, len(args)); !ok || k != i {
						continue
					}
				}
				v, _ := res.Value(s.Expr, i)
				vals = append(vals, v.Text)
			}
			b.WriteString(strings.Join(vals, ","))
		default:
			t.Fatalf("segment %q is %v", s.Text, s.Kind)
		}
	}
	return b.String(), res.Skip
}

// TestPlus: the replacement strings of --plus give what GNU parallel
// 20221122 gives (parallel --plus echo TMPL ::: ARG).
func TestPlus(t *testing.T) {
	plus := perlexpr.Syntax{Plus: true}
	tests := []struct {
		tmpl string
		args []string
		want string
	}{
		{"{..} {+..} {/..} {+/} {+.} {...} {+...} {/...}", []string{"dir.x/a.b.c.d"}, "dir.x/a.b c.d a.b dir.x d dir.x/a b.c.d a"},
		{"[{..}] [{+..}] [{/..}] [{+/}] [{+.}]", []string{"nodot"}, "[nodot] [] [nodot] [] []"},
		{"{..} {+/}", []string{"d/a.b"}, "d/a.b d"}, // {..} takes two extensions or none
		{"{:-def}|{:2}|{:1:2}", []string{""}, "def||"},
		{"{:-def}|{:2}|{:1:2}", []string{"abcdef"}, "abcdef|cdef|bc"},
		{"{#a*} {##a*} {%c*} {%%c*}", []string{"aabccc"}, "aabccc bccc aabccc aab"},
		{"{#z.*z.} {##z.*z.}", []string{"z.z.z.foo"}, "z.foo foo"},
		{"{%.z.*z} {%%.z.*z}", []string{"foo.z.z.z"}, "foo.z foo"},
		{"{/a/X} {//a/X} {/#a/X} {/%a/X} {/a/}", []string{"abca"}, "Xbca XbcX Xbca abcX bca"},
		{"{^a} {^^a} {,A} {,,A}", []string{"aAa"}, "AAa AAA aAa aaa"},
		{"{2+/} {1..} {-1/..} {-3..}", []string{"x.tar.gz", "d/y.tar.gz"}, "d x y d/y"},
		{"{##} {0#}", []string{"a"}, "12 03"},
		{"{slot} {2slot}", []string{"a", "b"}, "${PARALLEL_JOBSLOT} ${PARALLEL_JOBSLOT}"},
	}
	for _, tt := range tests {
		if got, _ := renderPlus(t, plus, tt.tmpl, tt.args, 12); got != tt.want {
			t.Errorf("%s with %q: got %q; want %q", tt.tmpl, tt.args, got, tt.want)
		}
	}
}

// TestPlusSkips: {choose_k} and {uniq} skip jobs, as in GNU parallel.
func TestPlusSkips(t *testing.T) {
	plus := perlexpr.Syntax{Plus: true}
	for _, tt := range []struct {
		tmpl string
		args []string
		skip bool
	}{
		{"{choose_k}", []string{"a", "b", "c"}, false},
		{"{choose_k}", []string{"a", "c", "b"}, true},
		{"{choose_k}", []string{"a", "a"}, true},
		{"{uniq}", []string{"b", "a"}, false},
		{"{uniq}", []string{"a", "b", "a"}, true},
	} {
		if got, skip := renderPlus(t, plus, tt.tmpl, tt.args, 0); skip != tt.skip || got != strings.Join(tt.args, ",") {
			t.Errorf("%s with %q: skip %v, value %q; want skip %v", tt.tmpl, tt.args, skip, got, tt.skip)
		}
	}
}

// TestPlusOnlyWithPlus: without Plus, --plus's strings are text; a --rpl
// definition redefines one of them.
func TestPlusOnlyWithPlus(t *testing.T) {
	p, err := perlexpr.NewParser(perlexpr.Syntax{})
	if err != nil {
		t.Fatal(err)
	}
	tp, err := p.Parse("{..} {%x} {:-y}")
	if err != nil {
		t.Fatal(err)
	}
	if tp.HasPerl() {
		t.Errorf("without Plus: %+v", tp.Segments)
	}
	got, _ := renderPlus(t, perlexpr.Syntax{Plus: true, Rpl: []string{"{..} $_=uc"}}, "{..}", []string{"a.b.c"}, 0)
	if got != "A.B.C" {
		t.Errorf("{..} redefined by --rpl: got %q", got)
	}
}

// TestPlusRefused: the strings of --plus that weft does not have are
// errors that name them.
func TestPlusRefused(t *testing.T) {
	p, err := perlexpr.NewParser(perlexpr.Syntax{Plus: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"{0%}", "{host}", "{sshlogin}", "{hgrp}", "{agrp}", "{2host}"} {
		_, err := p.Parse("echo " + s)
		if err == nil || !strings.Contains(err.Error(), s) || !strings.Contains(err.Error(), "--plus") {
			t.Errorf("%s: got %v; want an error naming it", s, err)
		}
	}
}

// TestWithTrim: $_ is trimmed as --trim says, and @arg is not.
func TestWithTrim(t *testing.T) {
	for _, tt := range []struct{ mode, want string }{
		{"n", "[ a ][ a ]"}, {"l", "[a ][ a ]"}, {"r", "[ a][ a ]"}, {"lr", "[a][ a ]"}, {"rl", "[a][ a ]"},
	} {
		ev := start(t, []string{`$_ = "[$_][$arg[1]]"`}, perlexpr.WithTrim(tt.mode))
		if v, _ := eval1(t, ev, perlexpr.Job{Args: []string{" a "}, Seq: 1, Slot: 1}); v.Text != tt.want {
			t.Errorf("WithTrim(%q): got %q; want %q", tt.mode, v.Text, tt.want)
		}
	}
}
