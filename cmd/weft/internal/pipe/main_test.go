package pipe

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// optionsFor reads the GNU parallel options a test case is written with:
// one list of arguments drives both GNU parallel and the splitter.
func optionsFor(t testing.TB, args []string) Options {
	t.Helper()
	var o Options
	for i := 0; i < len(args); i++ {
		a := args[i]
		val := func() string {
			i++
			if i == len(args) {
				t.Fatalf("option %s needs a value", a)
			}
			return args[i]
		}
		switch a {
		case "--block":
			n, err := ParseSize(val())
			if err != nil {
				t.Fatal(err)
			}
			o.Block = n
		case "--recstart":
			o.RecStart = new(val())
		case "--recend":
			o.RecEnd = new(val())
		case "--regexp":
			o.Regexp = true
		case "-N":
			o.Records = atoi(t, val())
		case "-L":
			o.Lines = atoi(t, val())
		case "--rrs":
			o.RemoveRecSep = true
		case "--header":
			o.Header = val()
		case "-r":
			o.SkipBlank = true
		case "-j":
			o.Slots = atoi(t, val())
		default:
			t.Fatalf("optionsFor: unknown option %q", a)
		}
	}
	return o
}

func atoi(t testing.TB, s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// eachBlock calls f with every block of s, in order, and fails on an
// error.
func eachBlock(tb testing.TB, s *Splitter, f func(*Block)) {
	tb.Helper()
	for {
		b, err := s.Next(context.Background())
		if err == io.EOF {
			return
		}
		if err != nil {
			tb.Fatalf("Next: %v", err)
		}
		f(b)
	}
}

// collect returns every block of s, read with Read (so that Read is tested
// too) and released.
func collect(t testing.TB, s *Splitter) [][]byte {
	t.Helper()
	var out [][]byte
	eachBlock(t, s, func(b *Block) {
		if b.Seq() != len(out)+1 {
			t.Fatalf("block Seq %d, want %d", b.Seq(), len(out)+1)
		}
		data, err := io.ReadAll(b)
		if err != nil {
			t.Fatalf("reading block %d: %v", b.Seq(), err)
		}
		if int64(len(data)) != b.Len() {
			t.Fatalf("block %d: Len %d, read %d bytes", b.Seq(), b.Len(), len(data))
		}
		b.Release()
		out = append(out, data)
	})
	return out
}

// splitBytes splits input held in memory.
func splitBytes(t testing.TB, r io.Reader, o Options) [][]byte {
	t.Helper()
	s, err := NewSplitter(r, o)
	if err != nil {
		t.Fatalf("NewSplitter: %v", err)
	}
	defer s.Close()
	return collect(t, s)
}

// splitFile splits input from a regular file, the way weft's standard
// input is a file with `< FILE`.
func splitFile(t testing.TB, input []byte, o Options) [][]byte {
	t.Helper()
	f := tempFile(t, input)
	s, err := NewSplitter(f, o)
	if err != nil {
		t.Fatalf("NewSplitter: %v", err)
	}
	defer s.Close()
	return collect(t, s)
}

func tempFile(t testing.TB, data []byte) *os.File {
	t.Helper()
	name := filepath.Join(t.TempDir(), "input")
	if err := os.WriteFile(name, data, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// diffBlocks describes the first difference between two lists of blocks,
// or returns "".
func diffBlocks(got, want [][]byte) string {
	for i := range max(len(got), len(want)) {
		switch {
		case i >= len(got):
			return fmt.Sprintf("%d blocks, want %d: block %d missing: %q", len(got), len(want), i+1, clip(want[i]))
		case i >= len(want):
			return fmt.Sprintf("%d blocks, want %d: extra block %d: %q", len(got), len(want), i+1, clip(got[i]))
		case !bytes.Equal(got[i], want[i]):
			return fmt.Sprintf("block %d of %d:\n got %q\nwant %q", i+1, len(want), clip(got[i]), clip(want[i]))
		}
	}
	return ""
}

func clip(b []byte) []byte {
	if len(b) > 300 {
		return append(append(bytes.Clone(b[:150]), "..."...), b[len(b)-150:]...)
	}
	return b
}

var errTest = errors.New("test error")
