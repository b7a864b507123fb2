package worker_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/weft-dev/weft/cmd/weft/internal/cli"
	"github.com/weft-dev/weft/cmd/weft/internal/remote"
	"github.com/weft-dev/weft/cmd/weft/internal/worker"
	"github.com/weft-dev/weft/fleet"
)

// A worker on an embedded server runs a job submitted to its stream and
// reports it on the run's subject.
func ExampleRun() {
	dir, _ := os.MkdirTemp("", "weft-worker-example-")
	defer os.RemoveAll(dir)
	// The server writes a submitter's and a worker's credentials where
	// the same user's clients find them.
	srv, err := fleet.StartServer(fleet.ServerConfig{Dir: dir, Streams: []fleet.StreamConfig{remote.StreamConfig(remote.DefaultStream, 0, 0)}})
	if err != nil {
		panic(err)
	}
	defer srv.Shutdown()

	c := worker.Defaults()
	c.NATS, c.Name = srv.URL(), "w1"
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan int)
	go func() { done <- worker.Run(ctx, c, cli.Env{Stdout: io.Discard, Stderr: io.Discard}) }()

	conn, err := remote.Open(srv.URL(), c.Stream, fleet.RoleSubmitter, remote.Access{})
	if err != nil {
		panic(err)
	}
	defer conn.Close()
	prod, _ := fleet.NewProducer[remote.Job](ctx, conn.JS, c.Stream, nil)
	j := remote.Job{Run: "example", Seq: 1, Args: []string{"world"}, Command: "echo hello {}", Tries: 1}
	prod.Submit(ctx, j.ID(), j)

	cons, _ := conn.JS.OrderedConsumer(ctx, conn.ResultsStream(), jetstream.OrderedConsumerConfig{FilterSubjects: []string{conn.ResultSubject("example")}})
	msg, err := cons.Next()
	if err != nil {
		panic(err)
	}
	var r remote.Result
	json.Unmarshal(msg.Data(), &r)
	fmt.Printf("job %d on %s: %q, exit %d\n", r.Seq, r.Host, r.Stdout, r.Exit)

	stop()
	fmt.Println("worker exited with", <-done)
	// Output:
	// job 1 on w1: "hello world\n", exit 0
	// worker exited with 0
}
