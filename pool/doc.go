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
// are queued and no awake worker is looking for one; each task costs 0
// allocations. The pool is slower than a bare channel pool, which does no
// accounting at all: BenchmarkGo (1,000,000 tasks, each the same closure
// adding to a counter, 100 workers) measured weft at 1.55x-1.56x the best
// hand-written channel pool (workers ranging over one channel, 100 slots;
// 93-98 ns against 60-63 ns per task) with one submitter, and at
// 1.69x-1.76x (129-163 ns against 73-97 ns, 1,024 slots) with 100
// submitters at once: medians of -count 6 in two separate runs on 2 shared
// cores. The pool pays for what the channel pool lacks: Wait, the error and
// panic of each task, Stats, Resize, idle workers exiting. A
// queued task costs one 16-byte queue slot beyond its closure:
// BenchmarkQueuedMemory measured 16.0 bytes of live heap per task with
// 1,000,000 tasks queued behind one blocked worker (the queue grows by
// doubling up to its bound, so the buffers it outgrew are garbage until the
// next collection).
package pool
