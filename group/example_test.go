package group_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/weft-dev/weft/group"
)

// Example shows fan-out/fan-in with the first error: the failing lookup
// cancels the others' context, and Wait returns its error.
func Example() {
	lookup := func(ctx context.Context, name string) error {
		if name == "bad" {
			return fmt.Errorf("lookup %s: not found", name)
		}
		<-ctx.Done() // the others wait until the group gives up
		return ctx.Err()
	}
	g, err := group.New(context.Background(), group.WithLimit(3))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, name := range []string{"a", "bad", "c"} {
		g.Go(func(ctx context.Context) error { return lookup(ctx, name) })
	}
	fmt.Println(g.Wait())
	// Output: lookup bad: not found
}

// ExampleResults shows typed fan-out/fan-in: values come back in the order
// the tasks were given, whatever order they finish in.
func ExampleResults() {
	r, _ := group.NewResults[string](context.Background(), group.WithLimit(4))
	for _, w := range []string{"share", "memory", "by", "communicating"} {
		r.Go(func(context.Context) (string, error) { return fmt.Sprint(len(w)), nil })
	}
	lens, err := r.Wait()
	fmt.Println(lens, err)
	// Output: [5 6 2 13] <nil>
}

// ExampleWithCollectAll shows the collect-all mode: every task runs and
// every error is returned, joined.
func ExampleWithCollectAll() {
	g, _ := group.New(context.Background(), group.WithCollectAll())
	errs := make([]error, 3)
	for i := range errs {
		errs[i] = fmt.Errorf("task %d failed", i)
		g.Go(func(context.Context) error { return errs[i] })
	}
	err := g.Wait()
	for _, e := range errs {
		fmt.Println(errors.Is(err, e))
	}
	// Output:
	// true
	// true
	// true
}
