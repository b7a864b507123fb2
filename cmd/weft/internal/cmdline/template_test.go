package cmdline

import (
	"os/exec"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/weft-dev/weft/cmd/weft/internal/perlexpr"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestTemplate(t *testing.T) {
	tests := []struct {
		cmd  string
		args []string
		want string
	}{
		{"echo {}", []string{"a b"}, "echo 'a b'"},
		{"echo", []string{"x", "y"}, "echo x y"},
		{"cp {} {.}.bak", []string{"dir/f.txt"}, "cp dir/f.txt dir/f.bak"},
		{"echo {/} {//} {/.}", []string{"/x/y.tar.gz"}, "echo y.tar.gz /x y.tar"},
		{"echo {2}-{1} {#} {%}", []string{"a", "b"}, "echo b-a 7 3"},
		{"echo {2/.}", []string{"a", "/p/q.c"}, "echo q"},
		{"echo {}", []string{"it's"}, `echo 'it'"'"'s'`},
		{"echo {}", []string{""}, "echo ''"},
		{"awk '{print $1}' {}", []string{"f"}, "awk '{print $1}' f"},
		{"echo {3}", []string{"a"}, "echo ''"},
		{"echo {x} {1.x} {-} {-x}", []string{"a"}, "echo {x} {1.x} {-} {-x} a"},
		{"echo {-1} {-2/.} {-3} {-5}", []string{"d/b.c", "x"}, "echo x b x ''"},
		{"echo {-4}{-5}{-6}{-7}", []string{"a", "b", "c"}, "echo cba''"},
		{"echo ${#x} {%s} {1:x}", []string{"a"}, "echo ${#x} {%s} {1:x} a"},
	}
	for _, tt := range tests {
		if got := MustParse(tt.cmd).Expand(tt.args, 7, 3); got != tt.want {
			t.Errorf("%q with %q: got %q; want %q", tt.cmd, tt.args, got, tt.want)
		}
	}
}

// TestGNUOnlyReplacementStringsAreRefused: what GNU parallel reads as a
// replacement string and weft does not implement is an error that names
// it, never text.
func TestGNUOnlyReplacementStringsAreRefused(t *testing.T) {
	for _, cmd := range []string{
		"echo {..}", "echo {...}", "echo {+/}", "echo {+.}", "echo {+..}", "echo {+...}",
		"echo {/..}", "echo {/...}", "echo {##}", "echo {2..}", "echo {-1+/}",
		"echo {#:%04d}", "echo {%:%02d}", "echo {:%6s}", "echo {/:%12s}", "echo {2:%8.2f}",
		"echo {0}", "echo {0/.}", "echo {-0}",
	} {
		_, err := Parse(cmd)
		name := cmd[len("echo "):]
		if err == nil || !strings.Contains(err.Error(), "replacement string "+name+" is not supported") {
			t.Errorf("Parse(%q): got error %v; want one that names %s", cmd, err, name)
		}
	}
}

// TestPerlExpressions: {= =}, {=n =} and --rpl tags are evaluated by one
// perl, their values quoted unless uq() was called, and counted as
// replacement strings (nothing is appended).
func TestPerlExpressions(t *testing.T) {
	if _, err := exec.LookPath("perl"); err != nil {
		t.Skip("perl is not installed")
	}
	tests := []struct {
		cmd  string
		syn  perlexpr.Syntax
		args []string
		want string
	}{
		{"echo {= $_=uc =}", perlexpr.Syntax{}, []string{"a b", "c"}, "echo 'A B' C"},
		{"echo {=2 $_.='x' =} {1}", perlexpr.Syntax{}, []string{"a", "b"}, "echo bx a"},
		{"echo {=-1 uq(); $_='$HOME' =}", perlexpr.Syntax{}, []string{"a"}, "echo $HOME"},
		{"echo {..} {2..}", perlexpr.Syntax{Rpl: []string{`{..} s:\.[^.]+$::;s:\.[^.]+$::;`}}, []string{"a.tar.gz", "b.c.d"}, "echo a b b"},
		{"echo ,, $_=seq() ,,", perlexpr.Syntax{Parens: ",,,,"}, []string{"a"}, "echo 7"},
	}
	for _, tt := range tests {
		tpl, err := ParseWith(tt.cmd, Syntax{Perl: tt.syn})
		if err != nil {
			t.Errorf("%q: %v", tt.cmd, err)
			continue
		}
		ev, err := perlexpr.Start(t.Context(), tpl.Exprs())
		if err != nil {
			t.Fatal(err)
		}
		res, err := ev.Eval(t.Context(), perlexpr.Job{Args: tt.args, Seq: 7, Slot: 1}, tpl.Calls(len(tt.args)))
		ev.Close()
		if err != nil {
			t.Fatal(err)
		}
		if got := tpl.ExpandPerl(tt.args, 7, 1, res); !tpl.HasPerl() || got != tt.want {
			t.Errorf("%q with %q: got %q; want %q", tt.cmd, tt.args, got, tt.want)
		}
	}
}

// TestRenamedReplacementStrings: -I and the like respell a replacement
// string; the old spelling, and its positional forms, are then text.
func TestRenamedReplacementStrings(t *testing.T) {
	tests := []struct {
		cmd    string
		rename map[string]string
		want   string
	}{
		{"echo ,, {} {1}", map[string]string{"{}": ",,"}, "echo d/a.b {} {1}"},
		{"echo ,, {.} {} {1.}", map[string]string{"{.}": ",,"}, "echo d/a {.} d/a.b {1.}"},
		{"echo ,,, ,, {/}", map[string]string{"{/.}": ",,", "{//}": ",,,"}, "echo d a a.b"},
		{"echo ,, %% {}", map[string]string{"{#}": ",,", "{%}": "%%"}, "echo 7 3 d/a.b"},
		{"echo {} {1}", map[string]string{"{}": "{}"}, "echo d/a.b d/a.b"},
		{"echo", map[string]string{"{}": ",,"}, "echo d/a.b"},
	}
	for _, tt := range tests {
		tpl, err := ParseWith(tt.cmd, Syntax{Rename: tt.rename})
		if err != nil {
			t.Errorf("%q %v: %v", tt.cmd, tt.rename, err)
			continue
		}
		if got := tpl.Expand([]string{"d/a.b"}, 7, 3); got != tt.want {
			t.Errorf("%q %v: got %q; want %q", tt.cmd, tt.rename, got, tt.want)
		}
	}
	if _, err := ParseWith("echo {x}", Syntax{Rename: map[string]string{"{}": "{x}"}}); err == nil {
		t.Error("-I {x}: no error; want it refused (GNU parallel gives it positional forms)")
	}
}

func TestRawJoinsUnquoted(t *testing.T) {
	r := Raw()
	if !r.IsRaw() || MustParse("echo").IsRaw() {
		t.Fatal("IsRaw: got Raw false or Parse true")
	}
	if got, want := r.Expand([]string{"echo a;", "echo b"}, 1, 1), "echo a; echo b"; got != want {
		t.Errorf("Raw: got %q; want %q", got, want)
	}
}

func TestHasSlot(t *testing.T) {
	for cmd, want := range map[string]bool{"echo {%}": true, "echo {#} {}": false, "echo %": false, "": false} {
		if got := MustParse(cmd).HasSlot(); got != want {
			t.Errorf("MustParse(%q).HasSlot(): got %v; want %v", cmd, got, want)
		}
	}
}

// TestQuoteSurvivesTheShell hands each quoted word to /bin/sh and checks
// that the shell sees exactly the original string, and runs nothing.
func TestQuoteSurvivesTheShell(t *testing.T) {
	hostile := []string{"", "plain", "a b", "it's", `"`, "$(id)", "`id`", "a;b", "|", "\\", "*", "~", "x\ny", "'''", "-n", "\t"}
	for _, s := range hostile {
		out, err := exec.Command("/bin/sh", "-c", "printf %s "+Quote(s)).Output()
		if err != nil {
			t.Fatalf("sh with %q: %v", Quote(s), err)
		}
		if string(out) != s {
			t.Errorf("Quote(%q) = %q: the shell saw %q", s, Quote(s), out)
		}
	}
	for s, want := range map[string]string{"a.b/c-d_e+f": "a.b/c-d_e+f", "a b": "'a b'"} {
		if got := Quote(s); got != want {
			t.Errorf("Quote(%q): got %q; want %q (bare only when safe, as GNU parallel)", s, got, want)
		}
	}
}

func TestExpandTextLeavesValuesUnquoted(t *testing.T) {
	tpl := MustParse("{#}:{} {2/.} {3}")
	if got, want := tpl.ExpandText([]string{"a b", "d/x.y"}, 4, 1), "4:a b d/x.y x "; got != want {
		t.Errorf("got %q; want %q", got, want)
	}
	if got, want := MustParse("tag").ExpandText([]string{"a"}, 1, 1), "tag"; got != want {
		t.Errorf("got %q; want %q (nothing appended)", got, want)
	}
	if !MustParse("out/x").IsLiteral() || MustParse("out/{}").IsLiteral() || MustParse("{#}").IsLiteral() {
		t.Error("IsLiteral: want true for text alone, false with a replacement string")
	}
}
