package pipe

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

func strs(bs [][]byte) []string {
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = string(b)
	}
	return out
}

// TestSplitSemantics pins the behaviours of the package documentation's
// table on small inputs (TestPipeMatchesGNUParallel checks the same
// against GNU parallel on larger ones).
func TestSplitSemantics(t *testing.T) {
	long := strings.Repeat("b", 24)
	for _, c := range []struct {
		name  string
		input string
		args  []string
		want  []string
	}{
		{"a block ends after the last record end in it", "1\n22\n333\n4444\n55555\n", []string{"--block", "6"},
			[]string{"1\n22\n", "333\n", "4444\n", "55555\n"}},
		{"a longer record is passed whole, and the block stays grown", "a\n" + long + "\nc\nd\ne\n", []string{"--block", "5"},
			[]string{"a\n", long + "\nc\nd\ne\n"}},
		{"the last block needs no record end", "aa\nbb\ncc", []string{"--block", "4"},
			[]string{"aa\n", "bb\n", "cc"}},
		{"no input, no block", "", nil, nil},
		{"only blank lines with -r, no block", "\n \n\t\n", []string{"-r"}, nil},
		{"-r drops blank lines", "a\n\n  \nb\n", []string{"-r"}, []string{"a\nb\n"}},
		{"recstart: the boundary is before it", ">a\nx\n>b\ny\n>c\nz\n", []string{"--recstart", ">", "--block", "8"},
			[]string{">a\nx\n", ">b\ny\n", ">c\nz\n"}},
		{"recend and recstart: between them", "A1;B1;A2;B2;", []string{"--recend", ";", "--recstart", "B", "--block", "6"},
			[]string{"A1;", "B1;A2;", "B2;"}},
		{"rrs removes the separators", "A1;B1;A2;B2;", []string{"--recend", ";", "--recstart", "B", "--block", "6", "--rrs"},
			[]string{"A1", "1;A2", "2"}},
		{"no separator: blocks of exactly the size", "abcdefghij", []string{"--recend", "", "--block", "4"},
			[]string{"abcd", "efgh", "ij"}},
		{"-N: a separator at a block's start ends no record", "\n\na\nb\n", []string{"-N", "1"},
			[]string{"\n\n", "a\n", "b\n"}},
		{"-L without -N: a multiple of L lines per block", "1\n2\n3\n4\n5\n", []string{"-L", "2"},
			[]string{"1\n2\n3\n4\n", "5\n"}},
		{"-L with -N: N*L lines", "1\n2\n3\n4\n5\n6\n7\n8\n9\n", []string{"-L", "2", "-N", "2"},
			[]string{"1\n2\n3\n4\n", "5\n6\n7\n8\n", "9\n"}},
		{"header : is prepended to every block", "H\na\nb\nc\nd\n", []string{"--header", ":", "--block", "4"},
			[]string{"H\na\nb\n", "H\nc\nd\n"}},
		{"a header alone makes no block", "H\n", []string{"--header", ":"}, nil},
		{"regexp: the last match ends the block", "a1b2c33d4e", []string{"--regexp", "--recend", "[0-9]+", "--block", "4"},
			[]string{"a1b2", "c33", "d4e"}},
		{"regexp -N: text before the first record is a block", "xx>a\n>b\n>c\n", []string{"--regexp", "--recstart", ">", "-N", "1"},
			[]string{"xx", ">a\n", ">b\n", ">c\n"}},
		{"NUL records", "a\x00b\x00c\x00", []string{"--recend", `\0`, "--block", "4"},
			[]string{"a\x00b\x00", "c\x00"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := optionsFor(t, c.args)
			for _, how := range []string{"memory", "file"} {
				var got [][]byte
				if how == "memory" {
					got = splitBytes(t, strings.NewReader(c.input), o)
				} else {
					got = splitFile(t, []byte(c.input), o)
				}
				if g := strs(got); strings.Join(g, "|") != strings.Join(c.want, "|") || len(g) != len(c.want) {
					t.Errorf("from %s: got %q; want %q", how, g, c.want)
				}
			}
		})
	}
}

func TestGrowthWarns(t *testing.T) {
	var warnings []string
	o := Options{Block: 5, Warn: func(m string) { warnings = append(warnings, m) }}
	input := "a\n" + strings.Repeat("b", 24) + "\nc\n"
	for _, got := range [][][]byte{splitBytes(t, strings.NewReader(input), o), splitFile(t, []byte(input), o)} {
		if len(got) != 2 {
			t.Errorf("%d blocks, want 2", len(got))
		}
	}
	// 5 -> 8 -> 12 -> 17 -> 24 -> 33, as GNU parallel grows: ceil(1.3n + 1).
	want := []string{"(5 bytes)", "(8 bytes)", "(12 bytes)", "(17 bytes)", "(24 bytes)"}
	if len(warnings) != 2*len(want) {
		t.Fatalf("warnings %q; want %d for each of the two inputs", warnings, len(want))
	}
	for i, w := range warnings {
		if !strings.Contains(w, want[i%len(want)]) || !strings.Contains(w, "longer than the block") {
			t.Errorf("warning %d: %q; want one about %s", i, w, want[i%len(want)])
		}
	}
}

// TestFileAndMemoryAgree splits random inputs with random options from a
// file (which reads only near block ends) and from memory (which reads
// everything), and expects the same blocks.
func TestFileAndMemoryAgree(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	seps := []string{"\n", ";", `\r\n`, "ab", "", "\n\n"}
	for i := range 300 {
		input := randLines(uint64(i), r.IntN(200), r.IntN(80), "ab;\r\n"+letters[:4], []string{"\n", ";", "\r\n", ""}[r.IntN(4)])
		var args []string
		args = append(args, "--block", []string{"1", "3", "17", "64", "1k", "100"}[r.IntN(6)])
		switch r.IntN(4) {
		case 0:
			args = append(args, "--recend", seps[r.IntN(len(seps))])
		case 1:
			args = append(args, "--recstart", seps[r.IntN(len(seps))])
		case 2:
			args = append(args, "--recend", seps[r.IntN(len(seps))], "--recstart", seps[r.IntN(len(seps))])
		}
		if r.IntN(4) == 0 {
			args = append(args, "--header", []string{":", "2", `a*\n`}[r.IntN(3)])
		}
		o := optionsFor(t, args)
		mem := splitBytes(t, bytes.NewReader(input), o)
		file := splitFile(t, input, o)
		if d := diffBlocks(file, mem); d != "" {
			t.Fatalf("case %d, %q over %q: file vs memory: %s", i, args, clip(input), d)
		}
		if got := bytes.Join(mem, nil); o.Header == "" && !bytes.Equal(got, input) {
			t.Fatalf("case %d: the blocks do not add up to the input", i)
		}
	}
}

// FuzzFileAndMemoryAgree is TestFileAndMemoryAgree driven by the fuzzer.
func FuzzFileAndMemoryAgree(f *testing.F) {
	f.Add([]byte("a\nbb\nccc\n"), uint8(3), "\n", "", false)
	f.Add([]byte(">a\nx\n>b\n"), uint8(4), "", ">", false)
	f.Add([]byte("h\n1\n2\n"), uint8(2), "\n", "", true)
	f.Fuzz(func(t *testing.T, input []byte, block uint8, end, start string, header bool) {
		o := Options{Block: int64(block) + 1, RecEnd: &end, RecStart: &start}
		if header {
			o.Header = ":"
		}
		mem := splitBytes(t, bytes.NewReader(input), o)
		file := splitFile(t, input, o)
		if d := diffBlocks(file, mem); d != "" {
			t.Fatalf("file vs memory: %s", d)
		}
	})
}

// TestNextCancel: a Next that waits for input on a pipe returns when its
// context is cancelled, when the pipe has read deadlines.
func TestNextCancel(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	pr, err := Pollable(r)
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	defer pr.Close()
	s, err := NewSplitter(pr, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := w.Write([]byte("some input\n")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := s.Next(ctx)
		done <- err
	}()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Next: %v; want context.Canceled", err)
	}
	if _, err := s.Next(context.Background()); !errors.Is(err, context.Canceled) {
		t.Errorf("Next after cancel: %v; want the same error again", err)
	}
}

// slowProducer splits what a producer writes to a pipe with deadlines: "a\nb",
// then, 2.5 s later (in synctest's fake time), "c\nd\n".
func slowProducer(t *testing.T, o Options) []string {
	src, feed := net.Pipe()
	defer src.Close()
	s, err := NewSplitter(src, o)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	go func() {
		feed.Write([]byte("a\nb"))
		time.Sleep(2500 * time.Millisecond)
		feed.Write([]byte("c\nd\n"))
		feed.Close()
	}()
	return strs(collect(t, s))
}

// TestBlockTimeout: with --block-timeout, a block that is slow to fill is
// cut at the last record boundary read so far; without, it waits.
func TestBlockTimeout(t *testing.T) {
	for _, c := range []struct {
		timeout time.Duration
		want    []string
	}{
		{time.Second, []string{"a\n", "bc\nd\n"}},
		{0, []string{"a\nbc\nd\n"}},
	} {
		synctest.Test(t, func(t *testing.T) {
			if got := slowProducer(t, Options{BlockTimeout: c.timeout}); !slices.Equal(got, c.want) {
				t.Errorf("timeout %v: blocks %q; want %q", c.timeout, got, c.want)
			}
		})
	}
}

// TestBlockTimeoutDoesNotGrow: GNU parallel does not grow the block when a
// timeout is set; a long record then fills more rounds.
func TestBlockTimeoutDoesNotGrow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src, feed := net.Pipe()
		warned := false
		s, err := NewSplitter(src, Options{Block: 4, BlockTimeout: time.Second, Warn: func(string) { warned = true }})
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			feed.Write([]byte("abcdefghij\nk\n"))
			feed.Close()
		}()
		got := collect(t, s)
		s.Close()
		src.Close()
		if want := []string{"abcdefghij\n", "k\n"}; strings.Join(strs(got), "|") != strings.Join(want, "|") {
			t.Errorf("blocks %q; want %q", strs(got), want)
		}
		if warned {
			t.Error("the block grew with a timeout set")
		}
	})
}

func TestCloseAndRelease(t *testing.T) {
	s, err := NewSplitter(strings.NewReader("a\nb\nc\n"), Options{Block: 2})
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Next(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := s.Next(context.Background()); err != ErrClosed {
		t.Errorf("Next after Close: %v; want ErrClosed", err)
	}
	// A block outlives Close until released.
	if data, err := io.ReadAll(b); err != nil || string(data) != "a\n" {
		t.Errorf("block after Close: %q, %v", data, err)
	}
	b.Release()
	b.Release() // twice does nothing
	if _, err := b.Read(make([]byte, 1)); err == nil {
		t.Error("Read after Release: no error")
	}
	if _, err := b.WriteTo(io.Discard); err == nil {
		t.Error("WriteTo after Release: no error")
	}
}

// TestFileOffsetFollowsTheSplitter: like a reader of standard input, the
// splitter leaves a file's offset after what it consumed.
func TestFileOffsetFollowsTheSplitter(t *testing.T) {
	f := tempFile(t, []byte("skip\na\nb\nc\n"))
	f.Seek(5, io.SeekStart) // a parent read the first line
	s, err := NewSplitter(f, Options{Block: 2})
	if err != nil {
		t.Fatal(err)
	}
	got := collect(t, s)
	if want := []string{"a\n", "b\n", "c\n"}; strings.Join(strs(got), "|") != strings.Join(want, "|") {
		t.Errorf("blocks %q; want %q", strs(got), want)
	}
	if off, _ := f.Seek(0, io.SeekCurrent); off != 11 {
		t.Errorf("offset %d after the last block; want 11", off)
	}
}

// TestLastRegexpBoundaryWindows: searching windows at the end of a block
// finds what one search of the whole block finds, for patterns that look
// before themselves (^, \b) and boundaries far from the end.
func TestLastRegexpBoundaryWindows(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	patterns := [][2]string{ // recend, recstart
		{`\n`, ""}, {`\n\n+`, ""}, {"", `^>`}, {`\n`, `(?:>|<)`}, {`\b;`, ""}, {`[0-9]+`, ""},
		{`;`, `\bx`}, {"", `^$`}, {`(?s:.)`, ""}, {`a|ab`, `c`}, {`\n`, `[^\n]`},
	}
	for i := range 400 {
		pat := patterns[r.IntN(len(patterns))]
		o := Options{Regexp: true, RecEnd: new(pat[0]), RecStart: new(pat[1])}
		sp, err := o.compile()
		if err != nil {
			t.Fatal(err)
		}
		// Mostly letters, with the separators rare, so that the last
		// boundary is often more than a window from the end.
		n := r.IntN(80000)
		p := make([]byte, n)
		for j := range p {
			switch k := r.IntN(20000); {
			case k < 3:
				p[j] = "\n>;"[k]
			case k < 6:
				p[j] = "0<c"[k-3]
			default:
				p[j] = "abxyz"[r.IntN(5)]
			}
		}
		whole := 0
		if m := sp.reLast.FindSubmatchIndex(p); m != nil {
			whole = m[3]
		}
		if got := lastRegexpBoundary(sp.reLast, p); got != whole {
			t.Fatalf("case %d, --recend %q --recstart %q over %d bytes: windows say %d, the whole block %d", i, pat[0], pat[1], n, got, whole)
		}
	}

	// A window's first byte is no line start, whatever ^ sees there: a ">"
	// there starts no record for --recstart '^>'.
	sp, err := (&Options{Regexp: true, RecStart: new(`^>`)}).compile()
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []int{4 << 10, 16 << 10} {
		p := bytes.Repeat([]byte("a"), w+5000)
		copy(p[100:], "\n>")
		p[len(p)-w] = '>'
		if got := lastRegexpBoundary(sp.reLast, p); got != 101 {
			t.Errorf("a '>' at the start of the %d-byte window: boundary %d; want 101, after the newline", w, got)
		}
	}
}
