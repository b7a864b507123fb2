// Package fleet runs jobs on many machines through NATS JetStream: a
// Producer publishes typed jobs to a work-queue stream, and Workers on any
// number of machines pull them and run a handler, with a concurrency limit
// (a weft pool) on each.
//
//	srv, _ := fleet.StartServer(fleet.ServerConfig{Dir: "/var/lib/weft", Streams: []fleet.StreamConfig{{Name: "images"}}})
//	js, _ := fleet.Connect(ctx, srv.URL(), fleet.As(fleet.RoleSubmitter))
//	p, _ := fleet.NewProducer[Resize](ctx, js, "images", nil)
//	p.Submit(ctx, "img-42", Resize{...})                 // on the submitting side
//	wjs, _ := fleet.Connect(ctx, url, fleet.WithCredentials("worker.creds")) // on each worker machine
//	w, _ := fleet.NewWorker(ctx, wjs, "images", 8, handle, fleet.WorkerConfig{})
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
//
// # Security
//
// A worker runs what its jobs say, so whoever may publish a job may run
// code on every worker. A server is therefore closed by default, loopback
// included, and speaks TLS only; InsecureNoAuth and InsecureNoTLS open it,
// and say what that risks.
//
// Credentials are NATS credentials files: a user JWT, signed by an account
// key that the server keeps in its store directory, with the user's
// permissions and, if asked, an expiry, and the user's seed, which never
// leaves the file (the server checks a signature of its own nonce). Three
// roles exist (see RolePermissions for the exact subjects):
//
//   - a submitter (RoleSubmitter) publishes jobs, reads results and
//     outputs, and writes run states; it cannot take or read jobs;
//   - a worker (RoleWorker) takes jobs, acknowledges them, reports
//     results and stores outputs; it cannot publish a job, and nothing it
//     may do carries what it may publish to the job subject;
//   - an admin (RoleAdmin) sets stream sets up (SetUp). No other role may
//     create, change or delete a stream or the job stream's consumer, and a
//     worker may create no consumer at all, so NewProducer and NewWorker
//     bind to what the server set up, and say so when they would need more.
//
// A server writes a submitter's and a worker's credentials (mode 0600, in
// directories of mode 0700) in its store directory, to hand out, and under
// os.UserConfigDir()/weft/servers/ for clients of the same user, which find
// them with As. Credentials makes more, with an expiry if wanted. A server
// that made its own certificate (the default) puts its CA into the
// credentials it makes: Connect then trusts that CA, and only it, for that
// server, so that credentials are never presented to another server, one
// that took the address of the right one, and a worker never takes jobs
// from it.
//
// A worker also drops, unrun, a message on the job subject that no
// producer published: the server's own answer to a request (a publish
// acknowledgement, a message got), which a connection may aim at any
// subject. See SECURITY.md at the root of the repository for the threat
// model.
package fleet
