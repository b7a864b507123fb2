package main

import (
	"testing"

	"golang.org/x/sync/errgroup"

	wefterrgroup "github.com/weft-dev/weft/errgroup"
)

// nopTask is a function that allocates nothing, so that allocs/op counts
// only what each group spends per task.
func nopTask() error { return nil }

// BenchmarkErrgroup measures the cost per task of weft's drop-in errgroup
// against golang.org/x/sync/errgroup (the version pinned in this module's
// go.mod), in the same run: no-op tasks with SetLimit(100) and with no
// limit, and, with no limit, tasks in pairs where the first waits for the
// second (so that a goroutine cannot simply run one task after another).
// One op is one task; the benchmark's Wait is part of the cost. The bodies
// are written out rather than shared through an interface, so that each
// calls its own Go directly. The published figures are the claims
// errgroup.limit and errgroup.nolimit of go run ./bench (bench/claims.go),
// which measures the same comparison; this one is for profiling:
//
//	go test -run '^$' -bench Errgroup -benchtime 100000x -count 6 ./bench
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
	b.Run("limit=none-pairs/impl=xsync", func(b *testing.B) {
		b.ReportAllocs()
		var g errgroup.Group
		for i := 0; i < b.N; i += 2 {
			ch := make(chan struct{})
			g.Go(func() error { <-ch; return nil })
			g.Go(func() error { close(ch); return nil })
		}
		if err := g.Wait(); err != nil {
			b.Fatal(err)
		}
	})
	b.Run("limit=none-pairs/impl=weft", func(b *testing.B) {
		b.ReportAllocs()
		var g wefterrgroup.Group
		for i := 0; i < b.N; i += 2 {
			ch := make(chan struct{})
			g.Go(func() error { <-ch; return nil })
			g.Go(func() error { close(ch); return nil })
		}
		if err := g.Wait(); err != nil {
			b.Fatal(err)
		}
	})
}
