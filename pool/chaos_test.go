package pool_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/weft-dev/weft"
	"github.com/weft-dev/weft/pool"
)

// Task kinds and submission methods of the chaos test.
const (
	chaosOK = iota
	chaosPanic
	chaosFail
)

const (
	viaGo = iota
	viaSubmit
	viaCall
)

// TestChaos sends 200,000 tasks from 8 submitters through Go, Submit and
// Call, with 1% panicking, 1% failing, Submit contexts cancelled before and
// during submission, a Resize in the middle and a Close racing with the
// submitters. Every task must be accounted for exactly once: it ran, or its
// submitter got an error; and the pool's Stats and the errors it reports must
// agree with what the tasks did.
func TestChaos(t *testing.T) {
	const (
		tasks      = 200_000
		submitters = 8
	)
	p := mustNew(t, 16, pool.WithQueue(64))
	errFail := errors.New("chaos: planned failure")

	var (
		ran        [tasks]atomic.Int32
		rejected   [tasks]bool
		kinds      [tasks]int
		methods    [tasks]int
		futures    [tasks]*pool.Future[int]
		submitted  atomic.Int64
		resizeOnce sync.Once
		closeOnce  sync.Once
		closeErr   error
		closeDone  = make(chan struct{})
		wg         sync.WaitGroup
	)

	body := func(i int) error {
		ran[i].Add(1)
		switch kinds[i] {
		case chaosPanic:
			panic("chaos: planned panic")
		case chaosFail:
			return errFail
		}
		return nil
	}

	for s := range submitters {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(s), 42))
			for i := s; i < tasks; i += submitters {
				switch r := rng.IntN(100); r {
				case 0:
					kinds[i] = chaosPanic
				case 1:
					kinds[i] = chaosFail
				}
				switch n := submitted.Add(1); n {
				case tasks / 2:
					resizeOnce.Do(func() {
						if err := p.Resize(3); err != nil {
							t.Error(err)
						}
						if err := p.Resize(32); err != nil {
							t.Error(err)
						}
					})
				case tasks * 3 / 4:
					closeOnce.Do(func() {
						go func() {
							closeErr = p.Close()
							close(closeDone)
						}()
					})
				}
				var err error
				switch m := rng.IntN(10); {
				case m < 4:
					methods[i] = viaGo
					err = p.Go(func() { body(i) })
				case m < 8:
					methods[i] = viaSubmit
					ctx, cancel := context.WithCancel(context.Background())
					switch rng.IntN(50) {
					case 0:
						cancel()
					case 1:
						go cancel()
					}
					err = p.Submit(ctx, func(context.Context) error { return body(i) })
					cancel()
				default:
					methods[i] = viaCall
					futures[i] = pool.Call(context.Background(), p, func(context.Context) (int, error) {
						return i, body(i)
					})
				}
				rejected[i] = err != nil
			}
		})
	}
	wg.Wait()
	<-closeDone

	var (
		accepted, nrejected      uint64
		wantFailed, wantPanicked uint64
		wantReported             int
	)
	for i := range tasks {
		r := ran[i].Load()
		if f := futures[i]; f != nil {
			v, err := f.Wait(context.Background())
			switch {
			case r == 0 && err == nil:
				t.Fatalf("task %d: its Future has no error but it never ran", i)
			case r == 0:
				rejected[i] = true
			case kinds[i] == chaosOK && (err != nil || v != i):
				t.Fatalf("task %d: Future gave (%d, %v); want (%d, nil)", i, v, err, i)
			case kinds[i] != chaosOK && err == nil:
				t.Fatalf("task %d: Future lost the task's failure", i)
			}
		}
		if j := rejected[i]; (r == 1) == j || r > 1 {
			t.Fatalf("task %d: ran %d times, rejected: %v; want exactly one of them", i, r, j)
		}
		if r == 0 {
			nrejected++
			continue
		}
		accepted++
		switch kinds[i] {
		case chaosPanic:
			wantPanicked++
			if methods[i] != viaCall {
				wantReported++
			}
		case chaosFail:
			if methods[i] != viaGo { // a Go task cannot return an error
				wantFailed++
			}
			if methods[i] == viaSubmit {
				wantReported++
			}
		}
	}

	s := p.Stats()
	if s.Submitted != accepted || s.Completed != accepted || s.Dropped != 0 || s.Rejected != nrejected {
		t.Errorf("Stats: submitted %d, completed %d, dropped %d, rejected %d; want %d, %d, 0, %d",
			s.Submitted, s.Completed, s.Dropped, s.Rejected, accepted, accepted, nrejected)
	}
	if s.Failed != wantFailed || s.Panicked != wantPanicked {
		t.Errorf("Stats: failed %d, panicked %d; want %d, %d", s.Failed, s.Panicked, wantFailed, wantPanicked)
	}
	if s.Running != 0 || s.Queued != 0 || s.Live != 0 {
		t.Errorf("Stats after Close: got %+v; want nothing running, queued or live", s)
	}
	var joined []error
	if closeErr != nil {
		joined = closeErr.(interface{ Unwrap() []error }).Unwrap()
	}
	for _, err := range joined {
		var pe *weft.PanicError
		if !errors.As(err, &pe) && !errors.Is(err, errFail) {
			t.Errorf("unexpected error from Close: %v", err)
		}
	}
	if len(joined) != wantReported {
		t.Errorf("errors reported by Close: got %d; want %d", len(joined), wantReported)
	}
	t.Logf("accepted %d, rejected %d, failed %d, panicked %d", accepted, nrejected, s.Failed, s.Panicked)
}
