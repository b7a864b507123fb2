package actor_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/weft-dev/weft/actor"
)

// owner is the hand-written channel-owner goroutine: it alone touches
// count, and applies the functions it receives. Its buffer is the actor's
// default mailbox, 64: in tuning runs of BenchmarkCounter a buffer of 8 made
// it 1.5-1.8x slower, and 256 or 1024 no faster than 64 beyond the noise.
type owner struct {
	msgs chan func(*int)
	done chan struct{}
	n    int
}

func newOwner(mailbox int) *owner {
	o := &owner{msgs: make(chan func(*int), mailbox), done: make(chan struct{})}
	go func() {
		defer close(o.done)
		for f := range o.msgs {
			f(&o.n)
		}
	}()
	return o
}

func (o *owner) ask() int {
	reply := make(chan int)
	o.msgs <- func(n *int) { reply <- *n }
	return <-reply
}

// asker is the cheapest request and reply to the owner that one caller can
// write: its reply channel (buffered, so that the owner never waits for the
// caller) and the function that answers on it are made once and reused for
// every request, so a request allocates nothing.
type asker struct {
	o     *owner
	reply chan int
	get   func(*int)
}

func newAsker(o *owner) *asker {
	reply := make(chan int, 1)
	return &asker{o: o, reply: reply, get: func(n *int) { reply <- *n }}
}

func (k *asker) ask() int {
	k.o.msgs <- k.get
	return <-k.reply
}

func (o *owner) stop() { close(o.msgs); <-o.done }

func incr(n *int) { *n++ }

// BenchmarkCounter increments a counter from GOMAXPROCS goroutines: a
// sync.Mutex counter, a hand-written channel-owner goroutine and an Actor
// (Do, fire and forget), all with the same mailbox capacity, in one run.
func BenchmarkCounter(b *testing.B) {
	ctx := context.Background()
	b.Run("impl=mutex", func(b *testing.B) {
		b.ReportAllocs()
		var mu sync.Mutex
		n := 0
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				mu.Lock()
				n++
				mu.Unlock()
			}
		})
		if n != b.N {
			b.Fatalf("count %d; want %d", n, b.N)
		}
	})
	b.Run("impl=channel", func(b *testing.B) {
		b.ReportAllocs()
		o := newOwner(actor.DefaultMailbox)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				o.msgs <- incr
			}
		})
		if got := o.ask(); got != b.N {
			b.Fatalf("count %d; want %d", got, b.N)
		}
		o.stop()
	})
	b.Run("impl=weft", func(b *testing.B) {
		b.ReportAllocs()
		a, err := actor.New(0)
		if err != nil {
			b.Fatal(err)
		}
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := a.Do(ctx, incr); err != nil {
					b.Error(err)
					return
				}
			}
		})
		if got, _ := actor.Ask(ctx, a, func(n *int) int { return *n }); got != b.N {
			b.Fatalf("count %d; want %d", got, b.N)
		}
		a.Stop(ctx, actor.Drain)
	})
}

// BenchmarkAsk reads the counter with a request and a reply, against the
// hand-written channel owner doing the same with a reply channel and reply
// function made once for all requests, and against floor, the least a
// mailbox behind a mutex can do.
func BenchmarkAsk(b *testing.B) {
	ctx := context.Background()
	b.Run("impl=channel", func(b *testing.B) {
		b.ReportAllocs()
		o := newOwner(actor.DefaultMailbox)
		k := newAsker(o)
		for range b.N {
			k.ask()
		}
		o.stop()
	})
	// The floor of a mailbox behind a mutex (see floor): what Ask could
	// cost at best with such a mailbox, which Do needs.
	b.Run("impl=floor", func(b *testing.B) {
		b.ReportAllocs()
		m := newFloor()
		r := &floorReq{f: func(n *int) int { return *n }, done: make(chan struct{}, 1)}
		for range b.N {
			m.ask(r)
		}
		m.stop()
	})
	b.Run("impl=weft", func(b *testing.B) {
		b.ReportAllocs()
		a, err := actor.New(0)
		if err != nil {
			b.Fatal(err)
		}
		get := func(n *int) int { return *n }
		for range b.N {
			if _, err := actor.Ask(ctx, a, get); err != nil {
				b.Fatal(err)
			}
		}
		a.Stop(ctx, actor.Drain)
	})
}

// BenchmarkSenders is BenchmarkCounter with one sender, and with 100
// senders at once, against the same hand-written channel owner.
func BenchmarkSenders(b *testing.B) {
	ctx := context.Background()
	for _, senders := range []int{1, 100} {
		b.Run(fmt.Sprintf("senders=%d/impl=channel", senders), func(b *testing.B) {
			b.ReportAllocs()
			o := newOwner(actor.DefaultMailbox)
			spread(b, senders, func() { o.msgs <- incr })
			if got := o.ask(); got != b.N {
				b.Fatalf("count %d; want %d", got, b.N)
			}
			o.stop()
		})
		b.Run(fmt.Sprintf("senders=%d/impl=weft", senders), func(b *testing.B) {
			b.ReportAllocs()
			a, err := actor.New(0)
			if err != nil {
				b.Fatal(err)
			}
			spread(b, senders, func() {
				if err := a.Do(ctx, incr); err != nil {
					b.Error(err)
				}
			})
			if got, _ := actor.Ask(ctx, a, func(n *int) int { return *n }); got != b.N {
				b.Fatalf("count %d; want %d", got, b.N)
			}
			a.Stop(ctx, actor.Drain)
		})
	}
}

// spread calls send b.N times in all from g goroutines.
func spread(b *testing.B, g int, send func()) {
	spreadEach(b, g, func(int) func() { return send })
}

// spreadEach calls b.N times in all, from g goroutines, the function that
// each goroutine gets from of, called with its index.
func spreadEach(b *testing.B, g int, of func(i int) func()) {
	var wg sync.WaitGroup
	for i := range g {
		n := b.N / g
		if i < b.N%g {
			n++
		}
		f := of(i)
		wg.Go(func() {
			for range n {
				f()
			}
		})
	}
	wg.Wait()
}

// BenchmarkAskers reads the counter with Ask from several goroutines at
// once, against the hand-written channel owner answering each caller on a
// reply channel and reply function of its own, made once.
func BenchmarkAskers(b *testing.B) {
	ctx := context.Background()
	for _, askers := range []int{2, 100} {
		b.Run(fmt.Sprintf("askers=%d/impl=channel", askers), func(b *testing.B) {
			b.ReportAllocs()
			o := newOwner(actor.DefaultMailbox)
			ks := make([]*asker, askers)
			for i := range ks {
				ks[i] = newAsker(o)
			}
			spreadEach(b, askers, func(i int) func() {
				k := ks[i]
				return func() { k.ask() }
			})
			o.stop()
		})
		b.Run(fmt.Sprintf("askers=%d/impl=weft", askers), func(b *testing.B) {
			b.ReportAllocs()
			a, err := actor.New(0)
			if err != nil {
				b.Fatal(err)
			}
			get := func(n *int) int { return *n }
			spreadEach(b, askers, func(int) func() {
				return func() {
					if _, err := actor.Ask(ctx, a, get); err != nil {
						b.Error(err)
					}
				}
			})
			a.Stop(ctx, actor.Drain)
		})
	}
}
