package fleet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Streams are the results stream, run states and output store of a stream
// set (see StreamConfig), as Open binds them. A submitter reads results
// through consumers of Results, writes and reads Runs, and reads Output; a
// worker publishes results on ResultSubject, reads Runs with Get (and
// follows them with Follow), and writes Output with PutObject.
type Streams struct {
	// Name is the stream set's name, which is also its job stream's.
	Name    string
	Results jetstream.Stream
	Runs    jetstream.KeyValue
	Output  jetstream.ObjectStore

	js jetstream.JetStream
}

// ResultSubject is the subject on which workers report the jobs of run.
func (s *Streams) ResultSubject(run string) string { return s.Name + ".results." + run }

// PutOutput stores what r reads as the object name of Output, as
// PutObject does: by publishing alone, as a worker may.
func (s *Streams) PutOutput(ctx context.Context, name string, r io.Reader) (*jetstream.ObjectInfo, error) {
	return PutObject(ctx, s.js, outputBucket(s.Name), name, r)
}

// ErrNotSetUp is wrapped by the error of Open when the stream set is not
// there: SetUp, with a connection that may, makes it.
var ErrNotSetUp = errors.New("fleet: stream set not set up")

// Open binds the stream set name, which SetUp (or the server, for
// ServerConfig.Streams) made. It creates nothing, so any role's connection
// may open it; a stream set that is not there, or is not one, is an error
// that says so.
func Open(ctx context.Context, js jetstream.JetStream, name string) (*Streams, error) {
	if err := checkStreamName(name); err != nil {
		return nil, err
	}
	s := &Streams{Name: name, js: js}
	missing := func(err error, what string) error {
		if errors.Is(err, ErrDenied) {
			return err
		}
		if errors.Is(err, jetstream.ErrStreamNotFound) || errors.Is(err, jetstream.ErrBucketNotFound) {
			return fmt.Errorf("%w: stream set %q has no %s: it is made with SetUp, or by the server for ServerConfig.Streams", ErrNotSetUp, name, what)
		}
		return fmt.Errorf("fleet: %s of stream set %q: %w", what, name, err)
	}
	err := attempt(ctx, js, "$JS.API.STREAM.INFO."+resultsStream(name), "use stream "+resultsStream(name), func(ctx context.Context) (err error) {
		s.Results, err = js.Stream(ctx, resultsStream(name))
		return err
	})
	if err != nil {
		return nil, missing(err, "results stream "+resultsStream(name))
	}
	if subj := s.Results.CachedInfo().Config.Subjects; len(subj) != 1 || subj[0] != resultsSubjects(name) {
		return nil, fmt.Errorf("fleet: stream %q exists but does not hold results: its subjects are %v, want [%s]", resultsStream(name), subj, resultsSubjects(name))
	}
	err = attempt(ctx, js, "$JS.API.STREAM.INFO."+kvStream(runsBucket(name)), "use bucket "+runsBucket(name), func(ctx context.Context) (err error) {
		s.Runs, err = js.KeyValue(ctx, runsBucket(name))
		return err
	})
	if err != nil {
		return nil, missing(err, "key-value bucket "+runsBucket(name))
	}
	err = attempt(ctx, js, "$JS.API.STREAM.INFO."+objStream(outputBucket(name)), "use object store "+outputBucket(name), func(ctx context.Context) (err error) {
		s.Output, err = js.ObjectStore(ctx, outputBucket(name))
		return err
	})
	if err != nil {
		return nil, missing(err, "object store "+outputBucket(name))
	}
	return s, nil
}

// PutRun writes value under key in the key-value bucket Runs, as
// Runs.Put does, and returns its revision; a connection that may not write
// there (a worker's) gets an error wrapping ErrDenied at once.
func (s *Streams) PutRun(ctx context.Context, key string, value []byte) (uint64, error) {
	var rev uint64
	bucket := runsBucket(s.Name)
	err := attempt(ctx, s.js, "$KV."+bucket+"."+key, "write run states in "+bucket, func(ctx context.Context) (err error) {
		rev, err = s.Runs.Put(ctx, key, value)
		return err
	})
	return rev, err
}

// WorkersBucket is the name of the stream set's worker registry, the
// key-value bucket Name_workers (its stream is KV_Name_workers).
func (s *Streams) WorkersBucket() string { return workersBucket(s.Name) }

// PutWorker writes value under key in the worker registry (WorkersBucket),
// by publishing alone, as a worker may: it cannot bind the bucket. The
// entry expires WorkersKeep after its last write. A connection that may not
// write there gets an error wrapping ErrDenied at once.
func (s *Streams) PutWorker(ctx context.Context, key string, value []byte) error {
	subject := "$KV." + workersBucket(s.Name) + "." + key
	return attempt(ctx, s.js, subject, "write the worker registry "+workersBucket(s.Name), func(ctx context.Context) error {
		_, err := s.js.Publish(ctx, subject, value)
		return err
	})
}

// Follow calls f, on a goroutine of the connection, for each write to the
// key-value bucket Runs from now on, with the key and the value (nil when
// the key was deleted or purged), until the returned stop is called. It
// creates no consumer, which a worker may not, but subscribes to the
// bucket's subjects: it sees the writes, not the values written before
// (read those with Runs.Get). f must not block.
func (s *Streams) Follow(f func(key string, value []byte)) (stop func() error, err error) {
	prefix := "$KV." + runsBucket(s.Name) + "."
	sub, err := s.js.Conn().Subscribe(prefix+">", func(m *nats.Msg) {
		value := m.Data
		switch m.Header.Get("KV-Operation") {
		case "DEL", "PURGE":
			value = nil
		}
		f(strings.TrimPrefix(m.Subject, prefix), value)
	})
	if err != nil {
		return nil, fmt.Errorf("fleet: following %s: %w", runsBucket(s.Name), err)
	}
	return sub.Unsubscribe, nil
}
