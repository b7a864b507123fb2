//go:build ignore

// gnunames_gen writes testdata/gnu-parallel-names.txt: every option name,
// input separator and replacement string of GNU parallel's manual, read
// from the =item lines of its POD source, for TestEveryGNUParallelNameIsKnown.
// The manual is $WEFT_GNU_MANUAL, by default the reference copy of
// release 20260422; without it the checked-in list is kept as it is.
package main

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"strings"
)

const out = "testdata/gnu-parallel-names.txt"

var (
	option = regexp.MustCompile(`^=item B<(-[^>\[ =]*)`)
	syntax = regexp.MustCompile(`^=item (B<[{:].*?)(?: I<(?:arguments|argfiles)>)?(?: \(.*\))?$`)
	// The placeholders of the manual's =item lines, and what stands for them.
	placeholders = strings.NewReplacer(
		"I<n> I<perl expression>", "3 $_.=1 ",
		"I<perl expression>", "$_.=1",
		"I<n>", "3",
		"I<rpl>", "#",
		"I<format>", "%04d",
		"B<", "",
		">", "",
	)
)

func main() {
	manual := os.Getenv("WEFT_GNU_MANUAL")
	if manual == "" {
		manual = "/work/shared/reference/gnu-parallel/parallel.pod"
	}
	f, err := os.Open(manual)
	if err != nil {
		fmt.Fprintf(os.Stderr, "gnunames_gen: %v; keeping %s\n", err, out)
		return
	}
	defer f.Close()
	var lines []string
	seen := map[string]bool{}
	add := func(kind, name string) {
		if !seen[name] {
			seen[name] = true
			lines = append(lines, kind+" "+name)
		}
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if m := option.FindStringSubmatch(line); m != nil {
			add("option", m[1])
		} else if m := syntax.FindStringSubmatch(line); m != nil {
			s := placeholders.Replace(m[1])
			if strings.HasPrefix(s, ":") {
				add("separator", s)
			} else {
				add("replacement", s)
			}
		}
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "gnunames_gen:", err)
		os.Exit(1)
	}
	text := "# GNU parallel's option names, input separators and replacement strings,\n" +
		"# from the =item lines of its manual (go generate ./cmd/weft; see gnunames_gen.go).\n" +
		strings.Join(lines, "\n") + "\n"
	if err := os.WriteFile(out, []byte(text), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "gnunames_gen:", err)
		os.Exit(1)
	}
}
