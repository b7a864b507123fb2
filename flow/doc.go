// Package flow builds pipelines over iter.Seq2: fan-out/fan-in stages that
// never leak a goroutine.
//
//	out := flow.OrderedMap(ctx, flow.FromSlice(urls), 8, fetch)
//	pages, err := flow.Collect(out) // input order; stops at the first error
//
// # Model
//
// A [Stream] is an iter.Seq2[T, error]: values travel with their errors, and
// an element with a non-nil error reports a failure in-band. Stages take a
// stream and return one; sources (From, FromSlice, FromChan) start a
// pipeline; sinks (ForEach, Collect, Reduce, First, Drain, ToChan) end it.
// Concurrency is always an explicit argument.
//
// Pipelines are lazy: nothing runs until the sequence is ranged over. They
// are structured: when the consumer's range loop ends (normally, by break,
// because the consumer gave up on an error, because ctx ended, or because the
// loop body panicked), every goroutine the pipeline started has exited
// before the loop returns. There is no background draining. Every callback
// receives a context that is cancelled when its stage's consumer stops.
//
// A concurrent stage ranges over its input on a goroutine of its own and
// stops it by returning false from that range loop, so it returns once its
// input returns control: at once for stages of this package and for inputs
// that never block (FromSlice, From over a slice or a generator). A source
// that waits for the outside world, such as FromChan, returns when its next
// value arrives or its context ends, so give it a context that ends when the
// pipeline is abandoned.
//
// # Errors and panics
//
// Stages pass errors through in-band and go on; a callback's error, or its
// panic as a *weft.PanicError (the library-wide policy described in
// [github.com/weft-dev/weft]), is yielded in place of its result. Sinks stop
// at the first error and return it, which stops the whole pipeline;
// [WithCollectAll] makes them go on and return every error joined. When ctx
// ends, a concurrent stage yields the context's cause as its last element.
//
// # Ordering
//
// Map, FlatMap, Merge and Partition yield results as they complete;
// OrderedMap yields them in input order, with a bounded reorder window
// ([WithWindow], 16 per worker and at least 512 by default) so that workers
// keep going while the head item is slow and memory stays bounded by the
// window, not by the input. Partition keeps the order of values with equal
// keys.
//
// # Cost
//
// An item costs a few atomic operations and no allocation: the feeder hands
// items to the workers, and the workers hand results to the consumer,
// through rings without a lock, and a goroutine parks only when it has had
// nothing to do for a while. BenchmarkMap counted 27-52 allocations and
// 39-41 KB per run of 300,000 items (most of it the rings of the default
// window of 512), none per item. It compares Map and OrderedMap, at 2, 4
// and 16 workers on no-op and ~1 us items, with a hand-written fan-out/fan-in
// over channels of buffer 0, workers and 64.
//
// Each figure here is the ratio of medians against a baseline in the same
// run, given as its range over three separate runs on a shared 2-core
// machine of go run ./bench -check -only flow (300,000 items, 9 interleaved
// repetitions; the claims table in bench/claims.go; the command re-measures
// them on yours). The baseline for Map is a hand-written fan-out/fan-in with both
// channels buffered to 64, the fastest of the buffers measured (0, the number
// of workers, 64). On no-op items Map costs 0.37-0.46x, 0.42-0.58x and
// 0.33-0.63x the channels at 2, 4 and 16 workers (claims flow.map.2,
// flow.map, flow.map.16). On items of ~1 us of work it costs 0.89-0.94x,
// 0.67-0.72x and 0.64-0.68x (flow.map.1us.2, flow.map.1us.4,
// flow.map.1us.16): ahead of the channels at every worker count. OrderedMap costs
// 0.74-0.94x, 0.72-0.94x and 0.58-0.88x Map on no-op items at 2, 4 and 16
// workers (flow.ordered.2, flow.ordered, flow.ordered.16), and 0.97-1.00x,
// 0.91-0.97x and 0.96-0.97x on ~1 us items (flow.ordered.1us.2,
// flow.ordered.1us.4, flow.ordered.1us.16). Neither allocates per item.
package flow
