package actor_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"github.com/weft-dev/weft"
	"github.com/weft-dev/weft/actor"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func mustNew[S any](t *testing.T, s S, opts ...actor.Option) *actor.Actor[S] {
	t.Helper()
	a, err := actor.New(s, opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return a
}

func TestNewRejectsBadConfig(t *testing.T) {
	tests := []struct {
		opt  actor.Option
		want string
	}{
		{actor.WithMailbox(-1), "actor: mailbox must be >= 0, got -1"},
		{actor.WithMailbox(actor.MaxMailbox + 1), "actor: mailbox must be <= 1048576 (actor.MaxMailbox), got 1048577"},
		{actor.WithIdleTimeout(-time.Second), "actor: idle timeout must be > 0, got -1s"},
		{nil, "actor: option must not be nil"},
	}
	for _, tt := range tests {
		if _, err := actor.New(0, tt.opt); err == nil || err.Error() != tt.want {
			t.Errorf("New: got %v; want %q", err, tt.want)
		}
	}
}

func TestCounterFromManyGoroutines(t *testing.T) {
	ctx := context.Background()
	a := mustNew(t, 0)
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			for range 1000 {
				if err := a.Do(ctx, func(n *int) { *n++ }); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	got, err := actor.Ask(ctx, a, func(n *int) int { return *n })
	if err != nil || got != 10_000 {
		t.Errorf("Ask: got (%d, %v); want (10000, nil)", got, err)
	}
	if err := a.Stop(ctx, actor.Drain); err != nil {
		t.Errorf("Stop: %v", err)
	}
}

func TestMessagesRunInOrder(t *testing.T) {
	ctx := context.Background()
	a := mustNew(t, []int(nil), actor.WithMailbox(4))
	for i := range 100 {
		a.Do(ctx, func(s *[]int) { *s = append(*s, i) })
	}
	got, _ := actor.Ask(ctx, a, func(s *[]int) []int { return append([]int(nil), *s...) })
	for i, v := range got {
		if v != i {
			t.Fatalf("message %d ran as %d; want mailbox order", i, v)
		}
	}
	if len(got) != 100 {
		t.Errorf("messages run: got %d; want 100", len(got))
	}
	a.Stop(ctx, actor.Drain)
}

func TestPanicsAreReportedAndTheActorGoesOn(t *testing.T) {
	ctx := context.Background()
	a := mustNew(t, 0)
	_, err := actor.Ask(ctx, a, func(*int) int { panic("in ask") })
	var pe *weft.PanicError
	if !errors.As(err, &pe) || pe.Value != "in ask" {
		t.Errorf("Ask: got %v; want a *weft.PanicError", err)
	}
	a.Do(ctx, func(*int) { panic("in do") })
	a.Do(ctx, func(n *int) { *n = 7 })
	if got, err := actor.Ask(ctx, a, func(n *int) int { return *n }); got != 7 || err != nil {
		t.Errorf("Ask after panics: got (%d, %v); want (7, nil)", got, err)
	}
	err = a.Stop(ctx, actor.Drain)
	if !errors.As(err, &pe) || pe.Value != "in do" {
		t.Errorf("Stop: got %v; want the Do panic", err)
	}
}

func TestStopDrain(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		a := mustNew(t, 0)
		gate := make(chan struct{})
		a.Do(ctx, func(*int) { <-gate })
		for range 5 {
			a.Do(ctx, func(n *int) { *n++ })
		}
		var asked int
		var askErr error
		done := make(chan struct{})
		go func() {
			asked, askErr = actor.Ask(ctx, a, func(n *int) int { return *n })
			close(done)
		}()
		synctest.Wait()
		stopped := make(chan error)
		go func() { stopped <- a.Stop(ctx, actor.Drain) }()
		synctest.Wait()
		if err := a.Do(ctx, func(*int) {}); !errors.Is(err, actor.ErrStopped) {
			t.Errorf("Do after Stop: got %v; want ErrStopped", err)
		}
		close(gate)
		if err := <-stopped; err != nil {
			t.Errorf("Stop: %v", err)
		}
		<-done
		if asked != 5 || askErr != nil {
			t.Errorf("Ask drained by Stop: got (%d, %v); want (5, nil)", asked, askErr)
		}
	})
}

func TestStopRejectReportsEveryMessage(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		a := mustNew(t, 0)
		gate := make(chan struct{})
		a.Do(ctx, func(*int) { <-gate })
		var ran atomic.Int64
		for range 3 {
			a.Do(ctx, func(*int) { ran.Add(1) })
		}
		askErr := make(chan error)
		go func() {
			_, err := actor.Ask(ctx, a, func(*int) int { ran.Add(1); return 0 })
			askErr <- err
		}()
		synctest.Wait()
		stopped := make(chan error)
		go func() { stopped <- a.Stop(ctx, actor.Reject) }()
		if err := <-askErr; !errors.Is(err, actor.ErrStopped) {
			t.Errorf("rejected Ask: got %v; want ErrStopped", err)
		}
		close(gate)
		err := <-stopped
		if !errors.Is(err, actor.ErrStopped) || !strings.Contains(err.Error(), "3 queued Do messages rejected") {
			t.Errorf("Stop: got %v; want 3 Do messages reported as rejected", err)
		}
		if ran.Load() != 0 {
			t.Errorf("%d rejected messages ran", ran.Load())
		}
	})
}

func TestAskAbandonedBeforeItStartsNeverRuns(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a := mustNew(t, 0)
		gate := make(chan struct{})
		a.Do(context.Background(), func(*int) { <-gate })
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		var ran atomic.Bool
		_, err := actor.Ask(ctx, a, func(*int) int { ran.Store(true); return 1 })
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Ask: got %v; want DeadlineExceeded", err)
		}
		close(gate)
		a.Stop(context.Background(), actor.Drain)
		if ran.Load() {
			t.Error("an abandoned Ask ran")
		}
	})
}

func TestDoBlocksWhileTheMailboxIsFull(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a := mustNew(t, 0, actor.WithMailbox(1))
		gate := make(chan struct{})
		bg := context.Background()
		a.Do(bg, func(*int) { <-gate })
		synctest.Wait()
		a.Do(bg, func(*int) {}) // fills the mailbox
		ctx, cancel := context.WithTimeout(bg, time.Second)
		defer cancel()
		start := time.Now()
		if err := a.Do(ctx, func(*int) {}); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Do with a full mailbox: got %v; want DeadlineExceeded", err)
		}
		if d := time.Since(start); d != time.Second {
			t.Errorf("Do waited %v; want 1s", d)
		}
		close(gate)
		a.Stop(bg, actor.Drain)
	})
}

func TestStopHonoursCtx(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a := mustNew(t, 0)
		gate := make(chan struct{})
		a.Do(context.Background(), func(*int) { <-gate })
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if err := a.Stop(ctx, actor.Drain); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Stop: got %v; want DeadlineExceeded", err)
		}
		close(gate)
		if err := a.Stop(context.Background(), actor.Drain); err != nil {
			t.Errorf("second Stop: %v", err)
		}
	})
}

func TestGoexitInAsk(t *testing.T) {
	ctx := context.Background()
	a := mustNew(t, 0)
	if _, err := actor.Ask(ctx, a, func(*int) int { runtime.Goexit(); return 0 }); !errors.Is(err, weft.ErrGoexit) {
		t.Errorf("Ask: got %v; want ErrGoexit", err)
	}
	if got, err := actor.Ask(ctx, a, func(n *int) int { return *n + 1 }); got != 1 || err != nil {
		t.Errorf("Ask after Goexit: got (%d, %v); want (1, nil)", got, err)
	}
	a.Stop(ctx, actor.Drain)
}

func TestNilArguments(t *testing.T) {
	a := mustNew(t, 0)
	defer a.Stop(context.Background(), actor.Drain)
	if err := a.Do(context.Background(), nil); err == nil {
		t.Error("Do(nil): got nil error")
	}
	if _, err := actor.Ask[int, int](context.Background(), a, nil); err == nil {
		t.Error("Ask(nil): got nil error")
	}
	if err := a.Do(nil, func(*int) {}); err == nil { //nolint:staticcheck // the point of the test
		t.Error("Do with a nil context: got nil error")
	}
}

// Example shows the counter goroutine: one goroutine owns count, and every
// other goroutine changes or reads it by sending it a function.
func Example() {
	ctx := context.Background()
	counter, err := actor.New(0)
	if err != nil {
		fmt.Println(err)
		return
	}
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			for range 100 {
				counter.Do(ctx, func(count *int) { *count++ })
			}
		})
	}
	wg.Wait()
	count, err := actor.Ask(ctx, counter, func(count *int) int { return *count })
	fmt.Println(count, err)
	fmt.Println(counter.Stop(ctx, actor.Drain))
	// Output:
	// 300 <nil>
	// <nil>
}

// TestStopWhileSendersWaitForRoom: senders blocked on a full mailbox get
// ErrStopped when Stop begins; with Drain every message accepted before runs,
// with Reject none does and each is reported.
func TestStopWhileSendersWaitForRoom(t *testing.T) {
	for _, mode := range []actor.StopMode{actor.Drain, actor.Reject} {
		synctest.Test(t, func(t *testing.T) {
			ctx := context.Background()
			a := mustNew(t, 0, actor.WithMailbox(2))
			gate := make(chan struct{})
			var ran atomic.Int64
			a.Do(ctx, func(*int) { <-gate })
			for range 2 {
				if err := a.Do(ctx, func(*int) { ran.Add(1) }); err != nil {
					t.Fatal(err)
				}
			}
			blocked := make(chan error, 4)
			for range 4 {
				go func() { blocked <- a.Do(ctx, func(*int) { ran.Add(100) }) }()
			}
			synctest.Wait() // the 4 senders wait for room
			stopped := make(chan error)
			go func() { stopped <- a.Stop(ctx, mode) }()
			for range 4 {
				if err := <-blocked; !errors.Is(err, actor.ErrStopped) {
					t.Errorf("blocked Do: got %v; want ErrStopped", err)
				}
			}
			close(gate)
			err := <-stopped
			want := int64(2)
			if mode == actor.Reject {
				want = 0
				if !errors.Is(err, actor.ErrStopped) || !strings.Contains(err.Error(), "2 queued Do messages rejected") {
					t.Errorf("Stop(Reject): got %v; want 2 Do messages reported as rejected", err)
				}
			} else if err != nil {
				t.Errorf("Stop(Drain): %v", err)
			}
			if got := ran.Load(); got != want {
				t.Errorf("mode %d: ran %d; want %d (only the messages accepted before Stop)", mode, got, want)
			}
			if _, err := actor.Ask(ctx, a, func(n *int) int { return *n }); !errors.Is(err, actor.ErrStopped) {
				t.Errorf("Ask after Stop: got %v; want ErrStopped", err)
			}
		})
	}
}

// TestGoexitInDoGoesOn: a Do message that calls runtime.Goexit is reported
// by Stop, and the messages queued behind it still run, in order.
func TestGoexitInDoGoesOn(t *testing.T) {
	ctx := context.Background()
	a := mustNew(t, []int(nil), actor.WithMailbox(8))
	for i := range 6 {
		a.Do(ctx, func(s *[]int) {
			if i%2 == 0 {
				runtime.Goexit()
			}
			*s = append(*s, i)
		})
	}
	got, err := actor.Ask(ctx, a, func(s *[]int) []int { return append([]int(nil), *s...) })
	if err != nil || fmt.Sprint(got) != "[1 3 5]" {
		t.Errorf("Ask: got (%v, %v); want ([1 3 5], nil)", got, err)
	}
	err = a.Stop(ctx, actor.Drain)
	if !errors.Is(err, weft.ErrGoexit) || strings.Count(err.Error(), weft.ErrGoexit.Error()) != 3 {
		t.Errorf("Stop: got %v; want three ErrGoexit", err)
	}
}

// TestStopRacesSenders sends Do and Ask messages from many goroutines while
// Stop runs, in both modes and with mailboxes of several sizes, and counts
// what happened to each message: it ran exactly once and its sender was
// told nil, or it never ran and its sender was told ErrStopped, or (Reject
// only) its Do sender was told nil and Stop counted it as rejected. Never
// both, never neither.
func TestStopRacesSenders(t *testing.T) {
	rounds := 30
	if testing.Short() {
		rounds = 5
	}
	for _, mailbox := range []int{0, 1, 4, 64} {
		for _, mode := range []actor.StopMode{actor.Drain, actor.Reject} {
			t.Run(fmt.Sprintf("mailbox=%d/mode=%d", mailbox, mode), func(t *testing.T) {
				for r := range rounds {
					stopRace(t, mailbox, mode, int64(1+r*97%600), false)
				}
			})
		}
	}
}

// TestStopRacesCancelledAsks is TestStopRacesSenders with every Ask's
// context cancelled by another goroutine while the Ask is under way,
// so that giving up races the Ask's run, Stop's rejection of the Asks the
// actor has taken, and the reuse of requests: an Ask that ran returns its
// result, and one that did not run returns ErrStopped or its context's
// error, never both and never neither.
func TestStopRacesCancelledAsks(t *testing.T) {
	rounds := 15
	if testing.Short() {
		rounds = 3
	}
	for _, mailbox := range []int{0, 4, 64} {
		for _, mode := range []actor.StopMode{actor.Drain, actor.Reject} {
			t.Run(fmt.Sprintf("mailbox=%d/mode=%d", mailbox, mode), func(t *testing.T) {
				for r := range rounds {
					stopRace(t, mailbox, mode, int64(1+r*97%600), true)
				}
			})
		}
	}
}

// stopRace runs one race: Stop begins once after messages have been sent.
// With cancel, each Ask's context is cancelled by another goroutine, when
// the next Ask begins.
func stopRace(t *testing.T, mailbox int, mode actor.StopMode, after int64, cancel bool) {
	const senders, each = 6, 200
	ctx := context.Background()
	cancels := make(chan context.CancelFunc, senders)
	done := make(chan struct{})
	go func() {
		// Each context is cancelled when the next Ask begins, any
		// sender's: some Asks run first, some are given up first.
		defer close(done)
		var last context.CancelFunc
		for c := range cancels {
			if last != nil {
				last()
			}
			last = c
		}
		if last != nil {
			last()
		}
	}()
	defer func() { close(cancels); <-done }()
	a := mustNew(t, 0, actor.WithMailbox(mailbox))
	var ran [senders * each]atomic.Int32
	var told [senders * each]error
	var wg sync.WaitGroup
	var sent atomic.Int64
	ready := make(chan struct{})
	for s := range senders {
		wg.Go(func() {
			for i := range each {
				if sent.Add(1) == after {
					close(ready)
				}
				id := s*each + i
				if i%5 == 4 {
					actx := ctx
					if cancel {
						var c context.CancelFunc
						actx, c = context.WithCancel(ctx)
						cancels <- c
					}
					var got int
					got, told[id] = actor.Ask(actx, a, func(*int) int { ran[id].Add(1); return id })
					if told[id] == nil && got != id {
						t.Errorf("Ask %d answered %d", id, got)
					}
				} else {
					told[id] = a.Do(ctx, func(*int) { ran[id].Add(1) })
				}
			}
		})
	}
	<-ready
	stopErr := a.Stop(ctx, mode)
	wg.Wait()
	rejected := 0
	if stopErr != nil {
		if !errors.Is(stopErr, actor.ErrStopped) {
			t.Fatalf("Stop: %v", stopErr)
		}
		if _, err := fmt.Sscanf(stopErr.Error(), "actor: stopped: %d queued Do messages rejected", &rejected); err != nil {
			t.Fatalf("Stop: %v", stopErr)
		}
	}
	unrun := 0
	for id := range ran {
		n, err := ran[id].Load(), told[id]
		switch {
		case n > 1:
			t.Fatalf("message %d ran %d times", id, n)
		case n == 1 && err != nil:
			t.Fatalf("message %d ran, and its sender was told %v", id, err)
		case n == 0 && err == nil && id%each%5 == 4:
			t.Fatalf("Ask %d never ran, and its sender was told nil", id)
		case n == 0 && err == nil:
			unrun++ // a Do that Stop must have counted as rejected
		case n == 0 && cancel && id%each%5 == 4 && errors.Is(err, context.Canceled):
			// an Ask given up before it ran
		case n == 0 && !errors.Is(err, actor.ErrStopped):
			t.Fatalf("message %d never ran, and its sender was told %v; want ErrStopped", id, err)
		}
	}
	if mode == actor.Drain && unrun > 0 {
		t.Fatalf("Drain: %d Do messages accepted and never run", unrun)
	}
	if unrun != rejected {
		t.Fatalf("%d Do messages accepted and never run; Stop reported %d rejected", unrun, rejected)
	}
}

// TestSendersLoseNothing sends from several goroutines at once through
// mailboxes of several sizes, with the actor's goroutine retiring often,
// and checks that every message runs exactly once, each sender's in the
// order it sent them.
func TestSendersLoseNothing(t *testing.T) {
	for _, mailbox := range []int{0, 1, 3, 64} {
		t.Run(fmt.Sprint("mailbox=", mailbox), func(t *testing.T) {
			const senders, each = 4, 2000
			ctx := context.Background()
			a := mustNew(t, [senders][]int{}, actor.WithMailbox(mailbox), actor.WithIdleTimeout(time.Microsecond))
			var wg sync.WaitGroup
			for s := range senders {
				wg.Go(func() {
					for i := range each {
						if err := a.Do(ctx, func(got *[senders][]int) { got[s] = append(got[s], i) }); err != nil {
							t.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			got, err := actor.Ask(ctx, a, func(got *[senders][]int) [senders][]int { return *got })
			if err != nil {
				t.Fatal(err)
			}
			if err := a.Stop(ctx, actor.Drain); err != nil {
				t.Fatal(err)
			}
			for s := range senders {
				if len(got[s]) != each {
					t.Errorf("sender %d: %d messages ran; want %d", s, len(got[s]), each)
				}
				for i, n := range got[s] {
					if n != i {
						t.Errorf("sender %d: message %d ran as number %d; want send order", s, i, n)
						break
					}
				}
			}
		})
	}
}

// TestMailboxCapIsExact fills a mailbox behind a running message and checks
// that it holds exactly the capacity asked for, whatever it is: with 0, a
// message is accepted only when the actor is free to run it.
func TestMailboxCapIsExact(t *testing.T) {
	for _, mailbox := range []int{0, 1, 2, 5} {
		t.Run(fmt.Sprint("mailbox=", mailbox), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				bg := context.Background()
				a := mustNew(t, 0, actor.WithMailbox(mailbox))
				gate := make(chan struct{})
				if err := a.Do(bg, func(*int) { <-gate }); err != nil {
					t.Fatal(err)
				}
				synctest.Wait() // the first message runs
				for i := range mailbox {
					if err := a.Do(bg, func(*int) {}); err != nil {
						t.Fatalf("message %d of %d: %v", i+1, mailbox, err)
					}
				}
				ctx, cancel := context.WithTimeout(bg, time.Second)
				defer cancel()
				if err := a.Do(ctx, func(*int) {}); !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("message beyond a mailbox of %d: got %v; want DeadlineExceeded", mailbox, err)
				}
				close(gate)
				if err := a.Stop(bg, actor.Drain); err != nil {
					t.Fatal(err)
				}
			})
		})
	}
}

// TestBlockedSenderGivesUp: a sender whose context ends while it waits for
// room leaves without its message running, and the sender still waiting
// gets in.
func TestBlockedSenderGivesUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bg := context.Background()
		a := mustNew(t, 0, actor.WithMailbox(0))
		gate := make(chan struct{})
		a.Do(bg, func(*int) { <-gate })
		synctest.Wait()
		ctx, cancel := context.WithCancel(bg)
		quit := make(chan error)
		go func() { quit <- a.Do(ctx, func(n *int) { *n += 100 }) }()
		stay := make(chan error)
		go func() { stay <- a.Do(bg, func(n *int) { *n++ }) }()
		synctest.Wait()
		cancel()
		if err := <-quit; !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled sender: got %v; want context.Canceled", err)
		}
		close(gate)
		if err := <-stay; err != nil {
			t.Errorf("waiting sender: got %v; want nil", err)
		}
		if n, err := actor.Ask(bg, a, func(n *int) int { return *n }); n != 1 || err != nil {
			t.Errorf("Ask: got (%d, %v); want only the waiting sender's message to have run (1, nil)", n, err)
		}
		a.Stop(bg, actor.Drain)
	})
}

// TestStopWithoutMessages: an actor that never had a message stops at once.
func TestStopWithoutMessages(t *testing.T) {
	for _, mode := range []actor.StopMode{actor.Drain, actor.Reject} {
		a := mustNew(t, 0)
		if err := a.Stop(context.Background(), mode); err != nil {
			t.Errorf("Stop(%d): %v", mode, err)
		}
	}
}

// TestAskAbandonedManyTimes gives up on Asks while the actor is busy, again
// and again, and checks that no abandoned function runs and every Ask that
// was answered got its own answer.
func TestAskAbandonedManyTimes(t *testing.T) {
	bg := context.Background()
	a := mustNew(t, 0, actor.WithMailbox(8))
	var abandonedRan atomic.Int64
	for i := range 200 {
		if i%2 == 0 {
			gate := make(chan struct{})
			a.Do(bg, func(*int) { <-gate })
			ctx, cancel := context.WithCancel(bg)
			cancel()
			go func() { close(gate) }()
			_, err := actor.Ask(ctx, a, func(*int) int { abandonedRan.Add(1); return -1 })
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("Ask %d with an ended context: got %v; want context.Canceled", i, err)
			}
			continue
		}
		ctx, cancel := context.WithCancel(bg)
		got, err := actor.Ask(ctx, a, func(n *int) int { *n++; return i })
		cancel()
		if got != i || err != nil {
			t.Fatalf("Ask %d: got (%d, %v); want (%d, nil)", i, got, err, i)
		}
	}
	if n, _ := actor.Ask(bg, a, func(n *int) int { return *n }); n != 100 {
		t.Errorf("state: got %d; want 100 answered Asks", n)
	}
	a.Stop(bg, actor.Drain)
	if abandonedRan.Load() != 0 {
		t.Errorf("%d abandoned Asks ran", abandonedRan.Load())
	}
}

// TestRoomComesBackWhileABatchRuns: the goroutine takes every queued
// message at once, and gives their room back to blocked senders half a
// mailbox at a time, not only once it has run them all. Behind a message
// that blocks, the mailbox still holds exactly its capacity.
func TestRoomComesBackWhileABatchRuns(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bg := context.Background()
		a := mustNew(t, 0, actor.WithMailbox(4))
		first, gate := make(chan struct{}), make(chan struct{})
		a.Do(bg, func(*int) { <-first })
		synctest.Wait() // the first message runs alone
		for i := range 4 {
			f := func(*int) {}
			if i == 2 {
				f = func(*int) { <-gate }
			}
			if err := a.Do(bg, f); err != nil {
				t.Fatal(err)
			}
		}
		var in atomic.Int64
		errs := make(chan error, 4)
		for range 4 {
			go func() {
				err := a.Do(bg, func(*int) {})
				in.Add(1)
				errs <- err
			}()
		}
		synctest.Wait() // 4 senders wait for room
		if n := in.Load(); n != 0 {
			t.Fatalf("%d senders got into a full mailbox", n)
		}
		close(first)
		// The goroutine takes the 4 queued messages (room for 1 sender),
		// runs 2 of them, gives their room back (2 more) and blocks on the
		// third: 1 running, 1 taken and 3 queued make 5, a mailbox of 4
		// plus the running message.
		synctest.Wait()
		if n := in.Load(); n != 3 {
			t.Errorf("%d blocked senders got in while the batch ran; want 3", n)
		}
		close(gate)
		for range 4 {
			if err := <-errs; err != nil {
				t.Error(err)
			}
		}
		if err := a.Stop(bg, actor.Drain); err != nil {
			t.Fatal(err)
		}
	})
}

// TestStopRejectAnswersTakenAsks: an Ask the goroutine has taken behind a
// message that blocks is answered with ErrStopped by Stop(Reject) at once,
// not when the blocking message returns, and never runs.
func TestStopRejectAnswersTakenAsks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bg := context.Background()
		a := mustNew(t, 0)
		first, gate := make(chan struct{}), make(chan struct{})
		a.Do(bg, func(*int) { <-first })
		synctest.Wait()
		a.Do(bg, func(*int) { <-gate })
		asked := make(chan error)
		go func() {
			_, err := actor.Ask(bg, a, func(n *int) int { *n = -1; return 0 })
			asked <- err
		}()
		synctest.Wait()
		close(first)
		synctest.Wait() // the goroutine took the gate and the Ask, and blocks
		stopped := make(chan error)
		go func() { stopped <- a.Stop(bg, actor.Reject) }()
		select {
		case err := <-asked:
			if !errors.Is(err, actor.ErrStopped) {
				t.Errorf("Ask taken behind a blocked message: got %v; want ErrStopped", err)
			}
		case <-time.After(time.Hour):
			t.Error("Ask taken behind a blocked message: no answer from Stop(Reject) while the message blocks")
			close(gate)
			<-asked
			<-stopped
			return
		}
		close(gate)
		if err := <-stopped; err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
}
