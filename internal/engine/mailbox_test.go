package engine

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// note is a test message: which sender sent it and its number among that
// sender's messages.
type note struct{ from, n int }

// TestMailboxLosesNothing sends from several goroutines at once through
// mailboxes of many sizes, powers of two or not, and checks that every
// message runs exactly once and each sender's messages run in the order it
// sent them.
func TestMailboxLosesNothing(t *testing.T) {
	for _, capacity := range []int{1, 2, 3, 5, 8, 65, 100} {
		t.Run(fmt.Sprint("cap=", capacity), func(t *testing.T) {
			const senders, each = 4, 2000
			var got [senders][]int // written by the consumer only
			m := NewMailbox(MailboxConfig[note]{
				Cap: capacity, IdleTimeout: time.Second,
				Run: func(v note) { got[v.from] = append(got[v.from], v.n) },
			})
			var wg sync.WaitGroup
			for s := range senders {
				wg.Go(func() {
					for i := range each {
						if err := m.Push(context.Background(), note{s, i}); err != nil {
							t.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			m.Stop(errStopped)
			if err := m.Retire(context.Background()); err != nil {
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

var errStopped = errors.New("stopped")

// TestMailboxCapIsExact fills a mailbox behind a running message and checks
// that it holds exactly Cap messages, the running one included, whatever
// Cap is.
func TestMailboxCapIsExact(t *testing.T) {
	for _, capacity := range []int{1, 2, 3, 4, 5, 7, 9} {
		t.Run(fmt.Sprint("cap=", capacity), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				gate := make(chan struct{})
				m := NewMailbox(MailboxConfig[func()]{Cap: capacity, IdleTimeout: time.Second, Run: func(f func()) { f() }})
				bg := context.Background()
				m.Push(bg, func() { <-gate })
				for i := 1; i < capacity; i++ {
					if err := m.Push(bg, func() {}); err != nil {
						t.Fatalf("message %d of %d: %v", i+1, capacity, err)
					}
				}
				ctx, cancel := context.WithTimeout(bg, time.Second)
				defer cancel()
				if err := m.Push(ctx, func() {}); !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("message %d into a mailbox of %d: got %v; want DeadlineExceeded", capacity+1, capacity, err)
				}
				close(gate)
				m.Stop(errStopped)
				if err := m.Retire(bg); err != nil {
					t.Fatal(err)
				}
			})
		})
	}
}

// TestMailboxGoexitGoesOn: a message whose Run calls runtime.Goexit is
// reported to Goexit, and the messages after it still run, in order.
func TestMailboxGoexitGoesOn(t *testing.T) {
	var ran, exited []int
	m := NewMailbox(MailboxConfig[int]{
		Cap: 4, IdleTimeout: time.Second,
		Run: func(v int) {
			if v%3 == 0 {
				runtime.Goexit()
			}
			ran = append(ran, v)
		},
		Goexit: func(v int) { exited = append(exited, v) },
	})
	for i := range 10 {
		if err := m.Push(context.Background(), i); err != nil {
			t.Fatal(err)
		}
	}
	m.Stop(errStopped)
	if err := m.Retire(context.Background()); err != nil {
		t.Fatal(err)
	}
	if want := []int{1, 2, 4, 5, 7, 8}; !slices.Equal(ran, want) {
		t.Errorf("ran: got %v; want %v", ran, want)
	}
	if want := []int{0, 3, 6, 9}; !slices.Equal(exited, want) {
		t.Errorf("reported to Goexit: got %v; want %v", exited, want)
	}
}

// TestMailboxStopWakesBlockedSenders: senders blocked on a full mailbox
// return the stop error when it stops; Drop then hands back the queued
// messages in order, and none of them runs.
func TestMailboxStopWakesBlockedSenders(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bg := context.Background()
		gate := make(chan struct{})
		var ran []int
		m := NewMailbox(MailboxConfig[int]{
			Cap: 3, IdleTimeout: time.Second,
			Run: func(v int) {
				if v == 0 {
					<-gate
				}
				ran = append(ran, v)
			},
		})
		for i := range 3 {
			m.Push(bg, i)
		}
		errs := make(chan error, 5)
		for i := range 5 {
			go func() { errs <- m.Push(bg, 10+i) }()
		}
		synctest.Wait() // every sender is blocked
		m.Stop(errStopped)
		for range 5 {
			if err := <-errs; err != errStopped {
				t.Errorf("blocked sender: got %v; want the stop error", err)
			}
		}
		var dropped []int
		m.Drop(func(vs []int) { dropped = append(dropped, vs...) })
		if want := []int{1, 2}; !slices.Equal(dropped, want) {
			t.Errorf("dropped: got %v; want %v", dropped, want)
		}
		close(gate)
		if err := m.Retire(bg); err != nil {
			t.Fatal(err)
		}
		if want := []int{0}; !slices.Equal(ran, want) {
			t.Errorf("ran: got %v; want %v", ran, want)
		}
		if err := m.Push(bg, 99); err != errStopped {
			t.Errorf("Push after Stop: got %v; want the stop error", err)
		}
	})
}

// TestMailboxBlockedSenderGivesUp: a sender whose context ends while it waits
// for room leaves, and the wake-up meant for the senders still waiting is not
// lost.
func TestMailboxBlockedSenderGivesUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bg := context.Background()
		gate := make(chan struct{})
		var ran atomic.Int64
		m := NewMailbox(MailboxConfig[func()]{Cap: 1, IdleTimeout: time.Second, Run: func(f func()) { f() }})
		m.Push(bg, func() { <-gate })
		ctx, cancel := context.WithCancel(bg)
		quit := make(chan error)
		go func() { quit <- m.Push(ctx, func() { ran.Add(100) }) }()
		stay := make(chan error)
		go func() { stay <- m.Push(bg, func() { ran.Add(1) }) }()
		synctest.Wait()
		cancel()
		if err := <-quit; err != context.Canceled {
			t.Errorf("cancelled sender: got %v; want context.Canceled", err)
		}
		close(gate)
		if err := <-stay; err != nil {
			t.Errorf("waiting sender: got %v; want nil", err)
		}
		m.Stop(errStopped)
		m.Retire(bg)
		if got := ran.Load(); got != 1 {
			t.Errorf("ran: got %d; want only the waiting sender's message (1)", got)
		}
	})
}

// TestMailboxConsumerRetiresWhenIdle: the consumer goroutine exits after
// between one and two idle timeouts without a message, and the next message
// starts another.
func TestMailboxConsumerRetiresWhenIdle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bg := context.Background()
		var ran atomic.Int64
		m := NewMailbox(MailboxConfig[func()]{Cap: 4, IdleTimeout: time.Second, Run: func(f func()) { f() }})
		m.Push(bg, func() { ran.Add(1) })
		synctest.Wait()
		if s := m.state.Load(); s != parked {
			t.Fatalf("state after a message: got %d; want parked (%d)", s, parked)
		}
		time.Sleep(999 * time.Millisecond)
		synctest.Wait()
		if s := m.state.Load(); s != parked {
			t.Errorf("state before one idle timeout: got %d; want parked (%d)", s, parked)
		}
		time.Sleep(time.Second + 2*time.Millisecond)
		synctest.Wait()
		if s := m.state.Load(); s != gone {
			t.Errorf("state after two idle timeouts: got %d; want gone (%d)", s, gone)
		}
		m.Push(bg, func() { ran.Add(1) })
		m.Stop(errStopped)
		if err := m.Retire(bg); err != nil {
			t.Fatal(err)
		}
		if got := ran.Load(); got != 2 {
			t.Errorf("ran: got %d; want 2", got)
		}
	})
}

// TestMailboxRetireHonoursCtx: Retire returns ctx.Err() while a message
// runs, and a later Retire waits for the end.
func TestMailboxRetireHonoursCtx(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bg := context.Background()
		gate := make(chan struct{})
		m := NewMailbox(MailboxConfig[func()]{Cap: 2, IdleTimeout: time.Second, Run: func(f func()) { f() }})
		m.Push(bg, func() { <-gate })
		m.Stop(errStopped)
		ctx, cancel := context.WithTimeout(bg, time.Second)
		defer cancel()
		if err := m.Retire(ctx); err != context.DeadlineExceeded {
			t.Errorf("Retire: got %v; want DeadlineExceeded", err)
		}
		close(gate)
		if err := m.Retire(bg); err != nil {
			t.Errorf("second Retire: %v", err)
		}
	})
}

// TestMailboxRetireWithoutMessages: a stopped mailbox that never had a
// message retires at once.
func TestMailboxRetireWithoutMessages(t *testing.T) {
	m := NewMailbox(MailboxConfig[int]{Cap: 1, IdleTimeout: time.Second, Run: func(int) {}})
	m.Stop(errStopped)
	if err := m.Retire(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// FuzzMailbox sends the messages the input describes from several goroutines
// through a mailbox of the size it names, with messages that call
// runtime.Goexit among them, and checks that every message is run or
// reported exactly once.
func FuzzMailbox(f *testing.F) {
	f.Add(uint8(1), uint8(2), []byte{0, 1, 2, 3, 4, 5, 6, 7})
	f.Add(uint8(5), uint8(3), []byte{9, 9, 9, 0, 0, 0, 1})
	f.Add(uint8(64), uint8(4), make([]byte, 300))
	f.Fuzz(func(t *testing.T, capacity, senders uint8, msgs []byte) {
		if capacity == 0 || senders == 0 || senders > 8 || len(msgs) > 4096 {
			t.Skip()
		}
		seen := make([]int, len(msgs)) // written by the consumer only
		m := NewMailbox(MailboxConfig[int]{
			Cap: int(capacity), IdleTimeout: time.Second,
			Run: func(i int) {
				seen[i]++
				if msgs[i]%7 == 0 {
					runtime.Goexit()
				}
			},
			Goexit: func(i int) { seen[i] += 10 },
		})
		var wg sync.WaitGroup
		for s := range int(senders) {
			wg.Go(func() {
				for i := s; i < len(msgs); i += int(senders) {
					if err := m.Push(context.Background(), i); err != nil {
						t.Error(err)
					}
				}
			})
		}
		wg.Wait()
		m.Stop(errStopped)
		if err := m.Retire(context.Background()); err != nil {
			t.Fatal(err)
		}
		for i, n := range seen {
			want := 1
			if msgs[i]%7 == 0 {
				want = 11
			}
			if n != want {
				t.Fatalf("message %d: run/reported %d; want %d", i, n, want)
			}
		}
	})
}
