// Package catch runs task functions and turns their panics into
// *weft.PanicError values.
package catch

import (
	"context"
	"runtime/debug"

	"github.com/weft-dev/weft"
)

// Panic returns a *weft.PanicError for a recovered value, capturing the
// stack of the calling goroutine. Call it from the deferred function that
// recovered v.
func Panic(v any) *weft.PanicError {
	return &weft.PanicError{Value: v, Stack: debug.Stack()}
}

// Func runs f and returns the *weft.PanicError if f panicked, or nil.
func Func(f func()) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = Panic(v)
		}
	}()
	f()
	return nil
}

// Err runs f and returns its error, or the *weft.PanicError if f panicked.
func Err(f func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = Panic(v)
		}
	}()
	return f()
}

// Ctx runs f(ctx) and returns its error, or the *weft.PanicError if f
// panicked.
func Ctx(ctx context.Context, f func(context.Context) error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = Panic(v)
		}
	}()
	return f(ctx)
}
