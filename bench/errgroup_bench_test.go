package main

import (
	"testing"

	"golang.org/x/sync/errgroup"

	wefterrgroup "github.com/weft-dev/weft/errgroup"
)

// nopTask is a function that allocates nothing, so that allocs/op counts
// only what each group spends per task.
func nopTask() error { return nil }

// BenchmarkErrgroup measures the cost per no-op task of weft's drop-in
// errgroup against golang.org/x/sync/errgroup (the version pinned in this
// module's go.mod), with SetLimit(100) and with no limit, in the same run.
// One op is one task; the benchmark's Wait is part of the cost. The two
// bodies are written out rather than shared through an interface, so that
// each calls its own Go directly. Run it with
// -benchtime 100000x for the README's figure:
//
//	go test -run '^$' -bench Errgroup -benchtime 100000x -count 8 ./bench
func BenchmarkErrgroup(b *testing.B) {
	for _, limit := range []int{100, -1} {
		name := "limit=100"
		if limit < 0 {
			name = "limit=none"
		}
		b.Run(name+"/impl=xsync", func(b *testing.B) {
			b.ReportAllocs()
			var g errgroup.Group
			g.SetLimit(limit)
			for range b.N {
				g.Go(nopTask)
			}
			if err := g.Wait(); err != nil {
				b.Fatal(err)
			}
		})
		b.Run(name+"/impl=weft", func(b *testing.B) {
			b.ReportAllocs()
			var g wefterrgroup.Group
			g.SetLimit(limit)
			for range b.N {
				g.Go(nopTask)
			}
			if err := g.Wait(); err != nil {
				b.Fatal(err)
			}
		})
	}
}
