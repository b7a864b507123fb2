package cmdline

import (
	"slices"
	"testing"
)

// TestTrim: --trim takes the blanks off the values as they go into the
// command, the appended ones and those of Raw too; {#} is no input.
func TestTrim(t *testing.T) {
	args := []string{" \ta.x \n", "b"}
	tests := []struct {
		mode, cmd, want string
	}{
		{"n", "echo [{1}]", "echo [' \ta.x \n']"},
		{"", "echo [{1}]", "echo [' \ta.x \n']"},
		{"l", "echo [{1}] [{1.}]", "echo ['a.x \n'] [a]"},
		{"r", "echo [{1}]", "echo [' \ta.x']"},
		{"lr", "echo [{}] {#}", "echo [a.x b] 3"},
		{"rl", "echo", "echo a.x b"},
	}
	for _, tt := range tests {
		tpl, err := ParseWith(tt.cmd, Syntax{Trim: tt.mode})
		if err != nil {
			t.Fatalf("%q: %v", tt.mode, err)
		}
		if got := tpl.Expand(args, 3, 1); got != tt.want {
			t.Errorf("--trim %q %q: got %q; want %q", tt.mode, tt.cmd, got, tt.want)
		}
	}
	raw, err := Raw().Trimmed("lr")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := raw.Expand([]string{"  echo  hi  "}, 1, 1), "echo  hi"; got != want {
		t.Errorf("Raw with --trim lr: got %q; want %q", got, want)
	}
}

func TestTrimArgsLeavesTheInputAlone(t *testing.T) {
	tpl, err := ParseWith("echo", Syntax{Trim: "lr"})
	if err != nil {
		t.Fatal(err)
	}
	args := []string{" a ", "b "}
	if got := tpl.TrimArgs(args); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("TrimArgs = %q", got)
	}
	if !slices.Equal(args, []string{" a ", "b "}) {
		t.Errorf("TrimArgs changed its input: %q", args)
	}
}

func TestBadTrimModeIsNamed(t *testing.T) {
	for _, mode := range []string{"x", "lrl", "L", " "} {
		if _, err := ParseWith("echo", Syntax{Trim: mode}); err == nil {
			t.Errorf("--trim %q: no error", mode)
		}
		if err := CheckTrim(mode); err == nil {
			t.Errorf("CheckTrim(%q): no error", mode)
		}
	}
}
