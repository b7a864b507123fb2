package pipe

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"
)

func TestParseSize(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
	}{
		{"1", 1},
		{"10", 10},
		{"1k", 1000},
		{"1K", 1024},
		{"1m", 1000000},
		{"1M", 1 << 20},
		{"10M", 10 << 20},
		{"2g", 2000000000},
		{"2G", 2 << 30},
		{"1t", 1e12},
		{"1T", 1 << 40},
		{"1p", 1e15},
		{"1P", 1 << 50},
		{"1ki", 1024},
		{"1Ki", 1024},
		{"1mI", 1 << 20},
		{"1.5k", 1500},
		{"1.5K", 1536},
		{"0.29k", 290}, // exact: GNU parallel's floating point gives 289
		{"0.1M", 104857},
		{"-1", -1},
		{"-3", -3},
		{"-2k", -2000},
		{"0", 0},
		{"007", 7},
	} {
		got, err := ParseSize(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
	for _, in := range []string{"", "k", "-", "1MB", "1x", "1e3", "1M-12*2k", "1..5", "1.", ".5", "--1", "1 M", "99999999999P", "1kk"} {
		_, err := ParseSize(in)
		if err == nil {
			t.Errorf("ParseSize(%q): no error", in)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, "e.g. 10M") || !strings.Contains(msg, "K M G T P = 1024^n") {
			t.Errorf("ParseSize(%q): error %q has no hint", in, msg)
		}
	}
}

func TestUnescape(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`\n`, "\n"},
		{`\r\n`, "\r\n"},
		{`\t`, "\t"},
		{`\0`, "\x00"},
		{`\\`, `\`},
		{`\\n`, `\n`},
		{`\'\"`, `'"`},
		{`\q`, `\q`},
		{`a\`, `a\`},
		{"plain", "plain"},
		{`x\ny`, "x\ny"},
	} {
		if got := Unescape(c.in); got != c.want {
			t.Errorf("Unescape(%q) = %q; want %q", c.in, got, c.want)
		}
	}
}

func TestOptionErrorsNameTheProblem(t *testing.T) {
	for _, c := range []struct {
		name string
		opts Options
		want []string // all in the error
	}{
		{"negative -N", Options{Records: -1}, []string{"-N", "-1", ">= 1"}},
		{"negative -L", Options{Lines: -2}, []string{"-L", "-2"}},
		{"bad recend regexp", Options{Regexp: true, RecEnd: new("a(")}, []string{"--recend", `"a("`, "missing closing )", "RE2"}},
		{"lookahead", Options{Regexp: true, RecStart: new("(?=x)")}, []string{"--recstart", "lookaround"}},
		{"bad header", Options{Header: "(["}, []string{"--header", `"(["`, "first line"}},
		{"negative timeout", Options{BlockTimeout: -time.Second}, []string{"--block-timeout", "-1s"}},
		{"per-slot block without slots", Options{Block: -2}, []string{"--block -2", "job slots"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := NewSplitter(bytes.NewReader(nil), c.opts)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

func TestPerSlotBlockNeedsAFile(t *testing.T) {
	_, err := NewSplitter(bytes.NewReader([]byte("a\n")), Options{Block: -3, Slots: 2})
	if err == nil || !strings.Contains(err.Error(), "--pipe-part") || !strings.Contains(err.Error(), "regular file") {
		t.Fatalf("error %v; want one that points to a regular file or --pipe-part", err)
	}
	// From a file, -3 blocks per slot with 2 slots is 6 blocks of 1 +
	// size/6 bytes.
	input := []byte(strings.Repeat("abcdefghi\n", 60)) // 600 bytes
	got := splitFile(t, input, Options{Block: -3, Slots: 2})
	if len(got) != 6 {
		t.Errorf("%d blocks, want 6", len(got))
	}
}

func TestBlockTimeoutNeedsDeadlines(t *testing.T) {
	_, err := NewSplitter(bytes.NewReader(nil), Options{BlockTimeout: time.Second})
	if err == nil || !strings.Contains(err.Error(), "Pollable") {
		t.Fatalf("error %v; want one that points to Pollable", err)
	}
	// A regular file never waits: the timeout is accepted and idle.
	f := tempFile(t, []byte("a\nb\n"))
	if _, err := NewSplitter(f, Options{BlockTimeout: time.Second}); err != nil {
		t.Fatal(err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if _, err := NewSplitter(r, Options{BlockTimeout: time.Second}); err != nil {
		t.Fatalf("os.Pipe's read end has deadlines: %v", err)
	}
}

func TestPartOptionsRefused(t *testing.T) {
	f := tempFile(t, []byte("a\n"))
	for _, c := range []struct {
		opts Options
		want string
	}{
		{Options{Records: 2}, "-N"},
		{Options{Lines: 2}, "-L"},
		{Options{RemoveRecSep: true}, "--rrs"},
		{Options{SkipBlank: true}, "-r"},
		{Options{BlockTimeout: time.Second}, "--block-timeout"},
		{Options{}, "job slots"}, // the default is per slot
	} {
		_, err := NewPartSplitter(f, c.opts)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("NewPartSplitter(%+v): error %v; want one naming %s", c.opts, err, c.want)
		}
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if _, err := NewPartSplitter(r, Options{Block: 10}); err == nil || !strings.Contains(err.Error(), "--pipe < FILE") {
		t.Errorf("a pipe: error %v; want one that suggests --pipe", err)
	}
}
