package fleet_test

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/weft-dev/weft/fleet"
)

type resize struct{ Width int }

// A producer submits jobs to an embedded server, and a worker runs them,
// two at a time. Handlers use Job.ID to stay idempotent: a job delivered a
// second time (its first worker died before acknowledging) is recognized.
func Example() {
	dir, _ := os.MkdirTemp("", "fleet-example-")
	defer os.RemoveAll(dir)
	// The server sets up the stream set "images", and writes a submitter's
	// and a worker's credentials for it, which As finds.
	srv, err := fleet.StartServer(fleet.ServerConfig{Dir: dir, Streams: []fleet.StreamConfig{{Name: "images"}}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Shutdown()
	ctx := context.Background()
	js, err := fleet.Connect(ctx, srv.URL(), fleet.As(fleet.RoleSubmitter))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer js.Conn().Close()

	p, _ := fleet.NewProducer[resize](ctx, js, "images", nil)
	for i, width := range []int{640, 1280, 1920} {
		p.Submit(ctx, fmt.Sprint("img-", i), resize{Width: width})
	}

	var (
		mu   sync.Mutex
		done = map[string]string{} // in real life: a table with a unique key on the job ID
	)
	// On each worker machine (here the same process), a worker's
	// credentials: it may take jobs, but not publish any.
	wjs, err := fleet.Connect(ctx, srv.URL(), fleet.As(fleet.RoleWorker))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer wjs.Conn().Close()
	runCtx, stop := context.WithCancel(ctx)
	w, _ := fleet.NewWorker(ctx, wjs, "images", 2, func(_ context.Context, j fleet.Job[resize]) error {
		mu.Lock()
		defer mu.Unlock()
		if _, seen := done[j.ID]; seen {
			return nil // already done: acknowledge, do not redo
		}
		done[j.ID] = fmt.Sprintf("%s resized to %d", j.ID, j.Payload.Width)
		if len(done) == 3 {
			stop()
		}
		return nil
	}, fleet.WorkerConfig{})
	w.Run(runCtx)

	for _, id := range slices.Sorted(maps.Keys(done)) {
		fmt.Println(done[id])
	}
	// Output:
	// img-0 resized to 640
	// img-1 resized to 1280
	// img-2 resized to 1920
}

// A worker's credential for the stream set "weft" may publish only these
// subjects, and subscribe only to these: nothing that reaches weft.jobs.
func ExampleRolePermissions() {
	p, err := fleet.RolePermissions(fleet.RoleWorker, "weft")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("publish:")
	for _, s := range p.Publish {
		fmt.Println(" ", s)
	}
	fmt.Println("subscribe:")
	for _, s := range p.Subscribe {
		fmt.Println(" ", s)
	}
	// Output:
	// publish:
	//   $JS.API.STREAM.INFO.weft
	//   $JS.API.CONSUMER.INFO.weft.*
	//   $JS.API.CONSUMER.MSG.NEXT.weft.*
	//   $JS.ACK.weft.>
	//   $JS.API.STREAM.MSG.GET.weft
	//   $JS.API.STREAM.MSG.DELETE.weft
	//   weft.results.>
	//   $JS.API.STREAM.INFO.weft_results
	//   $JS.API.STREAM.INFO.KV_weft_runs
	//   $JS.API.STREAM.MSG.GET.KV_weft_runs
	//   $JS.API.STREAM.INFO.OBJ_weft_output
	//   $O.weft_output.C.>
	//   $O.weft_output.M.>
	//   $KV.weft_workers.>
	// subscribe:
	//   _INBOX.worker-e627e223.>
	//   $JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.weft.*
	//   $KV.weft_runs.>
}

// A server makes credentials to hand out, here a worker's valid for a day:
// with them a worker takes jobs, but may not publish any.
func ExampleCredentials() {
	dir, _ := os.MkdirTemp("", "fleet-example-")
	defer os.RemoveAll(dir)
	srv, err := fleet.StartServer(fleet.ServerConfig{Dir: dir, Streams: []fleet.StreamConfig{{Name: "images"}}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Shutdown()
	creds, err := fleet.Credentials(dir, fleet.RoleWorker, fleet.CredentialsConfig{Streams: []string{"images"}, ValidFor: 24 * time.Hour})
	if err != nil {
		fmt.Println(err)
		return
	}
	file := filepath.Join(dir, "worker.creds")
	os.WriteFile(file, creds, 0o600) // on the worker's machine

	ctx := context.Background()
	js, err := fleet.Connect(ctx, srv.URL(), fleet.WithCredentials(file), fleet.WithErrorHandler(func(error) {}))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer js.Conn().Close()
	_, err = fleet.NewWorker(ctx, js, "images", 1, func(context.Context, fleet.Job[resize]) error { return nil }, fleet.WorkerConfig{})
	fmt.Println("worker:", err)
	p, _ := fleet.NewProducer[resize](ctx, js, "images", nil)
	fmt.Println("submit:", p.Submit(ctx, "img-0", resize{Width: 640}))
	// Output:
	// worker: <nil>
	// submit: fleet: these credentials may not publish jobs to images.jobs (the server refused a publish to images.jobs)
}
