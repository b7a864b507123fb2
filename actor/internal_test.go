package actor

import (
	"context"
	"testing"
	"testing/synctest"
	"time"
)

// TestGoroutineRetiresWhenIdle: the actor's goroutine exits after between
// one and two idle timeouts without a message, and the next message starts
// another, with the state kept.
func TestGoroutineRetiresWhenIdle(t *testing.T) {
	for _, mailbox := range []int{0, 4} {
		synctest.Test(t, func(t *testing.T) {
			bg := context.Background()
			a, err := New(0, WithMailbox(mailbox), WithIdleTimeout(time.Second))
			if err != nil {
				t.Fatal(err)
			}
			live := func() bool { return a.flags.Load()&goneBit == 0 }
			if live() {
				t.Fatal("a goroutine lives before the first message")
			}
			a.Do(bg, func(n *int) { *n++ })
			synctest.Wait()
			if !live() {
				t.Fatal("no goroutine after a message")
			}
			time.Sleep(999 * time.Millisecond)
			synctest.Wait()
			if !live() {
				t.Error("the goroutine retired before one idle timeout")
			}
			time.Sleep(time.Second + 2*time.Millisecond)
			synctest.Wait()
			if live() {
				t.Error("the goroutine lives after two idle timeouts")
			}
			if n, err := Ask(bg, a, func(n *int) int { *n++; return *n }); n != 2 || err != nil {
				t.Errorf("Ask after retiring: got (%d, %v); want (2, nil)", n, err)
			}
			if !live() {
				t.Error("no goroutine after a message sent to a retired actor")
			}
			if err := a.Stop(bg, Drain); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestBusyGoroutineStays: a message that runs for several idle timeouts
// does not retire the goroutine, and takes no room in the mailbox.
func TestBusyGoroutineStays(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bg := context.Background()
		a, err := New(0, WithMailbox(1), WithIdleTimeout(time.Second))
		if err != nil {
			t.Fatal(err)
		}
		gate := make(chan struct{})
		a.Do(bg, func(*int) { <-gate })
		time.Sleep(5 * time.Second)
		synctest.Wait()
		if a.flags.Load()&goneBit != 0 {
			t.Error("the goroutine retired while a message ran")
		}
		ctx, cancel := context.WithTimeout(bg, time.Second)
		defer cancel()
		if err := a.Do(ctx, func(*int) {}); err != nil {
			t.Errorf("Do into an empty mailbox of 1 behind a long message: %v", err)
		}
		close(gate)
		if err := a.Stop(bg, Drain); err != nil {
			t.Fatal(err)
		}
	})
}
