package local_test

import (
	"fmt"
	"os"

	"github.com/weft-dev/weft/cmd/weft/internal/cli"
	"github.com/weft-dev/weft/cmd/weft/internal/local"
	"github.com/weft-dev/weft/cmd/weft/internal/run"
)

func ExampleExecute() {
	c := run.Defaults()
	c.Jobs, c.Keep = 4, true
	if err := c.SetOperands([]string{"echo hello {}", ":::", "a", "b", "c"}); err != nil {
		panic(err)
	}
	r, err := run.New(c, cli.Env{Stdout: os.Stdout, Stderr: os.Stdout})
	if err != nil {
		panic(err)
	}
	defer r.Close()
	fmt.Println("exit status", local.Execute(r))
	// Output:
	// hello a
	// hello b
	// hello c
	// exit status 0
}
