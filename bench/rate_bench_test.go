package main

import (
	"fmt"
	"strings"
	"testing"
)

// subName keeps a contender's name from splitting a sub-benchmark name.
func subName(name string) string { return strings.ReplaceAll(name, "/", "-") }

// These benchmarks run the rate workloads of `go run ./bench` as `go test`
// benchmarks, weft beside x/time/rate and the hand-written buckets in one
// run, for benchstat -col /impl. (The rate package's own benchmarks compare
// against the hand-written buckets only, and keep the library free of
// x/time/rate.)

// BenchmarkRateAllow measures Allow from 1, 2, 4 and 8 goroutines, every
// call admitted.
func BenchmarkRateAllow(b *testing.B) {
	for _, g := range []int{1, 2, 4, 8} {
		for _, a := range allowContenders {
			b.Run(fmt.Sprintf("goroutines=%d/impl=%s", g, subName(a.name)), func(b *testing.B) {
				allow := a.make(highRate, highBurst)
				b.ReportAllocs()
				b.ResetTimer()
				if n := hammer(b.N, g, func(int) func() bool { return allow }); n != int64(b.N) {
					b.Fatalf("%d of %d calls denied", int64(b.N)-n, b.N)
				}
			})
		}
	}
}

// BenchmarkRateKeyed measures a hit on a known key over 1,024 and 100,000
// keys from 2 and 8 goroutines, each walking all the keys in order from its
// own starting point.
func BenchmarkRateKeyed(b *testing.B) {
	for _, keys := range []int{1024, 100_000} {
		names := make([]string, keys)
		for i := range names {
			names[i] = fmt.Sprint("client-", i)
		}
		for _, g := range []int{2, 8} {
			for _, p := range keyedPeers {
				b.Run(fmt.Sprintf("keys=%d/goroutines=%d/impl=%s", keys, g, subName(p.name)), func(b *testing.B) {
					allow, stop := p.make(keys)
					defer stop()
					for _, name := range names {
						allow(name)
					}
					b.ReportAllocs()
					b.ResetTimer()
					n := hammer(b.N, g, func(w int) func() bool {
						at := &walker{i: w * keys / g}
						return func() bool { return allow(names[at.next(keys)]) }
					})
					if n != int64(b.N) {
						b.Fatalf("%d of %d calls denied", int64(b.N)-n, b.N)
					}
				})
			}
		}
	}
}
