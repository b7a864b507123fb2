package input

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// headed opens c with Header, reads the headers and returns them with
// every job's arguments and names, each joined by |.
func headed(t *testing.T, c Config, stdin string) (cols []Column, args, names []string) {
	t.Helper()
	c.Header = true
	if c.Sep == "" {
		c.Sep = "\n"
	}
	in, err := Open(c, strings.NewReader(stdin))
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	if cols, err = in.Headers(); err != nil {
		t.Fatal(err)
	}
	for j, err := range in.Jobs() {
		if err != nil {
			t.Fatal(err)
		}
		args = append(args, strings.Join(j.Args, "|"))
		names = append(names, strings.Join(j.Names, "|"))
	}
	return cols, args, names
}

func TestHeadersOfValues(t *testing.T) {
	c := Config{Sources: []Source{{Values: []string{"f1", "A", "B"}}, {Values: []string{"f2", "C"}}}}
	cols, args, names := headed(t, c, "")
	if want := []Column{{"f1", 1}, {"f2", 2}}; !slices.Equal(cols, want) {
		t.Errorf("columns %v; want %v", cols, want)
	}
	if want := []string{"A|C", "B|C"}; !slices.Equal(args, want) {
		t.Errorf("jobs %q; want %q", args, want)
	}
	if want := []string{"f1|f2", "f1|f2"}; !slices.Equal(names, want) {
		t.Errorf("names %q; want %q", names, want)
	}
	c.Header = true
	if got := c.Total(); got != 2 {
		t.Errorf("Total with a header = %d; want 2", got)
	}
}

// TestHeadersOfFiles: a file's first line, cut in columns, names them
// (without a CR, without empty names at the end); as in GNU parallel
// 20221122, the k-th file then names the k-th argument too, and an
// argument past the names is named by its position.
func TestHeadersOfFiles(t *testing.T) {
	dir := t.TempDir()
	tsv := filepath.Join(dir, "t.tsv")
	if err := os.WriteFile(tsv, []byte("a\tb\t\r\n1\t2\t3\n4\t5\t6\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := Config{Sources: []Source{{File: tsv, IsFile: true}}, Colsep: regexp.MustCompile("\t")}
	cols, args, names := headed(t, c, "")
	if want := []Column{{"a", 1}, {"b", 2}, {tsv, 1}}; !slices.Equal(cols, want) {
		t.Errorf("columns %v; want %v", cols, want)
	}
	if want := []string{"1|2|3", "4|5|6"}; !slices.Equal(args, want) {
		t.Errorf("jobs %q; want %q", args, want)
	}
	if want := tsv + "|b|3"; names[0] != want || names[1] != want {
		t.Errorf("names %q; want %q", names, want)
	}
}

// TestHeaderOfStdin: without sources, stdin's first record is the
// header, and the rest are the jobs, however the records are cut.
func TestHeaderOfStdin(t *testing.T) {
	cols, args, _ := headed(t, Config{Sep: "::"}, "h::x::y")
	if want := []Column{{"h", 1}}; !slices.Equal(cols, want) {
		t.Errorf("columns %v; want %v", cols, want)
	}
	if want := []string{"x", "y"}; !slices.Equal(args, want) {
		t.Errorf("jobs %q; want %q", args, want)
	}
	_, args, _ = headed(t, Config{Sources: []Source{{File: "-", IsFile: true}}}, strings.Repeat("h", 70000)+"\nx\n")
	if want := []string{"x"}; !slices.Equal(args, want) {
		t.Errorf("after a long header: jobs %q; want %q", args, want)
	}
}

// TestHeaderNamesOnly: --header 0 reads no header; the files name their
// arguments.
func TestHeaderNamesOnly(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "f")
	if err := os.WriteFile(f, []byte("1\n2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := Config{Sources: []Source{{Values: []string{"a"}}, {File: f, IsFile: true}}, NamesOnly: true}
	cols, args, names := headed(t, c, "")
	if want := []Column{{f, 1}}; !slices.Equal(cols, want) {
		t.Errorf("columns %v; want %v", cols, want)
	}
	if want := []string{"a|1", "a|2"}; !slices.Equal(args, want) {
		t.Errorf("jobs %q; want %q", args, want)
	}
	if want := f + "|2"; names[0] != want {
		t.Errorf("names %q; want %q", names, want)
	}
}

func TestNoNamesWithoutHeader(t *testing.T) {
	in, err := Open(Config{Sources: []Source{{Values: []string{"a"}}}}, strings.NewReader(""))
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	for j := range in.Jobs() {
		if j.Names != nil {
			t.Errorf("names %q without a header", j.Names)
		}
	}
}
