// Package fleet runs jobs on many machines through NATS JetStream: a
// Producer publishes typed jobs to a work-queue stream, and Workers on any
// number of machines pull them and run a handler, with a concurrency limit
// (a weft pool) on each.
//
//	srv, _ := fleet.StartServer(fleet.ServerConfig{Dir: "/var/lib/weft"})
//	js, _ := fleet.Connect(ctx, srv.URL())
//	p, _ := fleet.NewProducer[Resize](ctx, js, "images", nil)
//	p.Submit(ctx, "img-42", Resize{...})                 // on the submitting side
//	w, _ := fleet.NewWorker(ctx, js, "images", 8, handle, fleet.WorkerConfig{}) // on each worker machine
//	err := w.Run(ctx)
//
// Every call that talks to the server takes a context. Run returns when its
// context ends (the running handlers see it end, and their jobs go back to
// the stream at once) or after Drain (the running handlers finish; the jobs
// pulled ahead go back at once).
//
// # Delivery guarantee
//
// At least once. A job is removed from the stream only when a worker
// acknowledges it, after its handler returned nil. A handler that fails or
// panics (the panic is captured as a *weft.PanicError, as everywhere in weft)
// gets the job again later, up to the MaxDeliver attempts; then the job is
// terminated and reported to the OnFailed callback. A worker that dies
// without acknowledging (killed, network lost) leaves its jobs to be
// redelivered to another worker once the ack wait has passed; while a handler
// runs, the worker tells the server at least every half ack wait that the
// job is in progress, so long jobs are not redelivered by mistake. A worker
// pulls jobs ahead of its handlers (WorkerConfig.PullAhead), and a job's ack
// wait runs from its delivery, waiting there included: a worker whose jobs
// are long should pull little ahead.
//
// A job whose worker dies on every one of its MaxDeliver deliveries is not
// left in the stream: the server announces it, and a live worker of the same
// consumer removes it and reports it to OnFailed. (If no worker is running
// at that moment, the announcement is missed and the job stays in the stream
// until it is removed by hand.)
//
// Handlers must therefore be idempotent: a job can run twice, when its worker
// died after the work but before the acknowledgement. Use Job.ID, which the
// submitter chose, to make the second run a no-op (for example a unique key
// in the database the handler writes to). Submitting the same ID twice within
// the stream's duplicate window (10 minutes unless DuplicateWindow says
// longer) publishes the job once.
package fleet
