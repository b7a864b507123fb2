package input

import (
	"errors"
	"strings"
	"testing"
)

// grouped opens c with stdin and returns every job of g's arguments,
// joined by |, checking that the jobs are numbered from 1; and the error
// that ended them, if any.
func grouped(t *testing.T, c Config, g Grouping, stdin string) ([]string, error) {
	t.Helper()
	in, err := Open(c, strings.NewReader(stdin))
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	var out []string
	var want int64 = 1
	for j, err := range in.Grouped(g) {
		if err != nil {
			return out, err
		}
		if j.Seq != want {
			t.Fatalf("job %q has number %d; want %d", j.Args, j.Seq, want)
		}
		want++
		out = append(out, strings.Join(j.Args, "|"))
	}
	return out, nil
}

// lengths is a Fitter whose command line is "cmd" and the arguments,
// separated by spaces.
type lengths struct{ args []string }

func (l *lengths) Reset(int64)        { l.args = l.args[:0] }
func (l *lengths) Add(args ...string) { l.args = append(l.args, args...) }
func (l *lengths) Drop(n int)         { l.args = l.args[:len(l.args)-n] }
func (l *lengths) Len() int           { return len(strings.Join(append([]string{"cmd"}, l.args...), " ")) }

func TestGroupedTakesMaxRecordsPerJob(t *testing.T) {
	vals := Config{Sources: []Source{{Values: []string{"A", "B", "C", "D", "E", "F", "G", "H"}}}}
	got, err := grouped(t, vals, Grouping{Max: 3}, "")
	if want := []string{"A|B|C", "D|E|F", "G|H"}; err != nil || !equal(got, want) {
		t.Errorf("-N3: got %q, %v; want %q", got, err, want)
	}
	// With two groups a record is a combination: two arguments.
	two := Config{Sources: []Source{{Values: []string{"a", "b"}}, {Values: []string{"c", "d", "e"}}}}
	got, err = grouped(t, two, Grouping{Max: 2}, "")
	if want := []string{"a|c|a|d", "a|e|b|c", "b|d|b|e"}; err != nil || !equal(got, want) {
		t.Errorf("-n2 with two groups: got %q, %v; want %q", got, err, want)
	}
	got, err = grouped(t, Config{Sep: "\n"}, Grouping{Max: 1, Zero: true}, "1\n2\n3\n")
	if want := []string{"", "", ""}; err != nil || !equal(got, want) {
		t.Errorf("-N0: got %q, %v; want %q", got, err, want)
	}
}

func TestGroupedFitsTheCommandLine(t *testing.T) {
	// cmd 1 2 3 is 9 long: shorter than 10; cmd 1 2 3 4 is not.
	got, err := grouped(t, Config{Sep: "\n"}, Grouping{Fit: &lengths{}, Limit: 10}, "1\n2\n3\n4\n5\n6\n7\n")
	if want := []string{"1|2|3", "4|5|6", "7"}; err != nil || !equal(got, want) {
		t.Errorf("got %q, %v; want %q", got, err, want)
	}
	got, err = grouped(t, Config{Sep: "\n"}, Grouping{Max: 2, Fit: &lengths{}, Limit: 10}, "1\n2\n3\n")
	if want := []string{"1|2", "3"}; err != nil || !equal(got, want) {
		t.Errorf("with Max 2: got %q, %v; want %q", got, err, want)
	}
	// A record too long alone ends the jobs, after those before it.
	long := strings.Repeat("x", 60)
	got, err = grouped(t, Config{Sep: "\n"}, Grouping{Max: 1, Fit: &lengths{}, Limit: 20}, "a\n"+long+"\nb\n")
	if !equal(got, []string{"a"}) || err == nil || !strings.Contains(err.Error(), "command line too long (64 >= 20 characters) at input 2: "+long[:50]+"...") {
		t.Errorf("too long: got %q, %v", got, err)
	}
}

func TestGroupedSpreadsTheLastJobOverTheSlots(t *testing.T) {
	ten := Config{Sources: []Source{{Values: strings.Fields("1 2 3 4 5 6 7 8 9 10")}}}
	// GNU parallel -j4 -m: 10 arguments fit one command line; at the end
	// of the input they are spread 3, 3, 3, 1.
	got, err := grouped(t, ten, Grouping{Fit: &lengths{}, Limit: 1000, Spread: 4}, "")
	if want := []string{"1|2|3", "4|5|6", "7|8|9", "10"}; err != nil || !equal(got, want) {
		t.Errorf("got %q, %v; want %q", got, err, want)
	}
	// Only the job that meets the end of the input is spread: here the
	// first is full (cmd 1 2 3 4 5 6 is 15 long), the rest spread 2, 2.
	got, err = grouped(t, ten, Grouping{Fit: &lengths{}, Limit: 16, Spread: 2}, "")
	if want := []string{"1|2|3|4|5|6", "7|8", "9|10"}; err != nil || !equal(got, want) {
		t.Errorf("got %q, %v; want %q", got, err, want)
	}
	// -n3 -j4 with 3 records: the job that took them all is spread.
	three := Config{Sources: []Source{{Values: []string{"1", "2", "3"}}}}
	got, err = grouped(t, three, Grouping{Max: 3, Fit: &lengths{}, Limit: 1000, Spread: 4}, "")
	if want := []string{"1", "2", "3"}; err != nil || !equal(got, want) {
		t.Errorf("got %q, %v; want %q", got, err, want)
	}
}

func TestGroupedStopsAtAReadError(t *testing.T) {
	in, err := Open(Config{Sep: "\n"}, errReader{})
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	for _, err := range in.Grouped(Grouping{Max: 2, Spread: 2}) {
		if err == nil || !errors.Is(err, errBroken) {
			t.Errorf("got %v, want %v", err, errBroken)
		}
	}
}

var errBroken = errors.New("broken")

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errBroken }

// With -L a record ending in white space goes on in the next one, as GNU
// parallel reads it: also for ::: values, after -E and -r.
func TestContinuedRecords(t *testing.T) {
	got := jobs(t, Config{Sep: "\n", Continue: true}, "a b\nc \nd\ne\nf \n")
	if want := []string{"a b", "c d", "e", "f "}; !equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	got = jobs(t, Config{Sources: []Source{{Values: []string{"a ", "", "b", "c"}}}, Continue: true}, "")
	if want := []string{"a b", "c"}; !equal(got, want) {
		t.Errorf("::: values: got %q, want %q", got, want)
	}
	got = jobs(t, Config{Sep: "\n", Continue: true, EOF: "stop"}, "a \nstop\nc\n")
	if want := []string{"a "}; !equal(got, want) {
		t.Errorf("-E: got %q, want %q", got, want)
	}
}

func equal(a, b []string) bool {
	return strings.Join(a, "\x00") == strings.Join(b, "\x00") && len(a) == len(b)
}
