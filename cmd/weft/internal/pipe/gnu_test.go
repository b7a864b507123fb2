package pipe

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// gnuParallel returns the path of GNU parallel, failing the test when it
// is missing: these tests are the specification and must not be skipped.
func gnuParallel(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("parallel")
	if err != nil {
		t.Fatal("GNU parallel is not installed, and the pipe tests compare against it: apt-get install parallel (Debian's 20221122)")
	}
	gnuVersionOnce.Do(func() {
		out, _ := exec.Command(p, "--version").Output()
		gnuVersion, _, _ = strings.Cut(string(out), "\n")
	})
	return p
}

var (
	gnuVersionOnce sync.Once
	gnuVersion     string
)

// runGNU runs GNU parallel with args and a command that saves each job's
// standard input as a file named by the job's number, and returns those
// inputs in job order.
func runGNU(t *testing.T, stdin []byte, args ...string) [][]byte {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command(gnuParallel(t), append(args, "cat > "+dir+"/{#}")...)
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: parallel %s: %v\n%s", gnuVersion, strings.Join(args, " "), err, stderr.String())
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := make([][]byte, len(ents))
	for i := range out {
		data, err := os.ReadFile(filepath.Join(dir, strconv.Itoa(i+1)))
		if err != nil {
			t.Fatalf("%s: job %d of %d left no input: %v", gnuVersion, i+1, len(ents), err)
		}
		out[i] = data
	}
	return out
}

// gnuCase is an input and the GNU parallel options to split it with.
type gnuCase struct {
	name  string
	input []byte
	args  []string
}

// Inputs, random but the same in every run.

func randLines(seed uint64, n, maxLen int, alphabet string, end string) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	var b bytes.Buffer
	for range n {
		for range r.IntN(maxLen + 1) {
			b.WriteByte(alphabet[r.IntN(len(alphabet))])
		}
		b.WriteString(end)
	}
	return b.Bytes()
}

func randBytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.UintN(256))
	}
	return b
}

const letters = "abcdefghijklmnopqrstuvwxyz"

func fasta(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, 3))
	var b bytes.Buffer
	for i := range n {
		fmt.Fprintf(&b, ">seq%d\n", i)
		for range 1 + r.IntN(4) {
			for range r.IntN(30) {
				b.WriteByte("ACGT"[r.IntN(4)])
			}
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

func withBlankLines(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, 4))
	var b bytes.Buffer
	for i := range n {
		switch r.IntN(5) {
		case 0:
			b.WriteString("\n")
		case 1:
			b.WriteString(" \t \n")
		case 2:
			b.WriteString("  ")
			fallthrough
		default:
			fmt.Fprintf(&b, "line %d\n", i)
		}
	}
	return b.Bytes()
}

func longRecords(seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 5))
	var b bytes.Buffer
	for range 30 {
		n := r.IntN(20)
		if r.IntN(4) == 0 {
			n = 100 + r.IntN(400) // longer than the block
		}
		b.WriteString(strings.Repeat("x", n))
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func pipeCases() []gnuCase {
	lines := randLines(1, 300, 40, letters+" ", "\n")
	small := randLines(2, 60, 12, letters, "\n")
	crlf := randLines(3, 200, 30, letters, "\r\n")
	nul := randLines(4, 200, 30, letters+"\n", "\x00")
	noFinal := randLines(5, 150, 30, letters, "\n")
	noFinal = noFinal[:len(noFinal)-1]
	utf8 := []byte(strings.Repeat("héllo wörld ✓ ünïcödé\nçà et là\n", 40))
	csv := append([]byte("id,name,value\n"), randLines(6, 200, 20, letters+",", "\n")...)
	fa := fasta(7, 80)
	semi := randLines(8, 200, 10, letters, ";")
	big := randLines(9, 6000, 60, letters+" ", "\n") // ~180 KB

	return []gnuCase{
		{"empty input", nil, []string{"--block", "10"}},
		{"one newline", []byte("\n"), []string{"--block", "10"}},
		{"no newline at all", []byte("abc"), []string{"--block", "10"}},
		{"random lines, block 100", lines, []string{"--block", "100"}},
		{"random lines, block 1k", lines, []string{"--block", "1k"}},
		{"random lines, block 1K", lines, []string{"--block", "1K"}},
		{"random lines, block 0.5k", lines, []string{"--block", "0.5k"}},
		{"small lines, block 10", small, []string{"--block", "10"}},
		{"small lines, block 1", small, []string{"--block", "1"}},
		{"default block, 180 KB", big, nil},
		{"block 10k, 180 KB", big, []string{"--block", "10k"}},
		{"long records grow the block", longRecords(10), []string{"--block", "64"}},
		{"no final newline", noFinal, []string{"--block", "200"}},
		{"CRLF records", crlf, []string{"--block", "150", "--recend", `\r\n`}},
		{"NUL records", nul, []string{"--block", "150", "--recend", `\0`}},
		{"semicolon records", semi, []string{"--block", "50", "--recend", ";"}},
		{"no separator", randBytes(11, 5000), []string{"--block", "700", "--recend", ""}},
		{"binary, newline records", randBytes(12, 5000), []string{"--block", "300"}},
		{"UTF-8 text", utf8, []string{"--block", "100"}},
		{"recstart only", fa, []string{"--block", "200", "--recstart", ">"}},
		{"recstart and recend", fa, []string{"--block", "200", "--recstart", ">", "--recend", `\n`}},
		{"recstart, rrs", fa, []string{"--block", "200", "--recstart", ">", "--rrs"}},
		{"recend, rrs", semi, []string{"--block", "50", "--recend", ";", "--rrs"}},
		{"newline, rrs", small, []string{"--block", "30", "--rrs"}},
		{"both, rrs", fa, []string{"--block", "150", "--recstart", ">", "--recend", `\n`, "--rrs"}},
		{"-N 3", lines, []string{"-N", "3"}},
		{"-N 1 with empty lines", []byte("\n\na\nb\n\nc\n\n\n"), []string{"-N", "1"}},
		{"-N 7, block 50", lines, []string{"-N", "7", "--block", "50"}},
		{"-N 2 recstart", fa, []string{"-N", "2", "--recstart", ">"}},
		{"-N 4 NUL", nul, []string{"-N", "4", "--recend", `\0`}},
		{"-N 3 rrs", small, []string{"-N", "3", "--rrs"}},
		{"-N 5 no separator", randBytes(13, 200), []string{"-N", "5", "--recend", ""}},
		{"-L 2", small, []string{"-L", "2"}},
		{"-L 3, block 20", small, []string{"-L", "3", "--block", "20"}},
		{"-L 4, block 7", small, []string{"-L", "4", "--block", "7"}},
		{"-L 2 -N 3", small, []string{"-L", "2", "-N", "3"}},
		{"-L 2 recend ignored", semi, []string{"-L", "2", "--recend", ";", "--block", "30"}},
		{"header :", csv, []string{"--header", ":", "--block", "200"}},
		{"header 2", csv, []string{"--header", "2", "--block", "150"}},
		{"header regexp", append([]byte("#a\n#b\n#c\n"), small...), []string{"--header", `(#.*\n)*`, "--block", "40"}},
		{"header longer than the block", append([]byte(strings.Repeat("H", 50)+"\n"), small...), []string{"--header", ":", "--block", "16"}},
		{"header no match", small, []string{"--header", `X.*\n`, "--block", "20"}},
		{"header only", []byte("id,name\n"), []string{"--header", ":", "--block", "20"}},
		{"header, -N 4", csv, []string{"--header", ":", "-N", "4"}},
		{"header, rrs", csv, []string{"--header", ":", "--block", "100", "--rrs"}},
		{"-r blank lines", withBlankLines(14, 300), []string{"-r", "--block", "100"}},
		{"-r only blank", []byte("\n \n\t\n\n"), []string{"-r"}},
		{"regexp recend digits", []byte(strings.Repeat("a1b22c333d4444e", 30)), []string{"--regexp", "--recend", "[0-9]+", "--block", "20"}},
		{"regexp recend alternatives", randLines(15, 200, 8, letters, ";,"), []string{"--regexp", "--recend", ";|,", "--block", "30"}},
		{"regexp recstart", fa, []string{"--regexp", "--recstart", ">seq[0-9]+", "--block", "200"}},
		{"regexp blank-line records", []byte(strings.Repeat("a\nb\n\nc\n\n\nd\n\n", 40)), []string{"--regexp", "--recend", `\n\n+`, "--block", "25"}},
		{"regexp empty recend", randBytes(16, 300), []string{"--regexp", "--recend", "", "--block", "40"}},
		{"regexp -N 2", fa, []string{"--regexp", "--recstart", ">", "--recend", `\n`, "-N", "2"}},
		{"regexp -N 3 text before the first record", append([]byte("junk\nmore\n"), fa...), []string{"--regexp", "--recstart", ">", "-N", "3"}},
		{"regexp rrs", fa, []string{"--regexp", "--recstart", ">", "--recend", `\n`, "--rrs", "--block", "200"}},
		{"regexp -N rrs", fa, []string{"--regexp", "--recstart", ">", "--recend", `\n`, "-N", "2", "--rrs"}},
	}
}

// TestPipeMatchesGNUParallel splits each input with GNU parallel --pipe and
// with the splitter (input in memory, input as a regular file, and input
// one byte per read), and compares the blocks.
func TestPipeMatchesGNUParallel(t *testing.T) {
	gnuParallel(t)
	for _, c := range pipeCases() {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			want := runGNU(t, c.input, append([]string{"--pipe", "-k", "-j2"}, c.args...)...)
			o := optionsFor(t, c.args)
			if d := diffBlocks(splitBytes(t, bytes.NewReader(c.input), o), want); d != "" {
				t.Errorf("%s, input in memory: %s", gnuVersion, d)
			}
			if d := diffBlocks(splitFile(t, c.input, o), want); d != "" {
				t.Errorf("%s, input from a file: %s", gnuVersion, d)
			}
			if d := diffBlocks(splitBytes(t, &oneByteReader{c.input}, o), want); d != "" {
				t.Errorf("%s, input one byte per read: %s", gnuVersion, d)
			}
		})
	}
}

// oneByteReader returns one byte per Read, as a slow pipe might.
type oneByteReader struct{ b []byte }

func (r *oneByteReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	p[0] = r.b[0]
	r.b = r.b[1:]
	return 1, nil
}

func partCases() []gnuCase {
	lines := randLines(21, 300, 40, letters+" ", "\n")
	fa := fasta(22, 80)
	csv := append([]byte("id,name,value\n"), randLines(23, 200, 20, letters+",", "\n")...)
	return []gnuCase{
		{"empty file", nil, []string{"--block", "10"}},
		{"block 100", lines, []string{"--block", "100"}},
		{"block 1k", lines, []string{"--block", "1k"}},
		{"default block, 2 slots", lines, nil},
		{"-1 per slot, 3 slots", lines, []string{"--block", "-1", "-j", "3"}},
		{"-4 per slot", lines, []string{"--block", "-4"}},
		{"no final newline", lines[:len(lines)-1], []string{"--block", "250"}},
		{"no separator", randBytes(24, 3000), []string{"--block", "700", "--recend", ""}},
		{"NUL", randLines(25, 100, 20, letters, "\x00"), []string{"--block", "90", "--recend", `\0`}},
		{"recstart", fa, []string{"--block", "150", "--recstart", ">"}},
		{"recstart and recend", fa, []string{"--block", "150", "--recstart", ">", "--recend", `\n`}},
		{"header", csv, []string{"--header", ":", "--block", "200"}},
		{"header only", []byte("h\n"), []string{"--header", ":", "--block", "200"}},
		{"regexp", fa, []string{"--regexp", "--recstart", ">seq", "--block", "150"}},
		{"one long record", []byte(strings.Repeat("y", 5000) + "\nz\n"), []string{"--block", "100"}},
	}
}

// TestPipePartMatchesGNUParallel does the same for --pipe-part -a FILE.
func TestPipePartMatchesGNUParallel(t *testing.T) {
	gnuParallel(t)
	for _, c := range partCases() {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := tempFile(t, c.input)
			args := c.args
			if !slices.Contains(args, "-j") {
				args = append([]string{"-j", "2"}, args...)
			}
			want := runGNU(t, nil, append([]string{"--pipe-part", "-a", f.Name(), "-k"}, args...)...)
			s, err := NewPartSplitter(f, optionsFor(t, args))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if d := diffBlocks(collect(t, s), want); d != "" {
				t.Errorf("%s: %s", gnuVersion, d)
			}
		})
	}
}

// TestRoundRobinMatchesGNUParallel compares what each job of --round-robin
// -k reads.
func TestRoundRobinMatchesGNUParallel(t *testing.T) {
	gnuParallel(t)
	csv := append([]byte("id,name,value\n"), randLines(31, 300, 20, letters+",", "\n")...)
	cases := []gnuCase{
		{"3 jobs", randLines(32, 400, 30, letters, "\n"), []string{"-j", "3", "--block", "200"}},
		{"more jobs than blocks", randLines(33, 10, 5, letters, "\n"), []string{"-j", "4", "--block", "20"}},
		{"empty input", nil, []string{"-j", "3"}},
		{"header", csv, []string{"-j", "2", "--header", ":", "--block", "300"}},
		{"header, rrs", csv, []string{"-j", "2", "--header", ":", "--block", "300", "--rrs"}},
		{"header, recstart, rrs", append([]byte("#h\n"), fasta(35, 60)...), []string{"-j", "3", "--header", ":", "--recstart", ">", "--block", "150", "--rrs"}},
		{"-N 5", randLines(34, 100, 10, letters, "\n"), []string{"-j", "3", "-N", "5"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			want := runGNU(t, c.input, append([]string{"--pipe", "--round-robin", "-k"}, c.args...)...)
			// GNU parallel starts all -j jobs at once and discards the
			// output of those that get no block; weft starts none of them.
			for len(want) > 0 && len(want[len(want)-1]) == 0 {
				want = want[:len(want)-1]
			}
			o := optionsFor(t, c.args)
			s, err := NewSplitter(bytes.NewReader(c.input), o)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			var got []*bytes.Buffer
			err = RoundRobin(context.Background(), s, o.Slots, true, func(context.Context) (io.WriteCloser, error) {
				b := &bytes.Buffer{}
				got = append(got, b)
				return nopCloser{b}, nil
			})
			if err != nil {
				t.Fatal(err)
			}
			var gotData [][]byte
			for _, b := range got {
				gotData = append(gotData, b.Bytes())
			}
			if d := diffBlocks(gotData, want); d != "" {
				t.Errorf("%s: job inputs: %s", gnuVersion, d)
			}
		})
	}
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }
