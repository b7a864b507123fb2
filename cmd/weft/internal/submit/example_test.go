package submit_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/weft-dev/weft/cmd/weft/internal/cli"
	"github.com/weft-dev/weft/cmd/weft/internal/remote"
	"github.com/weft-dev/weft/cmd/weft/internal/run"
	"github.com/weft-dev/weft/cmd/weft/internal/submit"
	"github.com/weft-dev/weft/cmd/weft/internal/worker"
	"github.com/weft-dev/weft/fleet"
)

// The jobs of a run on a worker, through an embedded server: the output
// and the exit status are those of the same run here.
func ExampleExecute() {
	dir, _ := os.MkdirTemp("", "weft-submit-example-")
	defer os.RemoveAll(dir)
	srv, err := fleet.StartServer(fleet.ServerConfig{Dir: dir, Streams: []fleet.StreamConfig{remote.StreamConfig(remote.DefaultStream, 0, 0)}})
	if err != nil {
		panic(err)
	}
	defer srv.Shutdown()
	wc := worker.Defaults()
	wc.NATS = srv.URL()
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan int)
	go func() { done <- worker.Run(ctx, wc, cli.Env{Stdout: io.Discard, Stderr: io.Discard}) }()
	defer func() { stop(); <-done }()

	c := run.Defaults()
	c.Keep = true
	c.SetOperands([]string{"echo hello {}; test {} != c", ":::", "a", "b", "c"})
	r, err := run.New(c, cli.Env{Stdin: strings.NewReader(""), Stdout: os.Stdout, Stderr: io.Discard})
	if err != nil {
		panic(err)
	}
	defer r.Close()
	status := submit.Execute(r, &submit.Config{URL: srv.URL(), Stream: "weft", RunID: "example"})
	fmt.Println("exit status", status)
	// Output:
	// hello a
	// hello b
	// hello c
	// exit status 1
}
