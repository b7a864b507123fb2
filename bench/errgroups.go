package main

import (
	"fmt"
	"sync/atomic"

	"golang.org/x/sync/errgroup"

	wefterrgroup "github.com/weft-dev/weft/errgroup"
)

// errgroupWorkloads compares weft's drop-in errgroup with
// golang.org/x/sync/errgroup, the package it replaces, over the same tasks:
// no-op tasks with SetLimit(100) and with no limit, and, with no limit,
// tasks in pairs where the first waits for the second.
func errgroupWorkloads(quick bool) []*workload {
	n := 100_000
	if quick {
		n = 5_000
	}
	// goer is the part of the API the workloads use; both groups are
	// called through it, alike.
	type goer interface {
		Go(func() error)
		SetLimit(int)
		Wait() error
	}
	impls := []struct {
		name string
		make func() goer
	}{
		{"weft", func() goer { return new(wefterrgroup.Group) }},
		{"errgroup", func() goer { return new(errgroup.Group) }},
	}
	check := func(ran *atomic.Int64, err error) (int64, error) {
		if err != nil {
			return 0, fmt.Errorf("unexpected error: %v", err)
		}
		return ran.Load(), nil
	}
	noop := func(limit int) func(func() goer) func() (int64, error) {
		return func(mk func() goer) func() (int64, error) {
			return func() (int64, error) {
				var ran atomic.Int64
				g := mk()
				g.SetLimit(limit)
				for range n {
					g.Go(func() error { ran.Add(1); return nil })
				}
				return check(&ran, g.Wait())
			}
		}
	}
	pairs := func(mk func() goer) func() (int64, error) {
		return func() (int64, error) {
			var ran atomic.Int64
			g := mk()
			for range n / 2 {
				ch := make(chan struct{})
				g.Go(func() error { <-ch; ran.Add(1); return nil })
				g.Go(func() error { close(ch); ran.Add(1); return nil })
			}
			return check(&ran, g.Wait())
		}
	}
	specs := []struct {
		id, title string
		run       func(func() goer) func() (int64, error)
	}{
		{"Errgroup/limit=100", fmt.Sprintf("9. errgroup drop-in: %d no-op tasks, SetLimit(100)", n), noop(100)},
		{"Errgroup/limit=none", fmt.Sprintf("9. errgroup drop-in: %d no-op tasks, no limit", n), noop(-1)},
		{"Errgroup/limit=none-pairs", fmt.Sprintf("9. errgroup drop-in: %d tasks in pairs, the first waiting for the second, no limit", n), pairs},
	}
	var out []*workload
	for _, s := range specs {
		w := &workload{id: s.id, title: s.title, unit: "ns/task", items: int64(n), perItem: true, want: int64(n),
			note: "weft's errgroup is a drop-in for x/sync's: the same code, with only the import path changed."}
		for _, im := range impls {
			w.contenders = append(w.contenders, contender{name: im.name, run: s.run(im.make)})
		}
		out = append(out, w)
	}
	return out
}
