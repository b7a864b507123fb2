package status_test

import (
	"context"
	"fmt"
	"os"

	"github.com/weft-dev/weft/cmd/weft/internal/cli"
	"github.com/weft-dev/weft/cmd/weft/internal/status"
)

// An unreachable server is one line on stderr and exit status 255.
func ExampleRun() {
	s := status.Run(context.Background(), &status.Config{NATS: "nats://127.0.0.1:1", Stream: "weft"}, cli.Env{Stdout: os.Stdout, Stderr: os.Stdout})
	fmt.Println("exit status", s)
	// Output:
	// weft: fleet: cannot reach NATS at nats://127.0.0.1:1: nats: no servers available for connection
	// exit status 255
}
