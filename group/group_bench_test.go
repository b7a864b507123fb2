package group_test

import (
	"context"
	"testing"

	"golang.org/x/sync/errgroup"

	"github.com/weft-dev/weft/group"
)

const benchLimit = 100

func nop(context.Context) error { return nil }

// BenchmarkGo measures the cost per no-op task of a group limited to 100
// concurrent tasks, against errgroup with SetLimit(100) in the same run.
func BenchmarkGo(b *testing.B) {
	b.Run("impl=errgroup", func(b *testing.B) {
		b.ReportAllocs()
		g, ctx := errgroup.WithContext(context.Background())
		g.SetLimit(benchLimit)
		for range b.N {
			g.Go(func() error { return nop(ctx) })
		}
		if err := g.Wait(); err != nil {
			b.Fatal(err)
		}
	})
	b.Run("impl=weft", func(b *testing.B) {
		b.ReportAllocs()
		g, err := group.New(context.Background(), group.WithLimit(benchLimit))
		if err != nil {
			b.Fatal(err)
		}
		for range b.N {
			g.Go(nop)
		}
		if err := g.Wait(); err != nil {
			b.Fatal(err)
		}
	})
}
