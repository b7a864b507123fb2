package run

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/weft-dev/weft/cmd/weft/internal/cli"
	"github.com/weft-dev/weft/cmd/weft/internal/input"
)

func TestOutputOptionsSetTheConfig(t *testing.T) {
	dir := t.TempDir()
	c, bad := parse("--ctagstring", "{#}", "-t", "-v", "--results", "out", "--tmpdir", dir, "--shuf", "--progress", "echo")
	if bad != "" {
		t.Fatal(bad)
	}
	if c.TagString != "{#}" || !c.Tag || !c.Color || !c.Trace || c.Echo != 1 || c.Results != "out" || c.TmpDir != dir || !c.Shuf || !c.Progress {
		t.Errorf("got %+v", c)
	}
	if c, bad = parse("--verbose", "--files", "--tag-string", "x", "echo"); bad != "" || !c.Trace || !c.Files || c.TagString != "x" || c.Color {
		t.Errorf("got %+v, %q", c, bad)
	}
}

func TestOutputCombinationsAreRefusedByName(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--results", "", "echo"}, "weft: bad value for --results: the name must not be empty"},
		{[]string{"--results", "out/{}.csv", "echo"}, "weft: --results out/{}.csv: a table's name with replacement strings is not supported"},
		{[]string{"--results", "out/{%}", "echo"}, "weft: --results out/{%}: perl expressions and {%} in the name are not supported yet"},
		{[]string{"--results", "out/{= $_ =}", "echo"}, "weft: --results out/{= $_ =}: perl expressions"},
		{[]string{"--results", "out", "--files", "echo"}, "weft: --results and --files cannot be used together yet"},
		{[]string{"--files", "--lb", "echo"}, "weft: --results and --files cannot be used with -u or --line-buffer"},
		{[]string{"--results", "r", "-u", "echo"}, "weft: --results and --files cannot be used with -u or --line-buffer"},
		{[]string{"--files", "--dry-run", "echo"}, "weft: --results and --files cannot be used with --dry-run"},
		{[]string{"--results", "r", "--joblog", "l", "--resume", "echo"}, "weft: --resume and --resume-failed cannot be used with --results yet"},
		{[]string{"--ctag", "-u", "echo"}, "weft: --ctag and --ctagstring cannot be used with -u or --line-buffer yet"},
		{[]string{"--results", "r", "--pipe", "wc"}, "weft: --results cannot be used with --pipe or --pipe-part"},
		{[]string{"--shuf", "--pipe", "wc"}, "weft: --shuf cannot be used with --pipe or --pipe-part"},
		{[]string{"--shuf", "--joblog", "l", "--resume-failed", "echo"}, "weft: --shuf cannot be used with --resume or --resume-failed"},
		{[]string{"--progress", "--bar", "echo"}, "weft: --progress cannot be used with --bar or --eta"},
		{[]string{"-v", "-v", "echo"}, "weft: -v given more than once"},
		{[]string{"--tagstring", "", "echo"}, "weft: bad value for --tagstring: the tag must not be empty"},
		{[]string{"--tagstring", "{%}", "echo"}, "weft: --tagstring {%}: perl expressions and {%} in the tag are not supported yet"},
		{[]string{"--tagstring", "{= $_ =}", "echo"}, "weft: --tagstring {= $_ =}: perl expressions"},
		{[]string{"--tmpdir", "/no/such/dir", "echo"}, `weft: bad value for --tmpdir: "/no/such/dir" is not a directory`},
		{[]string{"--files0", "echo"}, "weft: option --files0 is not supported: GNU parallel 20221122 has no --files0"},
	} {
		if _, bad := parse(tt.args...); !strings.HasPrefix(bad, tt.want) || strings.Contains(bad, "\n") {
			t.Errorf("%q: got %q; want one line starting %q", tt.args, bad, tt.want)
		}
	}
}

// newRun makes the run of args, with stdout and stderr in buffers.
func newRun(t *testing.T, args ...string) (*Run, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	c, bad := parse(args...)
	if bad != "" {
		t.Fatal(bad)
	}
	var out, errOut bytes.Buffer
	r, err := New(c, cli.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	return r, &out, &errOut
}

// runAll runs every job of r, one after the other.
func runAll(t *testing.T, r *Run) {
	t.Helper()
	r.Start(1)
	x := r.Executor()
	for j, err := range r.Jobs() {
		if err != nil {
			t.Fatal(err)
		}
		r.Done(r.RunJob(x, j))
	}
	if err := r.Finish(); err != nil {
		t.Fatal(err)
	}
}

func TestShufRunsEveryJobOnceNumberedInItsOrder(t *testing.T) {
	r, _, _ := newRun(t, "--shuf", "echo", ":::", "a", "b", "c", ":::", "1", "2")
	var seqs []int64
	var args []string
	for j, err := range r.Jobs() {
		if err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, j.Seq)
		args = append(args, strings.Join(j.Args, " "))
	}
	if !slices.Equal(seqs, []int64{1, 2, 3, 4, 5, 6}) {
		t.Errorf("numbers %v; want 1 to 6 in the order they run", seqs)
	}
	slices.Sort(args)
	if want := []string{"a 1", "a 2", "b 1", "b 2", "c 1", "c 2"}; !slices.Equal(args, want) {
		t.Errorf("jobs %q; want every combination once: %q", args, want)
	}
}

func TestShuffleChangesTheOrder(t *testing.T) {
	jobs := make([]input.Job, 50)
	for i := range jobs {
		jobs[i] = input.Job{Seq: int64(i + 1), Args: []string{string(rune('A' + i))}}
	}
	// One order in 50! is the input's: a shuffle that keeps it is a
	// shuffle that does nothing.
	shuffle(jobs)
	same := true
	for i, j := range jobs {
		same = same && j.Args[0] == string(rune('A'+i))
		if j.Seq != int64(i+1) {
			t.Fatalf("job %d numbered %d", i+1, j.Seq)
		}
	}
	if same {
		t.Error("the shuffle kept the input's order")
	}
}

func TestTracePrintsEachCommandOnStderr(t *testing.T) {
	r, out, errOut := newRun(t, "-t", "-k", "echo", ":::", "a b", "c")
	runAll(t, r)
	if errOut.String() != "echo 'a b'\necho c\n" || out.String() != "a b\nc\n" {
		t.Errorf("stderr %q, stdout %q", errOut.String(), out.String())
	}
}

func TestResultsAndTagStringThroughARun(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "res")
	r, out, _ := newRun(t, "--results", dir, "--tagstring", "{#}-{}", "echo", ":::", "x/y")
	runAll(t, r)
	got, err := os.ReadFile(filepath.Join(dir, "1", `x\_y`, "stdout"))
	if err != nil || string(got) != "x/y\n" || out.Len() != 0 {
		t.Errorf("stdout file %q, %v; printed %q (want nothing)", got, err, out.String())
	}
	r, out, _ = newRun(t, "--tagstring", "{#}-{}", "echo", ":::", "x y")
	runAll(t, r)
	if want := "1-x y\tx y\n"; out.String() != want {
		t.Errorf("got %q; want %q", out.String(), want)
	}
}
