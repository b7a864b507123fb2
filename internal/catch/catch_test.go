package catch

import (
	"context"
	"errors"
	"io"
	"testing"

	"go.uber.org/goleak"

	"github.com/weft-dev/weft"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestCatch(t *testing.T) {
	tests := []struct {
		name      string
		run       func() error
		wantErr   error
		wantPanic any
	}{
		{"Func ok", func() error { return Func(func() {}) }, nil, nil},
		{"Func panic", func() error { return Func(func() { panic("p") }) }, nil, "p"},
		{"Err error", func() error { return Err(func() error { return io.EOF }) }, io.EOF, nil},
		{"Err panic with error", func() error { return Err(func() error { panic(io.EOF) }) }, io.EOF, io.EOF},
		{"Ctx error", func() error {
			return Ctx(context.Background(), func(context.Context) error { return io.ErrClosedPipe })
		}, io.ErrClosedPipe, nil},
		{"Ctx panic", func() error { return Ctx(context.Background(), func(context.Context) error { panic(7) }) }, nil, 7},
	}
	for _, tt := range tests {
		err := tt.run()
		var pe *weft.PanicError
		isPanic := errors.As(err, &pe)
		switch {
		case tt.wantPanic != nil && (!isPanic || pe.Value != tt.wantPanic):
			t.Errorf("%s: got %v; want a panic with %v", tt.name, err, tt.wantPanic)
		case tt.wantPanic == nil && isPanic:
			t.Errorf("%s: got panic %v; want none", tt.name, pe.Value)
		case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
			t.Errorf("%s: got %v; want %v", tt.name, err, tt.wantErr)
		case tt.wantErr == nil && tt.wantPanic == nil && err != nil:
			t.Errorf("%s: got %v; want nil", tt.name, err)
		}
	}
}
