package run_test

import (
	"fmt"
	"os"

	"github.com/weft-dev/weft/cmd/weft/internal/cli"
	"github.com/weft-dev/weft/cmd/weft/internal/run"
)

// A run driven by hand, one job after another, as the local and submit
// packages drive it with many.
func Example() {
	c := run.Defaults()
	c.Keep = true
	if err := c.SetOperands([]string{"echo hello {}", ":::", "a", "b"}); err != nil {
		panic(err)
	}
	r, err := run.New(c, cli.Env{Stdout: os.Stdout, Stderr: os.Stdout})
	if err != nil {
		panic(err)
	}
	defer r.Close()
	r.Start(1)
	x := r.Executor()
	for j, err := range r.Jobs() {
		if err != nil {
			panic(err)
		}
		r.Done(r.RunJob(x, j))
	}
	if err := r.Finish(); err != nil {
		panic(err)
	}
	fmt.Println("exit status", r.Status())
	// Output:
	// hello a
	// hello b
	// exit status 0
}

// A profile line or $PARALLEL split into words, as GNU parallel splits
// them.
func ExampleShellWords() {
	words, err := run.ShellWords(`--colsep '\t' --tag "a b"`)
	fmt.Printf("%q %v\n", words, err)
	// Output: ["--colsep" "\\t" "--tag" "a b"] <nil>
}

// The options to read before the command line: $PARALLEL here, with no
// configuration file.
func ExampleConfig_Presets() {
	c := run.Defaults()
	env := map[string]string{"HOME": os.TempDir() + "/no-such-home", "PARALLEL": "-k --tag"}
	ps, err := c.Presets(func(k string) string { return env[k] })
	for _, p := range ps {
		fmt.Println(p.From, p.Words)
	}
	fmt.Println(err)
	// Output:
	// $PARALLEL [-k --tag]
	// <nil>
}
