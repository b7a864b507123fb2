package remote_test

import (
	"fmt"

	"github.com/weft-dev/weft/cmd/weft/internal/remote"
)

// A job's message ID names its run, its number and how many times it was
// handed back unrun, so that a job published twice is stored once.
func ExampleParseJobID() {
	j := remote.Job{Run: "nightly", Seq: 42, K: 1, Args: []string{"a"}, Command: "make {}", Tries: 1}
	fmt.Println(j.ID())
	run, seq, k, err := remote.ParseJobID(j.ID())
	fmt.Println(run, seq, k, err)
	// Output:
	// nightly.42.1
	// nightly 42 1 <nil>
}
