// Package pool provides a long-lived, bounded worker pool.
//
//	p, err := pool.New(8)
//	if err != nil { ... }
//	defer p.Close()
//	for _, job := range jobs {
//		p.Go(func() { handle(job) })
//	}
//	err = p.Wait() // the joined errors and panics of tasks, if any
//
// # Guarantees
//
// At most the configured number of tasks run at once. Tasks start in the
// order they were accepted (FIFO); with more than one worker they may finish
// in any order. Go and Submit block while the queue is full (backpressure);
// TryGo never blocks. The return of a task is synchronized before the return
// of the Wait or Close that waits for it, and before Future.Wait returns its
// result.
//
// Workers start on demand and exit after between one and two idle timeouts
// without work ([DefaultIdleTimeout] unless set by [WithIdleTimeout]), so an
// idle pool owns no goroutine once that time has passed. Nothing starts at import time.
//
// # Nothing is lost
//
// Every task handed to the pool is accounted for exactly once: it runs, or its
// submitter is told. Go, TryGo and Submit return an error when they do not
// accept a task ([ErrClosed], [ErrQueueFull], or one wrapping ctx.Err()). A
// task accepted and then dropped because the pool's parent context ended is
// reported by [Pool.Wait] (an error wrapping [ErrDropped]) or, for [Call], by
// its [Future]. The error returned by a Submit task and the panic of any task
// are reported by Wait; those of a Call are reported by its Future instead.
//
// # Panics
//
// A panicking task does not kill its worker. Its panic is returned as a
// *weft.PanicError, following the library-wide policy described in
// [github.com/weft-dev/weft]; [WithRepanic] makes Wait and Close panic with it
// instead.
//
// # Cost
//
// The submit path takes one mutex and wakes a parked worker only when tasks
// are queued and no awake worker is looking for one. A worker takes up to 128
// queued tasks under one lock and runs them in order; a worker that becomes
// free meanwhile takes the ones not yet started, so tasks still start in
// FIFO order and a task that waits for a later one does not hold it.
//
// Each figure here is the ratio of medians against a baseline in the same run of go run ./bench,
// given as its range over separate runs on a shared 2-core machine (the
// claims table in bench/claims.go; go run ./bench -check re-measures them on
// yours). With one submitter and 100 workers, Go costs 0.28-0.41x a
// hand-written channel pool with the same workers and a queue of 1,024
// that counts each task for its Wait (claim pool.one-submitter), with 0
// allocations per task. With 100 submitters at once it costs 0.47-0.55x
// that channel pool (pool.many-submitters), whose count of pending tasks
// every submitter updates. A queued task costs one
// 16-byte queue slot beyond its closure, 2.00-2.01x the memory per task of
// the channel pool, whose slot is an 8-byte func value (pool.queued-memory,
// 1,000,000 tasks queued behind one blocked worker; the queue grows by
// doubling up to its bound, so the buffers it outgrew are garbage until the
// next collection).
//
// Against a bare channel pool that counts nothing (it waits by closing its
// channel, so it can wait once), the package's BenchmarkGo (1,000,000
// tasks, each the same closure adding to a counter, 100 workers, medians of
// -count 8 in two separate runs) measured the pool at 0.55-0.57x the
// channel pool with 1,024 slots (the fastest of 0, 100 and 1,024) with one
// submitter, and 0.68-0.76x with 100 submitters at once. The one-submitter
// figure moves with the machine's load: in one run of an earlier version of
// the pool, the channel pool took 58 ns per task with one submitter, half
// its cost in the other runs, and the pool 1.46x as long. With 100
// submitters the pool's mutex is taken once per task by submitters on both
// cores at once, and once per batch of up to 128 tasks by a worker; a
// submitter that finds it held tries again, then yields, rather than
// queueing on it. The pool pays for what that
// channel pool lacks: Wait while it stays open, each task's error and
// panic, Stats, Resize, idle workers exiting.
package pool
