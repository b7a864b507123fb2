package fleet

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// StreamConfig describes a stream set named Name: the work-queue stream
// Name (subject Name.jobs) and its durable consumer Name, which workers
// share; the stream Name_results (subjects Name.results.<run>), where
// workers report; the key-value bucket Name_runs, where submitters record
// the state of their runs; the key-value bucket Name_workers, where workers
// announce themselves; and the object store Name_output, for outputs too
// large for a message. The weft command uses them under these names.
type StreamConfig struct {
	// Name names the set (required): 1 to 64 letters, digits, - or _.
	Name string
	// AckWait is how long the server waits for a job's acknowledgement
	// before it gives the job to another worker; the default is 30 s.
	AckWait time.Duration
	// MaxDeliver is how many times a job is handed out; the default is 5.
	MaxDeliver int
	// MaxAckPending bounds the jobs handed out and not yet acknowledged,
	// over all workers; the default is 1000.
	MaxAckPending int
	// DuplicateWindow is how long job IDs are remembered (see
	// DuplicateWindow); the default is DefaultDuplicateWindow.
	DuplicateWindow time.Duration
	// Keep is how long results, run states and outputs are kept; the
	// default is 24 hours.
	Keep time.Duration
}

// WorkersKeep is how long an entry of a stream set's worker registry (the
// key-value bucket Name_workers) is kept after it was last written: a
// worker rewrites its entry every few seconds while it lives (see
// Streams.PutWorker), so an entry older than this is a worker that died.
const WorkersKeep = 30 * time.Second

// Defaults of a StreamConfig.
const (
	defaultAckWait       = 30 * time.Second
	defaultMaxDeliver    = 5
	defaultMaxAckPending = 1000
	defaultKeep          = 24 * time.Hour
	resultsDuplicates    = 10 * time.Minute
)

func (c StreamConfig) check() error {
	if err := checkStreamName(c.Name); err != nil {
		return err
	}
	switch {
	case c.AckWait < 0 || (c.AckWait > 0 && c.AckWait < 100*time.Millisecond):
		return fmt.Errorf("fleet: stream %s: AckWait must be >= 100ms, got %v", c.Name, c.AckWait)
	case c.MaxDeliver < 0:
		return fmt.Errorf("fleet: stream %s: MaxDeliver must be >= 1, got %d", c.Name, c.MaxDeliver)
	case c.MaxAckPending < 0:
		return fmt.Errorf("fleet: stream %s: MaxAckPending must be >= 1, got %d", c.Name, c.MaxAckPending)
	case c.DuplicateWindow < 0:
		return fmt.Errorf("fleet: stream %s: DuplicateWindow must be >= 0, got %v", c.Name, c.DuplicateWindow)
	case c.Keep < 0 || (c.Keep > 0 && c.Keep < time.Second):
		return fmt.Errorf("fleet: stream %s: Keep must be >= 1s, got %v", c.Name, c.Keep)
	}
	return nil
}

// SetUp creates the stream set c describes, or checks an existing one and
// brings it to c: settings left zero keep the existing values (or take the
// defaults when created), and a duplicate window is only ever extended.
// It needs a connection that may create streams (RoleAdmin, or a server
// without authentication); StartServer calls it for ServerConfig.Streams.
//
// It refuses a stream of one of these names configured for something else,
// or in a way that would let what one role may publish reach another
// role's subjects: sources, mirrors, republishing, subject transforms,
// scheduled messages, or roll-ups in the results and output streams. It
// makes the results and output streams deny deletes and purges, and the
// run states and outputs unreadable by direct get (see RolePermissions).
func SetUp(ctx context.Context, js jetstream.JetStream, c StreamConfig) error {
	if err := c.check(); err != nil {
		return err
	}
	// SetUps may run at once: what one creates, another finds (hence the
	// retries).
	var err error
	for range 3 {
		if err = setUpOnce(ctx, js, c); err == nil {
			return nil
		}
		if !errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) && !errors.Is(err, jetstream.ErrBucketExists) && !errors.Is(err, jetstream.ErrConsumerExists) {
			return err
		}
	}
	return err
}

func setUpOnce(ctx context.Context, js jetstream.JetStream, c StreamConfig) error {
	s := c.Name
	if err := ensureStream(ctx, js, s, c.DuplicateWindow); err != nil {
		return err
	}
	// Workers get a job they must report as given up with the stream API,
	// which they may use, rather than by direct get, which they may not.
	if err := ensure(ctx, js, s, nil, func(cfg *jetstream.StreamConfig) error {
		cfg.AllowDirect = false
		return nil
	}); err != nil {
		return err
	}
	if err := setUpConsumer(ctx, js, c); err != nil {
		return err
	}
	keep := c.Keep
	if err := ensure(ctx, js, resultsStream(s), func(ctx context.Context) error {
		_, err := js.CreateStream(ctx, jetstream.StreamConfig{
			Name:       resultsStream(s),
			Subjects:   []string{resultsSubjects(s)},
			Storage:    jetstream.FileStorage,
			MaxAge:     orDefault(keep, defaultKeep),
			Duplicates: min(resultsDuplicates, orDefault(keep, defaultKeep)),
			DenyDelete: true,
			DenyPurge:  true,
		})
		return err
	}, func(cfg *jetstream.StreamConfig) error {
		if !slices.Equal(cfg.Subjects, []string{resultsSubjects(s)}) {
			return fmt.Errorf("fleet: stream %q exists but does not hold results: its subjects are %v, want [%s]", cfg.Name, cfg.Subjects, resultsSubjects(s))
		}
		if cfg.AllowRollup {
			return fmt.Errorf("fleet: stream %q allows roll-ups, which would let a worker purge it", cfg.Name)
		}
		cfg.DenyDelete, cfg.DenyPurge = true, true
		if keep > 0 {
			cfg.MaxAge = keep
			cfg.Duplicates = min(cfg.Duplicates, keep)
		}
		return nil
	}); err != nil {
		return err
	}
	if err := ensure(ctx, js, kvStream(runsBucket(s)), func(ctx context.Context) error {
		_, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: runsBucket(s), TTL: orDefault(keep, defaultKeep), Storage: jetstream.FileStorage})
		if err != nil {
			return err
		}
		return ensure(ctx, js, kvStream(runsBucket(s)), nil, func(cfg *jetstream.StreamConfig) error {
			cfg.AllowDirect = false
			return nil
		})
	}, func(cfg *jetstream.StreamConfig) error {
		if !slices.Equal(cfg.Subjects, []string{"$KV." + runsBucket(s) + ".>"}) {
			return fmt.Errorf("fleet: stream %q exists but is not the key-value bucket %s: its subjects are %v", cfg.Name, runsBucket(s), cfg.Subjects)
		}
		cfg.AllowDirect = false
		if keep > 0 {
			cfg.MaxAge = keep
		}
		return nil
	}); err != nil {
		return err
	}
	if err := setUpWorkers(ctx, js, s); err != nil {
		return err
	}
	outSubjects := []string{"$O." + outputBucket(s) + ".C.>", "$O." + outputBucket(s) + ".M.>"}
	return ensure(ctx, js, objStream(outputBucket(s)), func(ctx context.Context) error {
		_, err := js.CreateObjectStore(ctx, jetstream.ObjectStoreConfig{Bucket: outputBucket(s), TTL: orDefault(keep, defaultKeep), Storage: jetstream.FileStorage})
		if err != nil {
			return err
		}
		return ensure(ctx, js, objStream(outputBucket(s)), nil, func(cfg *jetstream.StreamConfig) error {
			cfg.AllowRollup, cfg.DenyDelete, cfg.DenyPurge = false, true, true
			return nil
		})
	}, func(cfg *jetstream.StreamConfig) error {
		if !slices.Equal(cfg.Subjects, outSubjects) {
			return fmt.Errorf("fleet: stream %q exists but is not the object store %s: its subjects are %v", cfg.Name, outputBucket(s), cfg.Subjects)
		}
		cfg.AllowRollup, cfg.DenyDelete, cfg.DenyPurge = false, true, true
		if keep > 0 {
			cfg.MaxAge = keep
		}
		return nil
	})
}

// setUpWorkers makes the worker registry of stream set s, the key-value
// bucket s_workers, which workers write and nothing else: entries expire
// WorkersKeep after their last write, a value is at most 64 KiB and the
// bucket 16 MiB, and it refuses roll-ups (a worker could otherwise purge
// it with one message) and direct gets.
func setUpWorkers(ctx context.Context, js jetstream.JetStream, s string) error {
	b := workersBucket(s)
	fix := func(cfg *jetstream.StreamConfig) error {
		if !slices.Equal(cfg.Subjects, []string{"$KV." + b + ".>"}) {
			return fmt.Errorf("fleet: stream %q exists but is not the key-value bucket %s: its subjects are %v", cfg.Name, b, cfg.Subjects)
		}
		cfg.AllowDirect, cfg.AllowRollup, cfg.AllowMsgTTL = false, false, false
		cfg.MaxAge = WorkersKeep
		return nil
	}
	return ensure(ctx, js, kvStream(b), func(ctx context.Context) error {
		_, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: b, TTL: WorkersKeep, MaxValueSize: 64 << 10,
			MaxBytes: 16 << 20, Storage: jetstream.MemoryStorage})
		if err != nil {
			return err
		}
		return ensure(ctx, js, kvStream(b), nil, fix)
	}, fix)
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// ensure creates the stream name with create when it does not exist (a nil
// create leaves a missing stream an error), or else checks it: fix
// refuses it or changes the configuration it is given, which is then
// applied if it changed.
func ensure(ctx context.Context, js jetstream.JetStream, name string, create func(context.Context) error, fix func(*jetstream.StreamConfig) error) error {
	st, err := js.Stream(ctx, name)
	if errors.Is(err, jetstream.ErrStreamNotFound) && create != nil {
		return attempt(ctx, js, "$JS.API.STREAM.CREATE."+name, "create stream "+name, create)
	}
	if err != nil {
		return fmt.Errorf("fleet: stream %q: %w", name, err)
	}
	cfg := st.CachedInfo().Config
	if err := unsafeStream(&cfg); err != nil {
		return err
	}
	was := cfg
	if err := fix(&cfg); err != nil {
		return err
	}
	if reflect.DeepEqual(cfg, was) {
		return nil
	}
	return attempt(ctx, js, "$JS.API.STREAM.UPDATE."+name, "change stream "+name, func(ctx context.Context) error {
		_, err := js.UpdateStream(ctx, cfg)
		return err
	})
}

// unsafeStream refuses a stream of a set that copies or moves messages
// between subjects: through it, what one role may publish could reach
// another role's subjects.
func unsafeStream(cfg *jetstream.StreamConfig) error {
	var what string
	switch {
	case cfg.Mirror != nil:
		what = "mirrors another stream"
	case len(cfg.Sources) > 0:
		what = "takes messages from other streams"
	case cfg.RePublish != nil:
		what = "republishes its messages"
	case cfg.SubjectTransform != nil:
		what = "transforms subjects"
	case cfg.AllowMsgSchedules:
		what = "allows scheduled messages"
	default:
		return nil
	}
	return fmt.Errorf("fleet: stream %q %s; a fleet's streams must not, as that would let one role's messages reach another's subjects", cfg.Name, what)
}

// setUpConsumer creates or updates the durable consumer that the workers
// of stream c.Name share.
func setUpConsumer(ctx context.Context, js jetstream.JetStream, c StreamConfig) error {
	s := c.Name
	want := jetstream.ConsumerConfig{
		Durable:       s,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       orDefault(c.AckWait, defaultAckWait),
		MaxDeliver:    orDefault(c.MaxDeliver, defaultMaxDeliver),
		MaxAckPending: orDefault(c.MaxAckPending, defaultMaxAckPending),
	}
	cons, err := js.Consumer(ctx, s, s)
	switch {
	case errors.Is(err, jetstream.ErrConsumerNotFound):
	case err != nil:
		return fmt.Errorf("fleet: consumer %q of stream %q: %w", s, s, err)
	default:
		have := cons.CachedInfo().Config
		if have.DeliverSubject != "" || have.AckPolicy != jetstream.AckExplicitPolicy {
			return fmt.Errorf("fleet: consumer %q of stream %q is not a pull consumer with explicit acks", s, s)
		}
		want = have
		if c.AckWait > 0 {
			want.AckWait = c.AckWait
		}
		if c.MaxDeliver > 0 {
			want.MaxDeliver = c.MaxDeliver
		}
		if c.MaxAckPending > 0 {
			want.MaxAckPending = c.MaxAckPending
		}
		if want.AckWait == have.AckWait && want.MaxDeliver == have.MaxDeliver && want.MaxAckPending == have.MaxAckPending {
			return nil
		}
	}
	return attempt(ctx, js, "$JS.API.CONSUMER.CREATE."+s+"."+s, "set up consumer "+s+" of stream "+s, func(ctx context.Context) error {
		_, err := js.CreateOrUpdateConsumer(ctx, s, want)
		return err
	})
}
