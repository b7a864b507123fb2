package fleet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/weft-dev/weft/internal/catch"
	"github.com/weft-dev/weft/pool"
)

// pullAhead is the least number of jobs a worker asks the server for ahead
// of its handlers, by default.
const pullAhead = 500

// WorkerConfig holds a worker's optional settings.
type WorkerConfig struct {
	// Durable names the consumer that workers share; the default is the
	// stream's name. Workers with the same Durable split the jobs.
	Durable string
	// AckWait is how long the server waits for an acknowledgement before
	// it gives the job to another worker, and MaxDeliver how many times a
	// job is tried. Both belong to the consumer: 0 takes the consumer's
	// (30 s and 5 for one NewWorker creates); other values must be the
	// consumer's, or the connection must be allowed to change it (a
	// worker's credentials are not: see SetUp).
	AckWait    time.Duration
	MaxDeliver int
	// Codec decodes payloads; the default is JSON.
	Codec Codec
	// OnFailed is called for a job given up after MaxDeliver attempts, or
	// whose payload cannot be decoded, with the last error.
	OnFailed func(id string, err error)
	// PullAhead is how many jobs a worker asks the server for ahead of its
	// handlers; the default is max(4*workers, 500) (nats.go's own default
	// is 500). Jobs waiting there count against the ack wait, so a worker
	// whose jobs are long should pull little ahead.
	PullAhead int
}

// Worker pulls jobs from a stream and runs a handler on each, with at most
// a given number of handlers at once.
type Worker[T any] struct {
	js       jetstream.JetStream
	stream   string
	workers  int
	handler  func(context.Context, Job[T]) error
	cfg      WorkerConfig
	consumer jetstream.Consumer

	draining atomic.Bool
	mu       sync.Mutex
	it       jetstream.MessagesContext // the running Run's, for Drain
}

// NewWorker returns a worker for stream that runs handler on up to workers
// jobs at once. It creates the stream and the durable consumer if they do
// not exist and the connection may (a worker may not: see SetUp).
func NewWorker[T any](ctx context.Context, js jetstream.JetStream, stream string, workers int, handler func(context.Context, Job[T]) error, cfg WorkerConfig) (*Worker[T], error) {
	switch {
	case workers < 1:
		return nil, fmt.Errorf("fleet: workers must be >= 1, got %d", workers)
	case handler == nil:
		return nil, errors.New("fleet: handler must not be nil")
	case cfg.AckWait < 0 || (cfg.AckWait > 0 && cfg.AckWait < 100*time.Millisecond):
		return nil, fmt.Errorf("fleet: AckWait must be >= 100ms, got %v", cfg.AckWait)
	case cfg.MaxDeliver < 0:
		return nil, fmt.Errorf("fleet: MaxDeliver must be >= 1, got %d", cfg.MaxDeliver)
	case cfg.PullAhead < 0:
		return nil, fmt.Errorf("fleet: PullAhead must be >= 1, got %d", cfg.PullAhead)
	}
	if cfg.Durable == "" {
		cfg.Durable = stream
	}
	if cfg.Codec == nil {
		cfg.Codec = JSON{}
	}
	if cfg.PullAhead == 0 {
		cfg.PullAhead = max(4*workers, pullAhead)
	}
	if err := ensureStream(ctx, js, stream, 0); err != nil {
		return nil, err
	}
	c, err := bindConsumer(ctx, js, stream, workers, &cfg)
	if err != nil {
		return nil, err
	}
	return &Worker[T]{js: js, stream: stream, workers: workers, handler: handler, cfg: cfg, consumer: c}, nil
}

// bindConsumer returns the durable consumer the workers share, creating it
// or bringing it to cfg's AckWait and MaxDeliver when they are set and the
// connection may (a worker may not: see SetUp), and sets them in cfg to
// the consumer's.
func bindConsumer(ctx context.Context, js jetstream.JetStream, stream string, workers int, cfg *WorkerConfig) (jetstream.Consumer, error) {
	var want jetstream.ConsumerConfig
	what := "create consumer " + cfg.Durable + " of stream " + stream + ", which does not exist"
	var c jetstream.Consumer
	err := attempt(ctx, js, "$JS.API.CONSUMER.INFO."+stream+"."+cfg.Durable, "use consumer "+cfg.Durable+" of stream "+stream, func(ctx context.Context) (err error) {
		c, err = js.Consumer(ctx, stream, cfg.Durable)
		return err
	})
	switch {
	case errors.Is(err, ErrDenied):
		return nil, err
	case errors.Is(err, jetstream.ErrConsumerNotFound):
		want = jetstream.ConsumerConfig{
			Durable:       cfg.Durable,
			AckPolicy:     jetstream.AckExplicitPolicy,
			AckWait:       orDefault(cfg.AckWait, defaultAckWait),
			MaxDeliver:    orDefault(cfg.MaxDeliver, defaultMaxDeliver),
			MaxAckPending: max(defaultMaxAckPending, 4*workers),
		}
	case err != nil:
		return nil, fmt.Errorf("fleet: consumer %q on stream %q: %w", cfg.Durable, stream, err)
	default:
		have := c.CachedInfo().Config
		if have.DeliverSubject != "" || have.AckPolicy != jetstream.AckExplicitPolicy {
			return nil, fmt.Errorf("fleet: consumer %q on stream %q is not a pull consumer with explicit acks", cfg.Durable, stream)
		}
		if (cfg.AckWait == 0 || cfg.AckWait == have.AckWait) && (cfg.MaxDeliver == 0 || cfg.MaxDeliver == have.MaxDeliver) {
			cfg.AckWait, cfg.MaxDeliver = have.AckWait, have.MaxDeliver
			return c, nil
		}
		want = have
		want.AckWait = orDefault(cfg.AckWait, have.AckWait)
		want.MaxDeliver = orDefault(cfg.MaxDeliver, have.MaxDeliver)
		what = fmt.Sprintf("change consumer %s of stream %s from ack wait %v and max deliver %d to %v and %d",
			cfg.Durable, stream, have.AckWait, have.MaxDeliver, want.AckWait, want.MaxDeliver)
	}
	err = attempt(ctx, js, "$JS.API.CONSUMER.CREATE."+stream+"."+cfg.Durable, what, func(ctx context.Context) error {
		c, err = js.CreateOrUpdateConsumer(ctx, stream, want)
		return err
	})
	if errors.Is(err, ErrDenied) {
		return nil, fmt.Errorf("%w: set them where the fleet is set up (StreamConfig)", err)
	}
	if err != nil {
		return nil, fmt.Errorf("fleet: consumer %q on stream %q: %w", cfg.Durable, stream, err)
	}
	cfg.AckWait, cfg.MaxDeliver = want.AckWait, want.MaxDeliver
	return c, nil
}

// Run pulls and handles jobs until ctx ends or Drain is called.
//
// When ctx ends, Run stops pulling, gives back at once the jobs it had pulled
// but not started, lets the running handlers see their context end, naks the
// jobs whose handlers did not finish (so that another worker takes them at
// once), and returns ctx.Err() once every handler has returned.
//
// After Drain, Run stops pulling, gives back the jobs not started, lets the
// running handlers finish and settles their jobs as usual, then returns nil.
//
// If the server refuses the connection the right to pull (a submitter's
// credentials), Run returns at once an error wrapping ErrDenied.
func (w *Worker[T]) Run(ctx context.Context) error {
	// A connection that may not pull (a submitter's) gets no job: say so at
	// once rather than wait for ever.
	var errMu sync.Mutex
	var runErr error
	var stopPulling func() // once pulling started
	setErr := func(err error) {
		errMu.Lock()
		defer errMu.Unlock()
		if runErr == nil {
			runErr = err
		}
	}
	pull := "$JS.API.CONSUMER.MSG.NEXT." + w.stream + "." + w.cfg.Durable
	defer onDenied(w.js, pull, func() {
		setErr(&deniedError{what: "take jobs from stream " + w.stream, subject: pull})
		errMu.Lock()
		stop := stopPulling
		errMu.Unlock()
		if stop != nil {
			stop()
		}
	})()
	// Pull ahead of the handlers, so that quick jobs do not wait for a round
	// trip each; jobs buffered here count against the ack wait, which the
	// heartbeat only covers once a handler runs them.
	it, err := w.consumer.Messages(jetstream.PullMaxMessages(w.cfg.PullAhead))
	if err != nil {
		return fmt.Errorf("fleet: pulling from %q: %w", w.stream, err)
	}
	errMu.Lock()
	stopPulling = it.Stop
	denied := runErr != nil
	errMu.Unlock()
	if denied {
		it.Stop()
	}
	w.mu.Lock()
	w.it = it
	if w.draining.Load() {
		it.Drain()
	}
	w.mu.Unlock()
	exhausted, err := w.watchExhausted()
	if err != nil {
		it.Stop()
		return err
	}
	defer exhausted.Unsubscribe()
	p, err := pool.New(w.workers)
	if err != nil {
		it.Stop()
		return err
	}
	beats := newHeartbeat(w.cfg.AckWait / 3)
	defer beats.stop()
	stopped := context.AfterFunc(ctx, it.Drain) // the buffered jobs are given back below
	defer stopped()
	// Each handler takes its own jobs from the iterator: no hand-off from a
	// reading goroutine to a running one, which would cost more than a quick
	// job itself.
	for range w.workers {
		p.Go(func() {
			for {
				msg, err := it.Next()
				if err != nil {
					if !errors.Is(err, jetstream.ErrMsgIteratorClosed) {
						setErr(fmt.Errorf("fleet: pulling from %q: %w", w.stream, err))
						it.Stop()
					}
					return
				}
				if ctx.Err() != nil || w.draining.Load() {
					msg.Nak() // not started: give it back at once
					continue
				}
				w.handle(ctx, msg, beats)
			}
		})
	}
	p.Close()
	errMu.Lock()
	err = runErr
	errMu.Unlock()
	if err != nil {
		return err
	}
	if w.draining.Load() && ctx.Err() == nil {
		return nil
	}
	return ctx.Err()
}

// watchExhausted reports, through OnFailed, the jobs that reached MaxDeliver
// without any handler failing: each time, their worker died or lost its
// connection before it could settle them. The server then only announces
// them; one worker of the consumer (a queue group) removes and reports each.
func (w *Worker[T]) watchExhausted() (*nats.Subscription, error) {
	subj := fmt.Sprintf("$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.%s.%s", w.stream, w.cfg.Durable)
	sub, err := w.js.Conn().QueueSubscribe(subj, w.cfg.Durable, func(m *nats.Msg) {
		var adv struct {
			Stream     string `json:"stream"`
			Consumer   string `json:"consumer"`
			StreamSeq  uint64 `json:"stream_seq"`
			Deliveries uint64 `json:"deliveries"`
		}
		if json.Unmarshal(m.Data, &adv) != nil || adv.StreamSeq == 0 || adv.Stream != w.stream || adv.Consumer != w.cfg.Durable {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s, err := w.js.Stream(ctx, w.stream)
		if err != nil {
			return
		}
		raw, err := s.GetMsg(ctx, adv.StreamSeq)
		if err != nil {
			return // already removed
		}
		if err := s.DeleteMsg(ctx, adv.StreamSeq); err != nil {
			return // another worker got there first
		}
		id := raw.Header.Get(jetstream.MsgIDHeader)
		w.failed(id, fmt.Errorf("fleet: job %q was delivered %d times and never settled: its worker died or was cut off each time", id, adv.Deliveries))
	})
	if err != nil {
		return nil, fmt.Errorf("fleet: watching for exhausted jobs on %q: %w", w.stream, err)
	}
	return sub, nil
}

// Drain makes Run stop pulling, give back the jobs it has not started, and
// return nil once the running handlers have finished. It does not wait.
func (w *Worker[T]) Drain() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.draining.Store(true)
	if w.it != nil {
		w.it.Drain()
	}
}

// handle runs the handler on one message and settles it: Ack on success,
// Nak with a delay on failure, Term once MaxDeliver is reached.
func (w *Worker[T]) handle(ctx context.Context, msg jetstream.Msg, beats *heartbeat) {
	id := msg.Headers().Get(jetstream.MsgIDHeader)
	if id == "" || msg.Headers().Get(jetstream.StreamHeader) != "" {
		// Not a job a Producer published: a message the server itself sent
		// to the job subject as the reply to some request (a publish
		// acknowledgement, a message got by direct get), which a connection
		// allowed to make requests can aim at any subject.
		msg.TermWithReason("not a job")
		w.failed(id, fmt.Errorf("fleet: a message on %s without a job ID, or copied from stream %q, is not a job: dropped unrun", jobSubject(w.stream), msg.Headers().Get(jetstream.StreamHeader)))
		return
	}
	attempt := 1
	if md, err := msg.Metadata(); err == nil {
		attempt = int(md.NumDelivered)
	}
	var payload T
	if err := w.cfg.Codec.Unmarshal(msg.Data(), &payload); err != nil {
		msg.TermWithReason("undecodable payload")
		w.failed(id, fmt.Errorf("fleet: decoding job %q: %w", id, err))
		return
	}
	key := beats.add(msg)
	err := catch.Err(func() error { return w.handler(ctx, Job[T]{ID: id, Payload: payload, Attempt: attempt}) })
	beats.remove(key)
	switch {
	case err == nil:
		msg.Ack()
	case ctx.Err() != nil:
		msg.Nak() // stopped: another worker takes it at once
	case attempt >= w.cfg.MaxDeliver:
		msg.TermWithReason("failed too often")
		w.failed(id, fmt.Errorf("fleet: job %q failed %d times, last: %w", id, attempt, err))
	default:
		msg.NakWithDelay(time.Duration(attempt) * 100 * time.Millisecond)
	}
}

func (w *Worker[T]) failed(id string, err error) {
	if w.cfg.OnFailed != nil {
		w.cfg.OnFailed(id, err)
	}
}

// heartbeat tells the server that a job whose handler is running is in
// progress once a third of the ack wait has passed since its start or its
// last beat (it looks every sixth), so that long jobs are not redelivered. One goroutine per Run does it for every job: a timer per job
// would cost more than a quick job itself.
type heartbeat struct {
	every   time.Duration
	mu      sync.Mutex
	next    uint64
	running map[uint64]running
	done    chan struct{}
	wg      sync.WaitGroup
}

type running struct {
	msg   jetstream.Msg
	since time.Time
}

func newHeartbeat(every time.Duration) *heartbeat {
	h := &heartbeat{every: every, running: map[uint64]running{}, done: make(chan struct{})}
	h.wg.Go(func() {
		t := time.NewTicker(every / 2) // a job is covered within 1.5 x every of its start
		defer t.Stop()
		for {
			select {
			case <-t.C:
				h.beat()
			case <-h.done:
				return
			}
		}
	})
	return h
}

func (h *heartbeat) beat() {
	h.mu.Lock()
	var due []jetstream.Msg
	now := time.Now()
	for k, r := range h.running {
		if now.Sub(r.since) >= h.every {
			due = append(due, r.msg)
			h.running[k] = running{r.msg, now}
		}
	}
	h.mu.Unlock()
	for _, m := range due {
		m.InProgress()
	}
}

func (h *heartbeat) add(msg jetstream.Msg) uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.next++
	h.running[h.next] = running{msg, time.Now()}
	return h.next
}

func (h *heartbeat) remove(key uint64) {
	h.mu.Lock()
	delete(h.running, key)
	h.mu.Unlock()
}

func (h *heartbeat) stop() {
	close(h.done)
	h.wg.Wait()
}
