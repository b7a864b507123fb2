package engine

import (
	"context"
	"runtime"
	"slices"
	"sync"
	"testing"
)

// TestDropTakesTheRestOfABatch: with Batch above 1, a worker takes several
// queued tasks at once; Drop must still remove, in order, those it has not
// started, and none of them may run.
func TestDropTakesTheRestOfABatch(t *testing.T) {
	var (
		mu      sync.Mutex
		ran     []int
		started = make(chan struct{})
		release = make(chan struct{})
	)
	e := New(Config[int]{Workers: 1, Queue: 8, Batch: 8, IdleTimeout: 1 << 40, Run: func(i int) {
		if i == 0 {
			close(started)
			<-release
		}
		mu.Lock()
		ran = append(ran, i)
		mu.Unlock()
	}})
	// Hold the lock while queueing, so that the worker takes all five
	// tasks as one batch.
	e.mu.Lock()
	for i := range 5 {
		e.q.push(i, e.slots())
		e.submitted++
	}
	e.signal(e.wakeLater())
	e.mu.Unlock()
	<-started
	var dropped []int
	e.Drop(func(ts []int) { dropped = append(dropped, ts...) })
	if want := []int{1, 2, 3, 4}; !slices.Equal(dropped, want) {
		t.Errorf("dropped %v; want %v", dropped, want)
	}
	close(release)
	if err := e.WaitQuiet(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.Retire(context.Background(), false)
	if want := []int{0}; !slices.Equal(ran, want) {
		t.Errorf("ran %v; want %v", ran, want)
	}
	if s := e.Stats(); s.Completed != 1 || s.Dropped != 4 || s.Running != 0 {
		t.Errorf("stats %+v; want 1 completed, 4 dropped, 0 running", s)
	}
}

// TestGoexitInABatchRunsTheRest: a task of a batch that calls
// runtime.Goexit ends its worker; the tasks after it in the batch go back to
// the head of the queue and run, in order, on a new worker.
func TestGoexitInABatchRunsTheRest(t *testing.T) {
	var (
		mu     sync.Mutex
		ran    []int
		exited []int
	)
	e := New(Config[int]{Workers: 1, Queue: 8, Batch: 8, IdleTimeout: 1 << 40,
		Run: func(i int) {
			if i == 1 {
				runtime.Goexit()
			}
			mu.Lock()
			ran = append(ran, i)
			mu.Unlock()
		},
		Goexit: func(i int) { exited = append(exited, i) },
	})
	e.mu.Lock()
	for i := range 5 {
		e.q.push(i, e.slots())
		e.submitted++
	}
	e.signal(e.wakeLater())
	e.mu.Unlock()
	if err := e.WaitQuiet(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.Retire(context.Background(), false)
	if want := []int{0, 2, 3, 4}; !slices.Equal(ran, want) {
		t.Errorf("ran %v; want %v", ran, want)
	}
	if want := []int{1}; !slices.Equal(exited, want) {
		t.Errorf("Goexit reported for %v; want %v", exited, want)
	}
	if s := e.Stats(); s.Completed != 5 || s.Running != 0 || s.Live != 0 {
		t.Errorf("stats %+v; want 5 completed, none running, no worker", s)
	}
}

// TestBatchKeepsTheQueueBound: tasks a worker holds in its batch still count
// against the queue, so that at most Queue+Workers tasks are accepted and not
// finished at any moment.
func TestBatchKeepsTheQueueBound(t *testing.T) {
	release := make(chan struct{})
	e := New(Config[int]{Workers: 1, Queue: 4, Batch: 8, IdleTimeout: 1 << 40, Run: func(int) { <-release }})
	accepted := 0
	for range 20 {
		if e.Push(context.Background(), 0, false) == nil {
			accepted++
		}
	}
	if accepted != 5 {
		t.Errorf("accepted %d tasks with a blocked worker; want 5 (queue 4 + 1 worker)", accepted)
	}
	close(release)
	e.WaitQuiet(context.Background())
	e.Retire(context.Background(), false)
}

// TestBatchesLoseNothing: with several workers taking batches, and free
// workers taking tasks from others' batches, every task runs exactly once.
func TestBatchesLoseNothing(t *testing.T) {
	const tasks = 20_000
	var (
		mu   sync.Mutex
		runs [tasks]int
	)
	e := New(Config[int]{Workers: 4, Queue: 64, Batch: 8, IdleTimeout: 1 << 40, Run: func(i int) {
		mu.Lock()
		runs[i]++
		mu.Unlock()
	}})
	for i := range tasks {
		if err := e.Push(context.Background(), i, true); err != nil {
			t.Fatal(err)
		}
	}
	e.WaitQuiet(context.Background())
	e.Retire(context.Background(), false)
	for i, n := range runs {
		if n != 1 {
			t.Fatalf("task %d ran %d times; want 1", i, n)
		}
	}
	if s := e.Stats(); s.Completed != tasks || s.Running != 0 || s.Queued != 0 {
		t.Errorf("stats %+v; want %d completed, none running or queued", s, tasks)
	}
}

// TestManySubmittersKeepTheirOrder: 100 goroutines push at once into a
// small queue served by one worker, so that submitters find the lock held,
// yield, block for room and are woken, while the worker takes batches; each
// submitter's tasks must run exactly once and in the order it pushed them.
func TestManySubmittersKeepTheirOrder(t *testing.T) {
	const (
		submitters = 100
		each       = 300
	)
	type task struct{ sub, seq int }
	var (
		next [submitters]int // run by the one worker: no lock needed
		bad  []task
	)
	e := New(Config[task]{Workers: 1, Queue: 16, Batch: 16, IdleTimeout: 1 << 40, Run: func(k task) {
		if k.seq != next[k.sub] {
			bad = append(bad, k)
		}
		next[k.sub] = k.seq + 1
	}})
	var wg sync.WaitGroup
	for s := range submitters {
		wg.Go(func() {
			for i := range each {
				if err := e.Push(context.Background(), task{s, i}, true); err != nil {
					t.Errorf("Push: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := e.WaitQuiet(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.Retire(context.Background(), false)
	if len(bad) > 0 {
		t.Fatalf("%d tasks ran out of their submitter's order, first %+v", len(bad), bad[0])
	}
	for s, n := range next {
		if n != each {
			t.Fatalf("submitter %d: %d tasks ran in order; want %d", s, n, each)
		}
	}
	if s := e.Stats(); s.Submitted != submitters*each || s.Completed != submitters*each {
		t.Errorf("stats %+v; want %d submitted and completed", s, submitters*each)
	}
}
