package fleetview_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/weft-dev/weft/cmd/weft/internal/dash"
	"github.com/weft-dev/weft/cmd/weft/internal/fleetview"
	"github.com/weft-dev/weft/cmd/weft/internal/remote"
	"github.com/weft-dev/weft/fleet"
)

// A Source over an embedded server: a submitter's run record is read
// back, and its overview built as weft status builds it.
func Example() {
	dir, _ := os.MkdirTemp("", "fleetview-example-")
	defer os.RemoveAll(dir)
	srv, err := fleet.StartServer(fleet.ServerConfig{Dir: dir, Streams: []fleet.StreamConfig{remote.StreamConfig("weft", 0, 0)}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Shutdown()
	c, err := remote.Open(srv.URL(), "weft", fleet.RoleSubmitter, remote.Access{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	ctx := context.Background()
	c.PutRunRecord(ctx, &remote.RunRecord{ID: "r1", Command: "gzip {}", Started: time.Now(), Total: 3, TotalKnown: true})

	src, err := fleetview.Start(c, fleetview.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer src.Close()
	if err := src.Sync(ctx); err != nil {
		fmt.Println(err)
		return
	}
	o, err := dash.LoadOverview(ctx, src)
	if err != nil {
		fmt.Println(err)
		return
	}
	r := o.Runs[0]
	fmt.Printf("run %s: %s, %d queued of %d\n", r.ID, r.State, r.Queued, r.Total)
	// Output:
	// run r1: waiting, 3 queued of 3
}
