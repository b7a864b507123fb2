package output

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/weft-dev/weft/cmd/weft/internal/job"
)

func TestResultDirEscapesValuesAndSortsNames(t *testing.T) {
	for _, tt := range []struct {
		names, args []string
		want        string
	}{
		{nil, []string{"a", "b/c"}, "out/1/a/2/b\\_c/"},
		{nil, []string{`x\y`, "t\tu", "n\x00m"}, `out/1/x\\y/2/t\tu/3/n\0m/`},
		{[]string{"f2", "f1"}, []string{"A", "B"}, "out/f1/B/f2/A/"},
		{[]string{"10", "9", "x"}, []string{"a", "b", "c"}, "out/x/c/9/b/10/a/"}, // by the leading number, then as text
		{nil, []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10"}, "out/1/1/2/2/3/3/4/4/5/5/6/6/7/7/8/8/9/9/10/10/"},
	} {
		if got := ResultDir("out", tt.names, tt.args); got != tt.want {
			t.Errorf("ResultDir(%q, %q) = %q; want %q", tt.names, tt.args, got, tt.want)
		}
	}
}

func TestResultsFormatOfTheName(t *testing.T) {
	for name, want := range map[string]ResultsFormat{"x.csv": ResultsCSV, "x.CSV": ResultsCSV, "a/b.tsv": ResultsTSV,
		"-.json": ResultsJSON, "out": ResultsDir, "out/": ResultsDir, "x.csv.d": ResultsDir} {
		if got := ResultsFormatOf(name); got != want {
			t.Errorf("ResultsFormatOf(%q) = %v; want %v", name, got, want)
		}
	}
}

func TestCSVQuotesAsGNUParallel(t *testing.T) {
	got := csvLine(",", []string{"plain", "a b", `q"q`, "x,y", "nl\n", "", "tab\tt"})
	if want := "plain,\"a b\",\"q\"\"q\",\"x,y\",\"nl\n\",,\"tab\tt\"\n"; got != want {
		t.Errorf("got %q; want %q", got, want)
	}
	if got, want := jsonQuote("a\"b\\c\n\x01é"), `a\"b\\c\u000a\u0001é`; got != want {
		t.Errorf("jsonQuote: got %q; want %q", got, want)
	}
}

// finished is a job that ran cmdline with args and printed out and errOut.
func finished(seq int64, cmdline, out, errOut string, args ...string) *job.Result {
	r := &job.Result{Seq: seq, Args: args, Cmdline: cmdline, Start: time.Unix(1700000000, 0), Elapsed: 1500 * time.Millisecond,
		Stdout: &job.Output{}, Stderr: &job.Output{}}
	r.Stdout.Write([]byte(out))
	r.Stderr.Write([]byte(errOut))
	return r
}

func TestResultsDirHoldsEachJobAndNothingIsPrinted(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	var out, errOut bytes.Buffer
	rs := &Results{Name: dir, Format: ResultsDir}
	p := New(Config{Results: rs, Total: -1}, &out, &errOut, nil, &counter{})
	p.Add(finished(7, "echo a/b", "a/b\n", "warn\n", "a/b"))
	if err := p.Finish(); err != nil {
		t.Fatal(err)
	}
	if out.Len()+errOut.Len() != 0 {
		t.Errorf("printed %q and %q", out.String(), errOut.String())
	}
	for name, want := range map[string]string{"seq": "7", "stdout": "a/b\n", "stderr": "warn\n"} {
		got, err := os.ReadFile(filepath.Join(dir, "1", `a\_b`, name))
		if err != nil || string(got) != want {
			t.Errorf("%s: %q, %v; want %q", name, got, err, want)
		}
	}
}

func TestResultsTables(t *testing.T) {
	for _, tt := range []struct {
		name, want string
	}{
		{"-.csv", "Seq,Host,Starttime,JobRuntime,Send,Receive,Exitval,Signal,Command,V1,V2,Stdout,Stderr\n" +
			"1,:,1700000000.000,1.500,0,2,0,0,\"echo a 1\",a,1,\"x\n\",\n"},
		{"-.tsv", "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\tV1\tV2\tStdout\tStderr\n" +
			"1\t:\t1700000000.000\t1.500\t0\t2\t0\t0\t\"echo a 1\"\ta\t1\t\"x\n\"\t\n"},
		{"-.json", `{ "Seq": 1, "Host": ":", "Starttime": 1700000000.000, "JobRuntime": 1.500, "Send": 0, "Receive": 2, "Exitval": 0, "Signal": 0, "Command": "echo a 1", "V": [ "a","1" ], "Stdout": "x\u000a", "Stderr": "" }` + "\n"},
	} {
		var out bytes.Buffer
		rs := &Results{Name: tt.name, Format: ResultsFormatOf(tt.name)}
		if err := rs.Open(&out); err != nil {
			t.Fatal(err)
		}
		p := New(Config{Results: rs, Total: -1}, &out, io.Discard, nil, &counter{})
		p.Add(finished(1, "echo a 1", "x\n", "", "a", "1"))
		if err := p.Finish(); err != nil || out.String() != tt.want {
			t.Errorf("%s: got %q, %v; want %q", tt.name, out.String(), err, tt.want)
		}
	}
}

func TestFilesPrintsTheNamesOfFilesHoldingStdout(t *testing.T) {
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	p := New(Config{Files: true, TmpDir: dir, Tag: true, Echo: true, Total: -1}, &out, &errOut, nil, &counter{})
	p.Add(finished(1, "echo a", "a\n", "not printed\n", "a"))
	if err := p.Finish(); err != nil {
		t.Fatal(err)
	}
	tag, name, ok := strings.Cut(strings.TrimSuffix(out.String(), "\n"), "\t")
	if !ok || tag != "a" || filepath.Dir(name) != dir || !strings.HasSuffix(name, ".par") {
		t.Fatalf("printed %q; want the tag, a tab and a .par file in %s", out.String(), dir)
	}
	if got, _ := os.ReadFile(name); string(got) != "echo a\na\n" {
		t.Errorf("the file holds %q; want the command line (-v), then stdout", got)
	}
	if errOut.Len() != 0 {
		t.Errorf("stderr printed: %q", errOut.String())
	}
}

func TestTagStringCarriageReturnsAndColors(t *testing.T) {
	var out bytes.Buffer
	tagOf := func(r *job.Result) string { return "<" + r.Args[0] + ">" }
	p := New(Config{Tag: true, TagOf: tagOf, Total: -1}, &out, io.Discard, nil, &counter{})
	p.Add(finished(1, "", "a\rb\nc", "", "x"))
	p.Finish()
	if want := "<x>\ta\r<x>\tb\n<x>\tc"; out.String() != want {
		t.Errorf("--tagstring: got %q; want %q", out.String(), want)
	}
	out.Reset()
	p = New(Config{Tag: true, Color: true, Total: -1}, &out, io.Discard, nil, &counter{})
	p.color = colors{table: []string{"[0]", "[1]"}, eol: "[K]", reset: "[m]"}
	p.Add(finished(1, "", "a\rb\nc", "", "x"))
	p.Finish()
	if want := "[1][K]x\ta[m]\r[1][K]x\tb[m]\n[1][K]x\tc[m]\n"; out.String() != want {
		t.Errorf("--ctag: got %q; want %q", out.String(), want)
	}
}

func TestColorsAreGNUParallels(t *testing.T) {
	c := terminalColors()
	// GNU parallel 20221122 gives job 1 and job 2 these (parallel --ctag
	// echo ::: A B | od -c).
	if c.table[1] != "\x1b[48;5;134;38;5;231m" || c.table[2] != "\x1b[48;5;021;38;5;231m" {
		t.Errorf("colours of jobs 1 and 2: %q %q", c.table[1], c.table[2])
	}
}

func TestEchoPrecedesStdout(t *testing.T) {
	var out bytes.Buffer
	p := New(Config{Echo: true, Total: -1}, &out, io.Discard, nil, &counter{})
	p.Add(finished(1, "echo a", "a\n", ""))
	p.Finish()
	if want := "echo a\na\n"; out.String() != want {
		t.Errorf("got %q; want %q", out.String(), want)
	}
}

func TestResultsNamedByReplacementStrings(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		name  string
		files map[string]string
	}{
		{dir + "/d/a/", map[string]string{"d/a/stdout": "out", "d/a/stderr": "err", "d/a/seq": "3"}},
		{dir + "/f/a", map[string]string{"f/a": "out", "f/a.err": "err", "f/a.seq": "3"}},
	} {
		rs := &Results{Name: "unused", Format: ResultsDir, NameOf: func(*job.Result) string { return tt.name }}
		p := New(Config{Results: rs, Total: -1}, io.Discard, io.Discard, nil, &counter{})
		p.Add(finished(3, "x", "out", "err", "a"))
		if err := p.Finish(); err != nil {
			t.Fatal(err)
		}
		for name, want := range tt.files {
			if got, err := os.ReadFile(filepath.Join(dir, name)); err != nil || string(got) != want {
				t.Errorf("%s: %s holds %q, %v; want %q", tt.name, name, got, err, want)
			}
		}
	}
}
