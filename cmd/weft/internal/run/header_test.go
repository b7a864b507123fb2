package run

import (
	"slices"
	"strings"
	"testing"

	"github.com/weft-dev/weft/cmd/weft/internal/input"
)

// TestNameColumns: with --header, the command's words are rewritten with
// the names the inputs' headers give; without it, they are left alone.
func TestNameColumns(t *testing.T) {
	for _, tt := range []struct {
		args  []string
		words []string
		names []string
	}{
		{[]string{"--header", ":", "echo", "{f1}", "{f2/}", ":::", "f1", "a", ":::", "f2", "b"}, []string{"echo", "{1}", "{2/}"}, []string{"f1", "f2"}},
		{[]string{"--header", ":", "-q", "echo", "{x} {y}", ":::", "x\ty", "a\tb"}, []string{"echo", "{1} {2}"}, []string{"x", "y"}},
		{[]string{"--header", "0", "echo", "{x}", ":::", "x", "a"}, []string{"echo", "{x}"}, []string{"1"}},
		{[]string{"echo", "{f1}", ":::", "f1", "a"}, []string{"echo", "{f1}"}, nil},
	} {
		c, bad := parse(tt.args...)
		if bad != "" {
			t.Fatal(bad)
		}
		in, err := input.Open(c.inputConfig(), strings.NewReader(""))
		if err != nil {
			t.Fatal(err)
		}
		if err := c.nameColumns(in); err != nil {
			t.Fatal(err)
		}
		var names []string
		for j := range in.Jobs() {
			names = j.Names
			break
		}
		in.Close()
		if !slices.Equal(c.Words, tt.words) || c.Command != strings.Join(tt.words, " ") || !slices.Equal(names, tt.names) {
			t.Errorf("%q: words %q, command %q, names %q; want %q and %q", tt.args, c.Words, c.Command, names, tt.words, tt.names)
		}
	}
}

// TestHeaderIsNoJob: the number of jobs known in advance (for {##},
// --halt with a percentage, the progress line) does not count headers.
func TestHeaderIsNoJob(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want int64
	}{
		{[]string{"--header", ":", "echo", ":::", "h", "a", "b", ":::", "g", "c"}, 2},
		{[]string{"--header", "0", "echo", ":::", "h", "a", "b"}, 3},
		{[]string{"echo", ":::", "h", "a", "b"}, 3},
	} {
		c, bad := parse(tt.args...)
		if bad != "" {
			t.Fatal(bad)
		}
		if got := c.total(); got != tt.want {
			t.Errorf("%q: %d jobs; want %d", tt.args, got, tt.want)
		}
	}
}
