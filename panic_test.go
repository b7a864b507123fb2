package weft_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/weft-dev/weft"
	"github.com/weft-dev/weft/group"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestPanicError(t *testing.T) {
	pe := &weft.PanicError{Value: io.EOF, Stack: []byte("goroutine 1 [running]:")}
	if !errors.Is(pe, io.EOF) {
		t.Error("errors.Is does not see the error value through the PanicError")
	}
	if got := pe.Error(); !strings.HasPrefix(got, "panic: EOF") || !strings.Contains(got, "goroutine 1") {
		t.Errorf("Error: got %q; want the value then the stack", got)
	}
	if (&weft.PanicError{Value: 3}).Unwrap() != nil {
		t.Error("Unwrap of a non-error value: got non-nil")
	}
}

// ExamplePanicError shows a panic in a task coming back as an error, with
// the value it panicked with.
func ExamplePanicError() {
	g, _ := group.New(context.Background())
	g.Go(func(context.Context) error { panic("something broke") })
	err := g.Wait()
	var pe *weft.PanicError
	if errors.As(err, &pe) {
		fmt.Println("recovered:", pe.Value)
	}
	// Output: recovered: something broke
}
