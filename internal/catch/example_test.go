package catch_test

import (
	"errors"
	"fmt"

	"github.com/weft-dev/weft"
	"github.com/weft-dev/weft/internal/catch"
)

func ExampleFunc() {
	err := catch.Func(func() { panic("boom") })
	var pe *weft.PanicError
	fmt.Println(errors.As(err, &pe), pe.Value)
	fmt.Println(catch.Func(func() {}))
	// Output:
	// true boom
	// <nil>
}
