// Package remote is what weft's submitters and workers exchange through
// NATS JetStream (the fleet module): the job and result messages, their
// IDs, the run states, and the streams, bucket and object store they go
// through.
//
//	c, err := remote.Open("nats://queue.example:4222", remote.DefaultStream)
//	defer c.Close()
//	// submitter: fleet.NewProducer[remote.Job](ctx, c.JS, ...), then read
//	// c.ResultSubject(run) in c.ResultsStream()
//	// worker: fleet.NewWorker(ctx, c.JS, ...), then publish a Result
//
// Every name is derived from the stream name S, so that several teams can
// share one server with streams of their own.
package remote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/weft-dev/weft/cmd/weft/internal/input"
	"github.com/weft-dev/weft/cmd/weft/internal/job"
	"github.com/weft-dev/weft/fleet"
)

// A run through NATS uses, for a stream named S (weft by default):
//
//   - the work-queue stream S (subject S.jobs), through the fleet package:
//     one message per job, with the message ID run.seq.k, where k counts the
//     times the job was handed back unrun by a halted run;
//   - the stream S_results (subjects S.results.<run>), where workers publish
//     what each job did, kept for ResultsKeep, so that a submitter restarted
//     with the same run ID collects them;
//   - the key-value bucket S_runs: a run's state (run, soon or now), which
//     workers watch, so that --halt and interrupts reach them;
//   - the object store S_output, for outputs too large for a message.
const (
	DefaultStream = "weft"                  // the stream name unless --stream says otherwise
	DefaultNATS   = "nats://127.0.0.1:4222" // the server a worker takes jobs from unless --nats says otherwise
	ResultsKeep   = 24 * time.Hour          // how long results, run states and job IDs are kept
)

// Run states, in the S_runs bucket.
const (
	StateRun  = "run"  // the run goes on
	StateSoon = "soon" // start no new job
	StateNow  = "now"  // and stop the running ones
)

// validName matches the names a stream or run may have: they become parts of
// NATS subjects and stream names.
var validName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// SetName returns an option's Set that stores a stream or run name in dst,
// and refuses a name that cannot be part of a NATS subject.
func SetName(dst *string) func(flag, value string) error {
	return func(flag, v string) error {
		if !validName.MatchString(v) {
			return fmt.Errorf("bad value for %s: %q (want 1 to 64 letters, digits, - or _)", flag, v)
		}
		*dst = v
		return nil
	}
}

// Job is what the submitter publishes for one job: the worker expands the
// command itself, so that {%} is the worker's own slot.
type Job struct {
	Run        string        `json:"run"`
	Seq        int64         `json:"seq"`
	K          int           `json:"k,omitempty"`
	Args       []string      `json:"args"`
	Command    string        `json:"cmd"`
	Raw        bool          `json:"raw,omitempty"`
	Timeout    time.Duration `json:"timeout,omitempty"`
	Grace      time.Duration `json:"grace"`
	Tries      int           `json:"tries"`
	RetryDelay time.Duration `json:"retry_delay,omitempty"`
}

// ID is the job's message ID.
func (j *Job) ID() string { return JobID(j.Run, j.Seq, j.K) }

// JobID is the message ID of the k-th publication of job seq of run: run.seq.k.
func JobID(run string, seq int64, k int) string { return fmt.Sprintf("%s.%d.%d", run, seq, k) }

// ParseJobID splits a job's message ID.
func ParseJobID(id string) (run string, seq int64, k int, err error) {
	f := strings.Split(id, ".")
	if len(f) == 3 {
		seq, err = strconv.ParseInt(f[1], 10, 64)
		if err == nil {
			k, err = strconv.Atoi(f[2])
		}
		if err == nil {
			return f[0], seq, k, nil
		}
	}
	return "", 0, 0, fmt.Errorf("not a job ID: %q", id)
}

// Result is what a worker publishes when a job is done, or handed back
// unrun (Skipped) because its run was halted.
type Result struct {
	Run           string        `json:"run"`
	Seq           int64         `json:"seq"`
	K             int           `json:"k,omitempty"`
	Skipped       bool          `json:"skipped,omitempty"`
	Host          string        `json:"host,omitempty"`
	Cmdline       string        `json:"cmd,omitempty"`
	Start         time.Time     `json:"start"`
	Elapsed       time.Duration `json:"elapsed"`
	Exit          int           `json:"exit"`
	Signal        int           `json:"signal,omitempty"`
	FailedToStart string        `json:"failed_to_start,omitempty"`
	Stdout        []byte        `json:"stdout,omitempty"`
	Stderr        []byte        `json:"stderr,omitempty"`
	// Stored is set when the output is in the object store instead, under
	// the names id+"/stdout" and id+"/stderr".
	Stored bool `json:"stored,omitempty"`
}

// Conn is a connection to the streams, bucket and object store of one
// stream name. It is safe for concurrent use by multiple goroutines.
type Conn struct {
	JS      jetstream.JetStream
	Stream  string
	Runs    jetstream.KeyValue // the run states, by run ID
	outputs jetstream.ObjectStore
}

// Close closes the connection.
func (c *Conn) Close() { c.JS.Conn().Close() }

// ResultsStream is the name of the stream of results.
func (c *Conn) ResultsStream() string { return c.Stream + "_results" }

// ResultSubject is the subject of the results of run.
func (c *Conn) ResultSubject(run string) string { return c.Stream + ".results." + run }

// Open connects to url and makes sure the results stream, the run states
// and the output store of stream exist, with the expected configuration.
func Open(url, stream string) (*Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	js, err := fleet.Connect(ctx, url)
	if err != nil {
		return nil, err
	}
	c := &Conn{JS: js, Stream: stream}
	if err := c.setUp(ctx); err != nil {
		js.Conn().Close()
		return nil, err
	}
	return c, nil
}

func (c *Conn) setUp(ctx context.Context) error {
	// Workers and submitters may start together: each of these is created
	// by whoever comes first, and the others find it (hence the retries).
	var err error
	for range 3 {
		if err = c.setUpOnce(ctx); err == nil {
			return nil
		}
		if !errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) && !errors.Is(err, jetstream.ErrBucketExists) {
			return err
		}
	}
	return err
}

func (c *Conn) setUpOnce(ctx context.Context) error {
	subjects := c.Stream + ".results.>"
	s, err := c.JS.Stream(ctx, c.ResultsStream())
	switch {
	case errors.Is(err, jetstream.ErrStreamNotFound):
		_, err = c.JS.CreateStream(ctx, jetstream.StreamConfig{
			Name:       c.ResultsStream(),
			Subjects:   []string{subjects},
			Storage:    jetstream.FileStorage,
			MaxAge:     ResultsKeep,
			Duplicates: 10 * time.Minute,
		})
		if err != nil {
			return fmt.Errorf("creating stream %q: %w", c.ResultsStream(), err)
		}
	case err != nil:
		return fmt.Errorf("stream %q: %w", c.ResultsStream(), err)
	default:
		if cfg := s.CachedInfo().Config; len(cfg.Subjects) != 1 || cfg.Subjects[0] != subjects {
			return fmt.Errorf("stream %q exists but does not hold weft results: its subjects are %v, want [%s]", c.ResultsStream(), cfg.Subjects, subjects)
		}
	}
	bucket := c.Stream + "_runs"
	c.Runs, err = c.JS.KeyValue(ctx, bucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		c.Runs, err = c.JS.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: bucket, TTL: ResultsKeep, Storage: jetstream.FileStorage})
	}
	if err != nil {
		return fmt.Errorf("run states %q: %w", bucket, err)
	}
	bucket = c.Stream + "_output"
	c.outputs, err = c.JS.ObjectStore(ctx, bucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		c.outputs, err = c.JS.CreateObjectStore(ctx, jetstream.ObjectStoreConfig{Bucket: bucket, TTL: ResultsKeep, Storage: jetstream.FileStorage})
	}
	if err != nil {
		return fmt.Errorf("output store %q: %w", bucket, err)
	}
	return nil
}

// StoreAbove is the size of output past which a worker puts it in the
// object store instead of the result message.
func (c *Conn) StoreAbove() int64 { return c.JS.Conn().MaxPayload() - 64<<10 }

// ToResult turns a worker's report of job j into the result the printer
// takes, fetching stored output.
func (c *Conn) ToResult(ctx context.Context, rr *Result, j input.Job) *job.Result {
	res := &job.Result{
		Seq: j.Seq, Args: j.Args, Cmdline: rr.Cmdline, Start: rr.Start, Elapsed: rr.Elapsed,
		Exit: rr.Exit, Signal: rr.Signal, Host: rr.Host, Skipped: rr.Skipped,
		Stdout: &job.Output{}, Stderr: &job.Output{},
	}
	if rr.FailedToStart != "" {
		res.FailedToStart = errors.New(rr.FailedToStart)
	}
	if !rr.Stored {
		res.Stdout.Write(rr.Stdout)
		res.Stderr.Write(rr.Stderr)
		return res
	}
	id := JobID(rr.Run, rr.Seq, rr.K)
	for _, part := range []struct {
		name string
		dst  *job.Output
	}{{"stdout", res.Stdout}, {"stderr", res.Stderr}} {
		err := c.fetch(ctx, id+"/"+part.name, part.dst)
		if err != nil {
			fmt.Fprintf(part.dst, "weft: the %s of job %d was lost: %v\n", part.name, j.Seq, err)
			res.FailedToStart = fmt.Errorf("fetching its %s: %w", part.name, err)
		}
	}
	return res
}

func (c *Conn) fetch(ctx context.Context, name string, dst io.Writer) error {
	obj, err := c.outputs.Get(ctx, name)
	if err != nil {
		return err
	}
	defer obj.Close()
	_, err = io.Copy(dst, obj)
	return err
}

// Store puts a job's output in the object store, under the job's message
// ID.
func (c *Conn) Store(ctx context.Context, id string, res *job.Result) error {
	for _, part := range []struct {
		name string
		src  *job.Output
	}{{"stdout", res.Stdout}, {"stderr", res.Stderr}} {
		r, err := part.src.Reader()
		if err != nil {
			return err
		}
		if _, err := c.outputs.Put(ctx, jetstream.ObjectMeta{Name: id + "/" + part.name}, r); err != nil {
			return fmt.Errorf("storing the %s of %s: %w", part.name, id, err)
		}
	}
	return nil
}
