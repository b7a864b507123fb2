package cmdline

import (
	"os/exec"
	"testing"

	"go.uber.org/goleak"
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
		{"echo {0} {x} {1.x}", []string{"a"}, "echo {0} {x} {1.x} a"},
	}
	for _, tt := range tests {
		if got := Parse(tt.cmd).Expand(tt.args, 7, 3); got != tt.want {
			t.Errorf("%q with %q: got %q; want %q", tt.cmd, tt.args, got, tt.want)
		}
	}
}

func TestRawJoinsUnquoted(t *testing.T) {
	r := Raw()
	if !r.IsRaw() || Parse("echo").IsRaw() {
		t.Fatal("IsRaw: got Raw false or Parse true")
	}
	if got, want := r.Expand([]string{"echo a;", "echo b"}, 1, 1), "echo a; echo b"; got != want {
		t.Errorf("Raw: got %q; want %q", got, want)
	}
}

func TestHasSlot(t *testing.T) {
	for cmd, want := range map[string]bool{"echo {%}": true, "echo {#} {}": false, "echo %": false, "": false} {
		if got := Parse(cmd).HasSlot(); got != want {
			t.Errorf("Parse(%q).HasSlot(): got %v; want %v", cmd, got, want)
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
