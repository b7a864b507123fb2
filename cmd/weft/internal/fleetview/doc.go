// Package fleetview is the fleet's state as the dashboard and weft status
// read it, over JetStream, where it lives and nowhere else: a Source that
// implements dash.Source and dash.Actions.
//
//	c, err := remote.Open(url, stream, fleet.RoleSubmitter, access)
//	src, err := fleetview.Start(c, fleetview.Config{})
//	defer src.Close()
//	err = src.Sync(ctx) // caught up with what the server held at Start
//	o, err := dash.LoadOverview(ctx, src)
//
// It follows, each with an ordered consumer it creates (which a
// submitter's credentials may): the results stream (S.results.>) from its
// start, the bucket S_runs (the run states, and the run records submitters
// write there) and the worker registry S_workers, each from the last value
// of every key. It polls the job stream's consumer for the number of jobs
// waiting once a second. From these it keeps in memory, per run, its
// record, its state and its counts, and per finished job a record of 128
// bytes plus the map's overhead (its state, exit status, worker, times and
// where its report is in the results stream; a failed job's command too),
// so that Snapshot costs nothing per job: it copies the runs' counts, the workers and the latest failures.
// A job's command and stderr are read back from its report (and the object
// store) when a page asks for them.
//
// It keeps Config.MaxRuns runs (100 by default): past that, the run least
// recently active is forgotten. Workers that stopped, or whose registry
// entry the server has not stored for remote.GoneAfter (10 s: a worker
// rewrites it every 2 s), are shown as gone for an hour, then forgotten.
//
// Halt writes the run's state (soon or now) in S_runs, as weft --halt and
// an interrupted submitter do; every worker follows that bucket.
package fleetview
