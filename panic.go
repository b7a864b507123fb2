package weft

import (
	"context"
	"errors"
	"fmt"
)

// ErrGoexit is reported for a task that called runtime.Goexit (as
// testing.T.FailNow does) instead of returning.
var ErrGoexit = errors.New("weft: task called runtime.Goexit")

// PanicError is a panic recovered from a task: the value passed to panic and
// the stack of the goroutine at the moment it panicked. Every weft package
// reports panics as a *PanicError; see the package documentation for the
// policy.
type PanicError struct {
	// Value is the value the task passed to panic.
	Value any
	// Stack is the formatted stack of the panicking goroutine, as printed
	// by runtime/debug.Stack.
	Stack []byte
}

// Error reports the panic value followed by the captured stack.
func (e *PanicError) Error() string {
	return fmt.Sprintf("panic: %v\n\n%s", e.Value, e.Stack)
}

// Unwrap returns the panic value when it is an error, so that errors.Is and
// errors.As see through the panic; otherwise it returns nil.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// Waiter is a rate limiter as pool, group and flow use it: Wait blocks until
// the next event is allowed or ctx ends, and returns an error if it will not
// be. *rate.Limiter satisfies it, and so does golang.org/x/time/rate's
// Limiter.
type Waiter interface {
	Wait(ctx context.Context) error
}
