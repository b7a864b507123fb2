package main

import (
	"context"
	"fmt"
	"sync"

	"github.com/weft-dev/weft/actor"
)

// owner is the hand-written channel-owner goroutine: it alone touches n and
// applies the functions it receives, in order.
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

func (o *owner) stop() int { close(o.msgs); <-o.done; return o.n }

func incr(n *int) { *n++ }

func readCount(n *int) int { return *n }

// spread runs n calls of call from g goroutines, the calls shared out as
// evenly as they go.
func spread(n, g int, call func() error) error {
	var wg sync.WaitGroup
	errs := make([]error, g)
	for w := range g {
		share := n / g
		if w < n%g {
			share++
		}
		wg.Go(func() {
			for range share {
				if err := call(); err != nil {
					errs[w] = err
					return
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// actorWorkloads: a counter incremented with Do from 2 goroutines,
// and read with Ask from one, against the channel-owner goroutine that the
// actor package generalizes (same mailbox capacity) and a sync.Mutex.
func actorWorkloads(quick bool) []*workload {
	n, asks := 2_000_000, 200_000
	if quick {
		n, asks = 50_000, 5_000
	}
	const procs = 2
	ctx := context.Background()
	do := &workload{id: "ActorDo", title: fmt.Sprintf("9. actor: %d increments of a counter with Do (fire and forget), %d goroutines", n, procs),
		unit: "ns/msg", items: int64(n), perItem: true, want: int64(n),
		note: fmt.Sprintf("channel is a goroutine that owns the counter and applies the functions it receives on a channel buffered like the actor's mailbox (%d); mutex is a counter behind a sync.Mutex. Each run ends when the owner has applied every increment.", actor.DefaultMailbox)}
	do.contenders = []contender{
		{name: "weft", run: func() (int64, error) {
			a, err := actor.New(0)
			if err != nil {
				return 0, err
			}
			err = spread(n, procs, func() error { return a.Do(ctx, incr) })
			got, askErr := actor.Ask(ctx, a, readCount)
			if stopErr := a.Stop(ctx, actor.Drain); err == nil {
				err = stopErr
			}
			if err == nil {
				err = askErr
			}
			return int64(got), err
		}},
		{name: "channel", run: func() (int64, error) {
			o := newOwner(actor.DefaultMailbox)
			err := spread(n, procs, func() error { o.msgs <- incr; return nil })
			return int64(o.stop()), err
		}},
		{name: "mutex", run: func() (int64, error) {
			var mu sync.Mutex
			count := 0
			err := spread(n, procs, func() error { mu.Lock(); count++; mu.Unlock(); return nil })
			return int64(count), err
		}},
	}
	ask := &workload{id: "ActorAsk", title: fmt.Sprintf("9. actor: %d reads of a counter with Ask (request and reply), one goroutine", asks),
		unit: "ns/ask", items: int64(asks), perItem: true, want: int64(asks),
		note: "channel sends the channel-owner goroutine a function that replies on a channel; the caller makes both once and reuses them for every request."}
	ask.contenders = []contender{
		{name: "weft", run: func() (int64, error) {
			a, err := actor.New(1)
			if err != nil {
				return 0, err
			}
			sum := int64(0)
			for range asks {
				v, err := actor.Ask(ctx, a, readCount)
				if err != nil {
					return sum, err
				}
				sum += int64(v)
			}
			return sum, a.Stop(ctx, actor.Drain)
		}},
		{name: "channel", run: func() (int64, error) {
			o := newOwner(actor.DefaultMailbox)
			o.n = 1
			k := newAsker(o)
			sum := int64(0)
			for range asks {
				sum += int64(k.ask())
			}
			o.stop()
			return sum, nil
		}},
	}
	return []*workload{do, ask}
}
