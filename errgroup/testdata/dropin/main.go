// Command dropin is written against golang.org/x/sync/errgroup and uses
// every name that package exports: the type in a struct field and in
// interface assertions, the function and each method as method values and
// method expressions with their exact types. TestDropIn builds and runs it
// as it is and with only its import path changed to weft's errgroup, and
// compares what the two print.
package main

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"golang.org/x/sync/errgroup"
)

// api is errgroup's method set, with its signatures.
type api interface {
	Go(f func() error)
	TryGo(f func() error) bool
	SetLimit(n int)
	Wait() error
}

var (
	_ api = (*errgroup.Group)(nil)
	_ api = new(errgroup.Group)

	withContext func(context.Context) (*errgroup.Group, context.Context) = errgroup.WithContext

	goExpr       func(*errgroup.Group, func() error)      = (*errgroup.Group).Go
	tryGoExpr    func(*errgroup.Group, func() error) bool = (*errgroup.Group).TryGo
	setLimitExpr func(*errgroup.Group, int)               = (*errgroup.Group).SetLimit
	waitExpr     func(*errgroup.Group) error              = (*errgroup.Group).Wait
)

// crawler keeps a zero Group in a field, and a pointer to one from
// WithContext in another.
type crawler struct {
	background errgroup.Group
	scoped     *errgroup.Group
	ctx        context.Context
}

var errNotFound = errors.New("not found")

func main() {
	// The zero Group, through method values.
	var c crawler
	var sum atomic.Int64
	goFn, waitFn := c.background.Go, c.background.Wait
	for i := 1; i <= 10; i++ {
		goFn(func() error { sum.Add(int64(i)); return nil })
	}
	fmt.Println("zero group:", waitFn(), sum.Load())

	// WithContext, through the function value: the first error cancels.
	c.scoped, c.ctx = withContext(context.Background())
	var setLimit func(int) = c.scoped.SetLimit
	setLimit(2)
	var tryGo func(func() error) bool = c.scoped.TryGo
	goExpr(c.scoped, func() error { <-c.ctx.Done(); return c.ctx.Err() })
	tryGo(func() error { return errNotFound })
	err := waitExpr(c.scoped)
	fmt.Println("first error:", err, err == errNotFound)
	fmt.Println("cause:", context.Cause(c.ctx))

	// A limit of one: TryGo fails at once while one function is active.
	var g api = new(errgroup.Group)
	setLimitExpr(g.(*errgroup.Group), 1)
	release := make(chan struct{})
	g.Go(func() error { <-release; return nil })
	fmt.Println("TryGo at the limit:", tryGoExpr(g.(*errgroup.Group), func() error { return nil }))
	close(release)
	fmt.Println("wait:", g.Wait())
	fmt.Println("TryGo after Wait:", g.TryGo(func() error { return nil }), g.Wait())

	// A group reused after Wait keeps its first error.
	h, ctx := errgroup.WithContext(context.Background())
	h.Go(func() error { return nil })
	fmt.Println("round 1:", h.Wait(), context.Cause(ctx))
	h.Go(func() error { return errNotFound })
	fmt.Println("round 2:", h.Wait(), context.Cause(ctx))
	h.Go(func() error { return nil })
	fmt.Println("round 3:", h.Wait())
}
