package input_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/weft-dev/weft/cmd/weft/internal/cmdline"
	"github.com/weft-dev/weft/cmd/weft/internal/input"
)

// BenchmarkGrouped is the cost of reading 100,000 records of stdin as the
// jobs of a run: one job each, as before grouping existed (Jobs, the
// baseline), through Grouped with the command line measured (every run
// without --pipe), and with -m.
func BenchmarkGrouped(b *testing.B) {
	var sb strings.Builder
	for i := range 100_000 {
		sb.WriteString("some/dir/file-" + strconv.Itoa(i) + ".txt\n")
	}
	data := sb.String()
	tpl := cmdline.MustParse("gzip -9 {} > {.}.gz")
	run := func(b *testing.B, jobs func(*input.Inputs) func(func(input.Job, error) bool)) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			in, err := input.Open(input.Config{Sep: "\n"}, strings.NewReader(data))
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for j, err := range jobs(in) {
				if err != nil {
					b.Fatal(err)
				}
				n += len(j.Args)
			}
			in.Close()
			if n != 100_000 {
				b.Fatalf("%d arguments, want 100000", n)
			}
		}
	}
	b.Run("impl=jobs", func(b *testing.B) {
		run(b, func(in *input.Inputs) func(func(input.Job, error) bool) { return in.Jobs() })
	})
	b.Run("impl=grouped-one-each", func(b *testing.B) {
		run(b, func(in *input.Inputs) func(func(input.Job, error) bool) {
			return in.Grouped(input.Grouping{Max: 1, Fit: tpl.Sizer(4), Limit: 63664})
		})
	})
	b.Run("impl=grouped-m", func(b *testing.B) {
		run(b, func(in *input.Inputs) func(func(input.Job, error) bool) {
			return in.Grouped(input.Grouping{Fit: tpl.Sizer(4), Limit: 63664, Spread: 4})
		})
	})
}
