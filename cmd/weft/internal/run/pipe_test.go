package run

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/weft-dev/weft/cmd/weft/internal/cli"
)

func TestPipeOptionsSetTheConfig(t *testing.T) {
	c, bad := parse("--spreadstdin", "--block-size", "1.5k", "--max-replace-args=3", "-l2", "--recstart", ">", "--recend", `\n`,
		"--regexp", "--removerecsep", "--round", "--header", ":", "wc", "-l")
	if bad != "" {
		t.Fatal(bad)
	}
	p := c.Pipe
	if !p.On || p.Part || p.Block != 1500 || p.Records != 3 || p.Lines != 2 || *p.RecStart != ">" || *p.RecEnd != `\n` ||
		!p.Regexp || !p.RemoveRecSep || !p.RoundRobin || *p.Header != ":" || p.Cat || p.Fifo || p.Tee {
		t.Errorf("got %+v", p)
	}
	if c, _ := parse("--pipe", "-l", "-L", "4", "cat"); c.Pipe.Lines != 4 {
		t.Errorf("-l -L 4: %d lines; want the last one given, 4", c.Pipe.Lines)
	}
	if c, _ := parse("--pipe", "-L", "4", "-l", "cat"); c.Pipe.Lines != 1 {
		t.Errorf("-L 4 -l: %d lines; want 1", c.Pipe.Lines)
	}
	if c, _ := parse("--pipe", "--max-lines", "cat"); c.Pipe.Lines != 1 || c.Command != "cat" {
		t.Errorf("--max-lines cat: %d lines, command %q; want 1 and cat (an optional value is never the next word)", c.Pipe.Lines, c.Command)
	}
	c, bad = parse("--pipepart", "-a", "big.txt", "--block", "-3", "wc")
	if bad != "" || !c.Pipe.Part || c.Pipe.File != "big.txt" || c.Pipe.Block != -3 || len(c.Sources) != 0 {
		t.Errorf("--pipepart -a big.txt --block -3: %+v, sources %v, %q; want the file as the data, and no values", c.Pipe, c.Sources, bad)
	}
	c, bad = parse("--pipe", "--tee", "-j", "2", "grep {}", ":::", "a", "b")
	if bad != "" || !c.Pipe.Tee || len(c.Sources) != 1 {
		t.Errorf("--tee ::: a b: %+v %q", c.Pipe, bad)
	}
}

// Every option of the --pipe section that has another meaning in GNU
// parallel, or none, is refused by name without --pipe or --pipe-part;
// the combinations that cannot work are refused by name too.
func TestPipeBadUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--pipe", "-m", "wc"}, "-m cannot be used with --pipe"},
		{[]string{"--pipe", "-X", "wc"}, "-X cannot be used with --pipe"},
		{[]string{"--pipe-part", "-a", "f", "--xargs", "wc"}, "--xargs cannot be used with --pipe-part"},
		{[]string{"--pipe", "-n", "2", "wc"}, "-n cannot be used with --pipe: use -N N"},
		{[]string{"--pipe", "-s", "100", "wc"}, "-s cannot be used with --pipe"},
		{[]string{"--block", "1M", "echo"}, "--block needs --pipe or --pipe-part"},
		{[]string{"--recend", ";", "echo"}, "--recend needs --pipe"},
		{[]string{"--recstart", ">", "echo"}, "--recstart needs --pipe"},
		{[]string{"--regexp", "echo"}, "--regexp needs --pipe"},
		{[]string{"--rrs", "echo"}, "--rrs needs --pipe"},
		{[]string{"--round-robin", "echo"}, "--round-robin needs --pipe"},
		{[]string{"--cat", "echo"}, "--cat needs --pipe"},
		{[]string{"--fifo", "echo"}, "--fifo needs --pipe"},
		{[]string{"--tee", "echo"}, "--tee needs --pipe"},
		{[]string{"--pipe", "--block", "0", "wc"}, `bad value for --block: "0"`},
		{[]string{"--pipe", "--block", "1X", "wc"}, `--block: bad size "1X"`},
		{[]string{"--pipe", "--block", "1M-2k", "wc"}, `--block: bad size "1M-2k"`},
		{[]string{"--pipe", "-N", "0", "wc"}, "-N 0 cannot be used with --pipe: give N >= 1 records per block"},
		{[]string{"--pipe", "-l0", "wc"}, `bad value for -l: "0"`},
		{[]string{"--pipe"}, "no command given"},
		{[]string{"--pipe", "--dry-run", "wc"}, "--dry-run cannot be used with --pipe"},
		{[]string{"--pipe", "--joblog", "x", "--resume", "wc"}, "--resume and --resume-failed cannot be used with --pipe"},
		{[]string{"--pipe", "--cat", "--fifo", "wc"}, "--cat and --fifo cannot be used together"},
		{[]string{"--pipe", "--round-robin", "--cat", "wc"}, "--round-robin gives each job many blocks"},
		{[]string{"--pipe", "--round-robin", "--retries", "2", "wc"}, "--retries cannot be used with --round-robin"},
		{[]string{"--pipe", "--fifo", "--retries", "2", "wc"}, "--retries cannot be used with --round-robin, --tee or --fifo"},
		{[]string{"--pipe", "--tee", "-N", "2", "grep {}", ":::", "a"}, "-N cannot be used with --tee"},
		{[]string{"--pipe", "--tee", "--block", "1M", "grep {}", ":::", "a"}, "--block cannot be used with --tee"},
		{[]string{"--pipe", "--tee", "grep"}, "--tee needs values"},
		{[]string{"--pipe-part", "--tee", "-a", "f", "grep {}", ":::", "a"}, "--tee cannot be used with --pipe-part"},
		{[]string{"--pipe-part", "wc"}, "--pipe-part needs one -a FILE"},
		{[]string{"--pipe-part", "-a", "f", "-a", "g", "wc"}, "--pipe-part needs one -a FILE, the file to cut into parts; got 2"},
		{[]string{"--pipe-part", "-a", "f", "-N", "2", "wc"}, "-N cannot be used with --pipe-part"},
		{[]string{"--pipe-part", "-a", "f", "--rrs", "wc"}, "--rrs cannot be used with --pipe-part"},
		{[]string{"--pipe-part", "-a", "f", "wc", ":::", "a"}, "--pipe-part gives the jobs blocks of data, not values"},
		{[]string{"--pipe", "-a", "f", "wc"}, "--pipe reads its data from stdin, not -a FILE"},
		{[]string{"--pipe", "wc", ":::", "a"}, "--pipe gives the jobs blocks of data, not values: ::: and :::: are only for --tee"},
	} {
		_, bad := parse(c.args...)
		if !strings.Contains(bad, c.want) || strings.Contains(bad, "\n") {
			t.Errorf("%q: %q; want one line with %q", c.args, bad, c.want)
		}
	}
}

// A bad separator, a --pipe-part file that cannot be read, a --block per
// job slot without a file: bad usage, found by New before any job starts.
func TestNewRefusesWhatThePipeCannotCut(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if err := os.WriteFile(data, []byte("a\nb\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--pipe", "--regexp", "--recend", "(?=x)", "wc"}, "bad --recend regular expression"},
		{[]string{"--pipe", "--header", "(", "wc"}, "bad --header regular expression"},
		{[]string{"--pipe-part", "-a", filepath.Join(dir, "missing"), "wc"}, "--pipe-part: open"},
		{[]string{"--pipe-part", "-a", dir, "wc"}, "--pipe-part needs a regular file or a block device"},
		{[]string{"--pipe", "--block", "-2", "wc"}, "--block -2 (blocks per job slot) needs the input's size"},
	} {
		cfg, bad := parse(c.args...)
		if bad != "" {
			t.Fatalf("%q: %s", c.args, bad)
		}
		var errb bytes.Buffer
		r, err := New(cfg, cli.Env{Stdin: strings.NewReader("x\n"), Stdout: &bytes.Buffer{}, Stderr: &errb})
		if err == nil {
			r.Close()
			t.Errorf("%q: no error; want %q", c.args, c.want)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v; want %q", c.args, err, c.want)
		}
	}
}
