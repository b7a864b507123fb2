package reach_test

import (
	"fmt"
	"os"
	"time"

	"github.com/weft-dev/weft/cmd/weft/internal/reach"
)

// A server goes, the client retries (each retry is another Lost), and the
// server comes back: two lines in all.
func Example() {
	w := reach.New(reach.Config{
		URL:     "nats://queue.example:4222",
		Timeout: 5 * time.Minute,
		Out:     os.Stdout,
		GiveUp:  func() { fmt.Println("giving up") },
		While:   "the running jobs go on",
	})
	defer w.Stop()
	w.Lost()
	w.Lost()
	w.Lost()
	fmt.Println("down:", w.Down())
	w.Back()
	fmt.Println("down:", w.Down(), "gave up:", w.GaveUp())
	// Output:
	// weft: the NATS server at nats://queue.example:4222 is unreachable; waiting for it (giving up after 5m0s: --server-timeout); the running jobs go on
	// down: true
	// weft: the NATS server at nats://queue.example:4222 is back after 0s
	// down: false gave up: false
}
