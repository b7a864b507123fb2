package cmdline

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/weft-dev/weft/cmd/weft/internal/perlexpr"
)

// TestParseQuoted: with -q each word is quoted whole, the values in it
// unquoted; the expected lines are GNU parallel 20221122's --dry-run.
func TestParseQuoted(t *testing.T) {
	tests := []struct {
		words []string
		args  []string
		want  string
	}{
		{[]string{"perl", "-e", `print "@ARGV\n"`}, []string{"This"}, `perl -e 'print "@ARGV\n"' This`},
		{[]string{"echo a b"}, []string{"x"}, `'echo a b' x`},
		{[]string{"echo", "{}.x", "{.}", "a b{}", "$HOME"}, []string{"x y.z"}, `echo 'x y.z.x' 'x y' 'a bx y.z' '$HOME'`},
		{[]string{"echo", "{#}", "{}{}", "x{}y", ""}, []string{"q", "r s"}, `echo 7 q 'r sq' 'r s' xq 'r sy' ''`},
		{[]string{"echo", "it's"}, []string{"a'b"}, `echo 'it'"'"'s' 'a'"'"'b'`},
		{[]string{"echo", "{2}", "[{5}]"}, []string{"a", "b c"}, `echo 'b c' '[]'`},
		{nil, []string{"echo a"}, `'echo a'`},
	}
	for _, tt := range tests {
		tpl, err := ParseQuoted(tt.words, Syntax{})
		if err != nil {
			t.Errorf("%q: %v", tt.words, err)
			continue
		}
		if got := tpl.Expand(tt.args, 7, 1); got != tt.want {
			t.Errorf("%q with %q: got %q; want %q", tt.words, tt.args, got, tt.want)
		}
	}
}

// TestParseQuotedRunsAsWritten: the quoted command line, run by sh, gives
// the program the words as written, whatever they hold.
func TestParseQuotedRunsAsWritten(t *testing.T) {
	words := []string{"printf", "%s|", "$HOME", "a;b", "{}", "'{}'", "*"}
	tpl, err := ParseQuoted(words, Syntax{})
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("sh", "-c", tpl.Expand([]string{"x $y"}, 1, 1)).Output()
	if err != nil {
		t.Fatal(err)
	}
	if want := "$HOME|a;b|x $y|'x $y'|*|"; string(out) != want {
		t.Errorf("got %q; want %q", out, want)
	}
}

func TestParseQuotedPerl(t *testing.T) {
	if _, err := exec.LookPath("perl"); err != nil {
		t.Skip("perl is not installed")
	}
	tpl, err := ParseQuoted([]string{"echo", "{= $_=uc =}!", "{=2 $_.='x' =}"}, Syntax{})
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"a b", "c"}
	ev, err := perlexpr.Start(t.Context(), tpl.Exprs())
	if err != nil {
		t.Fatal(err)
	}
	defer ev.Close()
	res, err := ev.Eval(t.Context(), perlexpr.Job{Args: args, Seq: 1, Slot: 1}, tpl.Calls(len(args)))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := tpl.ExpandPerl(args, 1, 1, res), `echo 'A B' 'C!' cx`; got != want {
		t.Errorf("got %q; want %q", got, want)
	}
	if _, err := ParseQuoted([]string{"echo", "{=", "$_=uc", "=}"}, Syntax{}); err == nil || !strings.Contains(err.Error(), "one word") {
		t.Errorf("a perl expression over three words: got %v; want an error saying it must be one word", err)
	}
}
