package chans_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"github.com/weft-dev/weft/chans"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func cancelled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

func TestSend(t *testing.T) {
	ch := make(chan int, 1)
	if err := chans.Send(context.Background(), ch, 1); err != nil {
		t.Fatalf("Send with room: %v", err)
	}
	// ch is full and ctx has ended: Send must not block, nor send.
	if err := chans.Send(cancelled(), ch, 2); !errors.Is(err, context.Canceled) {
		t.Errorf("Send on a full channel with an ended ctx: got %v; want Canceled", err)
	}
	<-ch
	if err := chans.Send(cancelled(), ch, 3); !errors.Is(err, context.Canceled) {
		t.Errorf("Send with room and an ended ctx: got %v; want Canceled", err)
	}
	if len(ch) != 0 {
		t.Error("Send sent although ctx had ended")
	}
}

func TestSendWaitsForCtx(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		start := time.Now()
		err := chans.Send(ctx, make(chan int), 1)
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != time.Second {
			t.Errorf("Send: got %v after %v; want DeadlineExceeded after 1s", err, time.Since(start))
		}
	})
}

func TestRecv(t *testing.T) {
	ch := make(chan string, 1)
	ch <- "v"
	tests := []struct {
		name   string
		ctx    context.Context
		wantV  string
		wantOK bool
		err    error
	}{
		{"value", context.Background(), "v", true, nil},
		{"ended ctx", cancelled(), "", false, context.Canceled},
	}
	for _, tt := range tests {
		v, ok, err := chans.Recv(tt.ctx, ch)
		if v != tt.wantV || ok != tt.wantOK || !errors.Is(err, tt.err) {
			t.Errorf("%s: got (%q, %v, %v); want (%q, %v, %v)", tt.name, v, ok, err, tt.wantV, tt.wantOK, tt.err)
		}
	}
	close(ch)
	if v, ok, err := chans.Recv(context.Background(), ch); v != "" || ok || err != nil {
		t.Errorf("closed: got (%q, %v, %v); want (\"\", false, nil)", v, ok, err)
	}
}

func TestRecvTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ch := make(chan int)
		start := time.Now()
		_, ok, err := chans.RecvTimeout(context.Background(), ch, 50*time.Millisecond)
		if !errors.Is(err, chans.ErrTimeout) || ok {
			t.Errorf("RecvTimeout: got (%v, %v); want (false, ErrTimeout)", ok, err)
		}
		if d := time.Since(start); d != 50*time.Millisecond {
			t.Errorf("RecvTimeout gave up after %v; want 50ms", d)
		}
		go func() {
			time.Sleep(10 * time.Millisecond)
			ch <- 7
		}()
		start = time.Now()
		v, ok, err := chans.RecvTimeout(context.Background(), ch, time.Second)
		if v != 7 || !ok || err != nil || time.Since(start) != 10*time.Millisecond {
			t.Errorf("RecvTimeout: got (%d, %v, %v) after %v; want (7, true, nil) after 10ms", v, ok, err, time.Since(start))
		}
		if _, _, err := chans.RecvTimeout(context.Background(), ch, 0); !errors.Is(err, chans.ErrTimeout) {
			t.Errorf("RecvTimeout(0) with nothing ready: got %v; want ErrTimeout", err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
		defer cancel()
		if _, _, err := chans.RecvTimeout(ctx, ch, time.Second); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("RecvTimeout with a shorter ctx: got %v; want DeadlineExceeded", err)
		}
	})
}

func TestOrDone(t *testing.T) {
	ch := make(chan int, 5)
	for i := range 5 {
		ch <- i
	}
	close(ch)
	if got := slices.Collect(chans.OrDone(context.Background(), ch)); !slices.Equal(got, []int{0, 1, 2, 3, 4}) {
		t.Errorf("OrDone over a closed channel: got %v", got)
	}
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		open := make(chan int, 1)
		open <- 1
		var got []int
		for v := range chans.OrDone(ctx, open) {
			got = append(got, v)
		}
		if !slices.Equal(got, []int{1}) || ctx.Err() == nil {
			t.Errorf("OrDone until ctx ends: got %v, ctx.Err %v", got, ctx.Err())
		}
	})
	many := make(chan int, 3)
	many <- 1
	many <- 2
	many <- 3
	for v := range chans.OrDone(context.Background(), many) {
		if v == 2 {
			break
		}
	}
	if len(many) != 1 {
		t.Errorf("after break: %d values left; want 1", len(many))
	}
}

func TestMergeDeliversEverything(t *testing.T) {
	var ins []<-chan int
	var want []int
	for i := range 4 {
		ch := make(chan int)
		ins = append(ins, ch)
		go func() {
			defer close(ch)
			for j := range 100 {
				ch <- i*1000 + j
			}
		}()
		for j := range 100 {
			want = append(want, i*1000+j)
		}
	}
	last := map[int]int{}
	var got []int
	for v := range chans.Merge(context.Background(), ins...) {
		in := v / 1000
		if prev, ok := last[in]; ok && v < prev {
			t.Errorf("input %d: %d after %d; want per-input order", in, v, prev)
		}
		last[in] = v
		got = append(got, v)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("Merge delivered %d values; want %d, each once", len(got), len(want))
	}
}

func TestMergeStopsWhenCtxEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		never := make(chan int) // never closed
		busy := make(chan int)
		go func() {
			for i := 0; ; i++ {
				select {
				case busy <- i:
				case <-ctx.Done():
					return
				}
			}
		}()
		out := chans.Merge(ctx, never, busy)
		<-out
		cancel() // the consumer stops reading
		synctest.Wait()
		for range out { // out is closed: the loop ends
		}
	})
	goleak.VerifyNone(t)
}

func TestMergeOfNothingIsClosed(t *testing.T) {
	if _, ok := <-chans.Merge[int](context.Background()); ok {
		t.Error("Merge(): got a value; want a closed channel")
	}
}

// Example shows goroutines and channels: a goroutine produces values on a
// channel it owns and closes, and the receiver stops when it is closed.
func Example() {
	ctx := context.Background()
	squares := make(chan int)
	go func() {
		defer close(squares)
		for i := 1; i <= 3; i++ {
			if chans.Send(ctx, squares, i*i) != nil {
				return
			}
		}
	}()
	for v := range chans.OrDone(ctx, squares) {
		fmt.Println(v)
	}
	// Output:
	// 1
	// 4
	// 9
}

// ExampleRecvTimeout shows select with a timeout: wait for a result, but not
// for ever.
func ExampleRecvTimeout() {
	ctx := context.Background()
	slow := make(chan string) // nobody ever sends
	if _, _, err := chans.RecvTimeout(ctx, slow, 10*time.Millisecond); errors.Is(err, chans.ErrTimeout) {
		fmt.Println("timed out")
	}
	fast := make(chan string, 1)
	fast <- "result"
	v, _, err := chans.RecvTimeout(ctx, fast, time.Second)
	fmt.Println(v, err)
	// Output:
	// timed out
	// result <nil>
}

func ExampleMerge() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, b := make(chan int, 2), make(chan int, 2)
	a <- 1
	a <- 2
	b <- 10
	b <- 20
	close(a)
	close(b)
	sum := 0
	for v := range chans.Merge(ctx, a, b) {
		sum += v
	}
	fmt.Println(sum)
	// Output: 33
}
