package dash_test

import (
	"os"
	"time"

	"github.com/weft-dev/weft/cmd/weft/internal/dash"
)

// The overview of a fleet as `weft status` prints it, from a fixed
// snapshot (a Source returns one).
func ExampleOverview_WriteText() {
	now := time.Date(2025, 3, 14, 15, 9, 26, 0, time.UTC)
	snap := &dash.Snapshot{
		Time: now,
		Workers: []dash.Worker{
			{Name: "build-01", Slots: 8, LastSeen: now.Add(-time.Second), Running: make([]dash.JobRef, 8)},
			{Name: "build-02", Slots: 8, LastSeen: now.Add(-47 * time.Second), Gone: true},
		},
		Runs: []dash.Run{
			{ID: "7f3a9c21", Command: "convert {} -resize 50% out/{/}", Submitter: "alice@studio", Started: now.Add(-10 * time.Minute),
				Total: 10000, TotalKnown: true, Done: 4000, Failed: 20, Running: 8},
			{ID: "e9b2f0a7", Command: "./backup.sh {}", Submitter: "ops@backup-1", Started: now.Add(-3 * time.Hour),
				Ended: now.Add(-2 * time.Hour), Total: 120, TotalKnown: true, Done: 120},
		},
		Failures: []dash.Job{{Run: "7f3a9c21", Seq: 412, Command: "convert IMG_0412.jpg -resize 50% out/IMG_0412.jpg",
			State: dash.JobFailed, Worker: "build-01", Started: now.Add(-time.Minute), Elapsed: 2 * time.Second, Exit: 1}},
		Throughput: dash.History{Step: 10 * time.Second, End: now, Counts: []int64{60, 70, 65, 70, 60, 75}},
	}
	dash.NewOverview(snap).WriteText(os.Stdout)
	// Output:
	// weft fleet at 2025-03-14 15:09:26 UTC
	// workers  1 alive, 1 gone; 8 of 8 slots busy
	// jobs     8 running, 5,972 queued; 6.7 jobs/s over the last minute
	//
	// RUN       STATE     DONE   FAILED  RUNNING  QUEUED  TOTAL   ETA          STARTED     SUBMITTER     COMMAND
	// 7f3a9c21  running   4,000  20      8        5,972   10,000  14 min 52 s  10 min ago  alice@studio  convert {} -resize 50% out/{/}
	// e9b2f0a7  finished  120    0       0        0       120     -            3 h ago     ops@backup-1  ./backup.sh {}
	//
	// latest failures
	// RUN       JOB          ENDED     WORKER    COMMAND
	// 7f3a9c21  #412 exit 1  58 s ago  build-01  convert IMG_0412.jpg -resize 50% out/IMG_0412.jpg
}
