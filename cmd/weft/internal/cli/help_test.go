package cli

import (
	"strings"
	"testing"
)

// TestHelpShowsEveryOptionWithItsExample: each documented option is a row
// of its command's help, with its example on the next line, indented; the
// hidden and the refused ones are not shown.
func TestHelpShowsEveryOptionWithItsExample(t *testing.T) {
	root := tree(&got{})
	Walk(root, func(path []*Command) {
		var b strings.Builder
		WriteHelp(&b, path)
		text := b.String()
		lines := strings.Split(text, "\n")
		for _, sec := range sections(path) {
			for _, o := range sec.Options {
				if o.Hidden || o.Refused != "" {
					if strings.Contains(text, o.Names[0]+" ") {
						t.Errorf("%s help shows %s, which is hidden or refused", pathName(path), o.Names[0])
					}
					continue
				}
				row := "  " + term(o)
				i := indexWithPrefix(lines, row)
				if i < 0 {
					t.Errorf("%s help has no row %q", pathName(path), row)
					continue
				}
				for i < len(lines) && !strings.HasPrefix(lines[i], strings.Repeat(" ", helpCol+2)+o.Example) {
					i++
				}
				if i == len(lines) {
					t.Errorf("%s help: row %q has no example %q", pathName(path), row, o.Example)
				}
			}
		}
	})
}

func indexWithPrefix(lines []string, prefix string) int {
	for i, l := range lines {
		if strings.HasPrefix(l, prefix) {
			return i
		}
	}
	return -1
}

// TestHelpLayout: rows start their help at one column, every line but an
// example fits in 79 columns, a long synopsis wraps under its first
// bracket, and an optional value is shown as such.
func TestHelpLayout(t *testing.T) {
	var b strings.Builder
	WriteHelp(&b, []*Command{tree(&got{})})
	text := b.String()
	for _, l := range strings.Split(text, "\n") {
		if len(l) > width && !strings.HasPrefix(l, strings.Repeat(" ", helpCol+2)) {
			t.Errorf("line of %d columns: %q", len(l), l)
		}
	}
	for _, want := range []string{
		"Inputs (one job per input):\n",
		"  -j, --jobs N         run N jobs at once\n                         weft -j 8 gzip\n",
		"  -l[N], --max-lines[=N]\n                       at most N lines per job\n",
		"  -a, --arg-file FILE  the lines of FILE (may be given more than once)\n",
		"  A command without replacement strings gets the input appended.\n",
		"  weft worker [--nats URL] [-j N] [--ack-wait D]\n                       run the jobs submitted through NATS\n",
		"  weft serve [--store DIR] [SUBCOMMAND]\n",
		"\nExit status: 0 when every job succeeded.\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("help lacks %q", want)
		}
	}
	long := "  weft worker [--nats URL] [-j N] [--stream S] [--name NAME] [--ack-wait D] [--max-deliver N]"
	want := "  weft worker [--nats URL] [-j N] [--stream S] [--name NAME] [--ack-wait D]\n              [--max-deliver N]\n"
	for _, in := range []string{long, strings.TrimSpace(long)} {
		if got := wrapSynopsis(in, width); got != want {
			t.Errorf("wrapSynopsis(%q):\n%s\nwant\n%s", in, got, want)
		}
	}
}

func TestWrap(t *testing.T) {
	got := wrap("one two three four five six", 2, 14)
	if want := "  one two\n  three four\n  five six\n"; got != want {
		t.Errorf("got %q; want %q", got, want)
	}
	if got := wrap("averyveryverylongword x", 0, 5); got != "averyveryverylongword\nx\n" {
		t.Errorf("a long word: got %q", got)
	}
}
