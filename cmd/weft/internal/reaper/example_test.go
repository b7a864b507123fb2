package reaper_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/weft-dev/weft/cmd/weft/internal/reaper"
)

// The reaper's side: each line says that a group started (+) or ended (-);
// when the input ends, Main kills the groups still listed: none here.
func ExampleMain() {
	status := reaper.Main(strings.NewReader("+4242\n+4343\n-4242\n-4343\n"))
	fmt.Println("reaper exited with", status)
	// Output:
	// reaper exited with 0
}

// A program that uses a Reaper dispatches to Main first thing.
func Example() {
	if len(os.Args) == 2 && os.Args[1] == reaper.Arg {
		os.Exit(reaper.Main(os.Stdin))
	}
	fmt.Println("weft goes on")
	// Output:
	// weft goes on
}
