package fleet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Codec encodes job payloads; JSON is the default.
type Codec interface {
	Marshal(v any) ([]byte, error)
	Unmarshal(data []byte, v any) error
}

// JSON is the default Codec.
type JSON struct{}

// Marshal encodes v as JSON.
func (JSON) Marshal(v any) ([]byte, error) { return json.Marshal(v) }

// Unmarshal decodes JSON data into v.
func (JSON) Unmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }

// ErrTooLarge is returned by Submit for a job whose encoded payload is
// larger than the server accepts.
var ErrTooLarge = errors.New("fleet: job too large")

// Job is one unit of work: the ID its submitter gave it, and its payload.
type Job[T any] struct {
	ID      string
	Payload T
	// Attempt counts the deliveries of this job, from 1.
	Attempt int
}

// DefaultDuplicateWindow is how long the server remembers a job ID to
// store a re-submitted job once, unless NewProducer is given a longer one.
const DefaultDuplicateWindow = 10 * time.Minute

// ensureStream creates the work-queue stream if it does not exist and the
// connection may, and checks that an existing one is a work queue on the
// expected subject. A duplicate window longer than the stream's extends it;
// 0 leaves it alone.
func ensureStream(ctx context.Context, js jetstream.JetStream, stream string, window time.Duration) error {
	if err := checkStreamName(stream); err != nil {
		return err
	}
	var s jetstream.Stream
	err := attempt(ctx, js, "$JS.API.STREAM.INFO."+stream, "use stream "+stream, func(ctx context.Context) (err error) {
		s, err = js.Stream(ctx, stream)
		return err
	})
	if errors.Is(err, ErrDenied) {
		return err
	}
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		err = attempt(ctx, js, "$JS.API.STREAM.CREATE."+stream, "create stream "+stream+", which does not exist", func(ctx context.Context) error {
			_, err := js.CreateStream(ctx, jetstream.StreamConfig{
				Name:       stream,
				Subjects:   []string{jobSubject(stream)},
				Retention:  jetstream.WorkQueuePolicy,
				Storage:    jetstream.FileStorage,
				Duplicates: max(window, DefaultDuplicateWindow),
			})
			return err
		})
		if err == nil {
			return nil
		}
		if errors.Is(err, ErrDenied) {
			return fmt.Errorf("%w: it is made where the fleet is set up (SetUp, ServerConfig.Streams)", err)
		}
		if !errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			return fmt.Errorf("fleet: creating stream %q: %w", stream, err)
		}
		// Created meanwhile by another producer or worker: check it.
		s, err = js.Stream(ctx, stream)
	}
	if err != nil {
		return fmt.Errorf("fleet: stream %q: %w", stream, err)
	}
	cfg := s.CachedInfo().Config
	if cfg.Retention != jetstream.WorkQueuePolicy || len(cfg.Subjects) != 1 || cfg.Subjects[0] != jobSubject(stream) {
		return fmt.Errorf("fleet: stream %q exists but is not a work queue on %q (retention %v, subjects %v)",
			stream, jobSubject(stream), cfg.Retention, cfg.Subjects)
	}
	if err := unsafeStream(&cfg); err != nil {
		return err
	}
	if window > cfg.Duplicates {
		have := cfg.Duplicates
		cfg.Duplicates = window
		err := attempt(ctx, js, "$JS.API.STREAM.UPDATE."+stream, fmt.Sprintf("extend the duplicate window of stream %s from %v to %v", stream, have, window), func(ctx context.Context) error {
			_, err := js.UpdateStream(ctx, cfg)
			return err
		})
		if errors.Is(err, ErrDenied) {
			return fmt.Errorf("%w: set StreamConfig.DuplicateWindow where the fleet is set up", err)
		}
		if err != nil {
			return fmt.Errorf("fleet: extending the duplicate window of stream %q to %v: %w", stream, window, err)
		}
	}
	return nil
}

// Producer submits jobs of type T to a stream. It is safe for concurrent
// use by multiple goroutines.
type Producer[T any] struct {
	js     jetstream.JetStream
	stream string
	codec  Codec
}

// ProducerOption configures a Producer.
type ProducerOption func(*producerConfig)

type producerConfig struct{ window time.Duration }

// DuplicateWindow makes the server remember job IDs for d (at least), so
// that a job re-submitted up to d after the first time is stored once. The
// server keeps every ID of the window in memory.
func DuplicateWindow(d time.Duration) ProducerOption {
	return func(c *producerConfig) { c.window = d }
}

// NewProducer returns a producer for stream. It creates the stream if it
// does not exist and the connection may (a submitter may not: see
// SetUp).
func NewProducer[T any](ctx context.Context, js jetstream.JetStream, stream string, codec Codec, opts ...ProducerOption) (*Producer[T], error) {
	if codec == nil {
		codec = JSON{}
	}
	var cfg producerConfig
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.window < 0 {
		return nil, fmt.Errorf("fleet: duplicate window must be >= 0, got %v", cfg.window)
	}
	if err := ensureStream(ctx, js, stream, cfg.window); err != nil {
		return nil, err
	}
	return &Producer[T]{js: js, stream: stream, codec: codec}, nil
}

// Submit publishes a job and waits until the server has stored it. id must
// be unique per job: a second Submit with the same id within the stream's
// duplicate window (DefaultDuplicateWindow, or DuplicateWindow) stores
// nothing, so a re-submitted run does not run its jobs twice. If the server
// refuses the connection the right to publish jobs (a worker's
// credentials), Submit returns at once an error wrapping ErrDenied.
func (p *Producer[T]) Submit(ctx context.Context, id string, v T) error {
	if id == "" {
		return errors.New("fleet: job id must not be empty")
	}
	data, err := p.codec.Marshal(v)
	if err != nil {
		return fmt.Errorf("fleet: encoding job %q: %w", id, err)
	}
	if max := p.js.Conn().MaxPayload(); int64(len(data)) > max {
		return fmt.Errorf("%w: job %q is %d bytes, more than the server's maximum payload of %d", ErrTooLarge, id, len(data), max)
	}
	subj := jobSubject(p.stream)
	err = attempt(ctx, p.js, subj, "publish jobs to "+subj, func(ctx context.Context) error {
		_, err := p.js.Publish(ctx, subj, data, jetstream.WithMsgID(id))
		return err
	})
	if errors.Is(err, ErrDenied) {
		return err
	}
	if err != nil {
		return fmt.Errorf("fleet: publishing job %q: %w", id, err)
	}
	return nil
}
