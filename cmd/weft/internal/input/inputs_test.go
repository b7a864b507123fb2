package input

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// jobs opens c with stdin and returns every job's arguments, joined by |.
func jobs(t *testing.T, c Config, stdin string) []string {
	t.Helper()
	in, err := Open(c, strings.NewReader(stdin))
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	var out []string
	var want int64 = 1
	for j, err := range in.Jobs() {
		if err != nil {
			t.Fatal(err)
		}
		if j.Seq != want {
			t.Fatalf("job %q has number %d; want %d", j.Args, j.Seq, want)
		}
		want++
		out = append(out, strings.Join(j.Args, "|"))
	}
	return out
}

func TestJobsCombineSourcesLastFastest(t *testing.T) {
	dir := t.TempDir()
	pairs := filepath.Join(dir, "pairs")
	os.WriteFile(pairs, []byte("a,1\nb,2\n"), 0o644)
	vals := func(v ...string) Source { return Source{Values: v} }
	file := func(f string) Source { return Source{File: f, IsFile: true} }
	linked := func(v ...string) Source { return Source{Values: v, Linked: true} }
	tests := []struct {
		name  string
		c     Config
		stdin string
		want  []string
	}{
		{"stdin", Config{Sep: "\n"}, "x\ny\n", []string{"x", "y"}},
		{"stdin without a last newline", Config{Sep: "\n"}, "x\ny", []string{"x", "y"}},
		{"NUL", Config{Sep: "\x00"}, "x\x00y z\x00", []string{"x", "y z"}},
		{"two-byte separator", Config{Sep: "::"}, "a::b:c::", []string{"a", "b:c"}},
		{"one group", Config{Sources: []Source{vals("a", "b")}, Sep: "\n"}, "", []string{"a", "b"}},
		{"every combination", Config{Sources: []Source{vals("a", "b"), vals("1", "2", "3")}, Sep: "\n"}, "",
			[]string{"a|1", "a|2", "a|3", "b|1", "b|2", "b|3"}},
		{"three groups", Config{Sources: []Source{vals("a", "b"), vals("1"), vals("x", "y")}, Sep: "\n"}, "",
			[]string{"a|1|x", "a|1|y", "b|1|x", "b|1|y"}},
		{"an empty later group: no job", Config{Sources: []Source{vals("a"), vals()}, Sep: "\n"}, "", nil},
		{"stdin as a file", Config{Sources: []Source{file("-"), vals("1", "2")}, Sep: "\n"}, "s\n", []string{"s|1", "s|2"}},
		{"colsep", Config{Sources: []Source{file(pairs)}, Sep: "\n", Colsep: regexp.MustCompile(",")}, "", []string{"a|1", "b|2"}},
		{"colsep in a later group", Config{Sources: []Source{vals("x"), file(pairs)}, Sep: "\n", Colsep: regexp.MustCompile(",")}, "",
			[]string{"x|a|1", "x|b|2"}},
		{":::+ links, the shorter decides", Config{Sources: []Source{vals("a", "b", "c"), linked("1", "2"), vals("X", "Y")}, Sep: "\n"}, "",
			[]string{"a|1|X", "a|1|Y", "b|2|X", "b|2|Y"}},
		{":::+ in a later unit", Config{Sources: []Source{vals("a", "b"), vals("X", "Y"), linked("11", "22", "33")}, Sep: "\n"}, "",
			[]string{"a|X|11", "a|Y|22", "b|X|11", "b|Y|22"}},
		{"::::+ with colsep", Config{Sources: []Source{vals("x", "y", "z"), {File: pairs, IsFile: true, Linked: true}}, Sep: "\n", Colsep: regexp.MustCompile(",")}, "",
			[]string{"x|a|1", "y|b|2"}},
		{"--link wraps the shorter", Config{Sources: []Source{vals("a", "b", "c"), vals("1", "2"), vals("x", "y", "z", "w")}, Sep: "\n", Link: true}, "",
			[]string{"a|1|x", "b|2|y", "c|1|z", "a|2|w"}},
		{"-E ends each source", Config{Sources: []Source{vals("a", "stop", "b"), vals("1", "stop", "2")}, Sep: "\n", EOF: "stop"}, "",
			[]string{"a|1"}},
		{"-E on stdin", Config{Sep: "\n", EOF: "end"}, "x\nend\ny\n", []string{"x"}},
		{"-r skips empty records", Config{Sources: []Source{vals("a", "", " \t", "b")}, Sep: "\n", SkipEmpty: true}, "", []string{"a", "b"}},
		{"-r on stdin", Config{Sep: "\n", SkipEmpty: true}, "1\n\n2\n", []string{"1", "2"}},
		{"--link with an empty source", Config{Sources: []Source{vals("a"), vals()}, Sep: "\n", Link: true}, "", nil},
		{"--link with stdin", Config{Sources: []Source{file("-"), vals("1", "2", "3")}, Sep: "\n", Link: true}, "s\nt\n",
			[]string{"s|1", "t|2", "s|3"}},
	}
	for _, tt := range tests {
		if got := jobs(t, tt.c, tt.stdin); !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %q; want %q", tt.name, got, tt.want)
		}
	}
}

func TestJobsStopWhenTheLoopBreaks(t *testing.T) {
	in, err := Open(Config{Sep: "\n"}, strings.NewReader("a\nb\nc\n"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for range in.Jobs() {
		if n++; n == 2 {
			break
		}
	}
	if n != 2 {
		t.Errorf("got %d jobs; want the loop to stop at 2", n)
	}
}

func TestOpenRefusesAMissingFileBeforeAnyJob(t *testing.T) {
	_, err := Open(Config{Sources: []Source{{File: "/no/such/file", IsFile: true}}, Sep: "\n"}, nil)
	if err == nil || !strings.Contains(err.Error(), "cannot read input file") || !strings.Contains(err.Error(), "/no/such/file") {
		t.Errorf("got %v; want an error naming the file", err)
	}
}

func TestARecordTooLongIsAnError(t *testing.T) {
	in, err := Open(Config{Sep: "\n"}, strings.NewReader(strings.Repeat("x", MaxRecord+1)))
	if err != nil {
		t.Fatal(err)
	}
	var got error
	for _, err := range in.Jobs() {
		got = err
	}
	if got == nil || !strings.Contains(got.Error(), "reading input") {
		t.Errorf("got %v; want a read error", got)
	}
}

func TestTotal(t *testing.T) {
	for _, tt := range []struct {
		c    Config
		want int64
	}{
		{Config{}, -1},
		{Config{Sources: []Source{{Values: []string{"a", "b"}}, {Values: []string{"1", "2", "3"}}}}, 6},
		{Config{Sources: []Source{{Values: []string{"a"}}, {File: "f", IsFile: true}}}, -1},
		{Config{Sources: []Source{{Values: []string{"a", "b", "c"}}, {Values: []string{"1", "2"}, Linked: true}, {Values: []string{"x", "y"}}}}, 4},
		{Config{Sources: []Source{{Values: []string{"a", "b", "c"}}, {Values: []string{"1", "2"}}}, Link: true}, 3},
		{Config{Sources: []Source{{Values: []string{"a", "b", "c"}}, {Values: nil}}, Link: true}, 0},
	} {
		if got := tt.c.Total(); got != tt.want {
			t.Errorf("%+v: got %d; want %d", tt.c, got, tt.want)
		}
	}
}
