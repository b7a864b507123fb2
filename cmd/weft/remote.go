package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
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
//     one message per job, with the message ID run.Seq.k, where k counts the
//     times the job was handed back unrun by a halted run;
//   - the stream S_results (subjects S.results.<run>), where workers publish
//     what each job did, kept for resultsKeep, so that a submitter restarted
//     with the same run ID collects them;
//   - the key-value bucket S_runs: a run's state (run, soon or now), which
//     workers watch, so that --halt and interrupts reach them;
//   - the object store S_output, for outputs too large for a message.
const (
	defaultStream = "weft"
	defaultNATS   = "nats://127.0.0.1:4222"
	resultsKeep   = 24 * time.Hour
)

// Run states, in the S_runs bucket.
const (
	stateRun  = "run"
	stateSoon = "soon" // start no new job
	stateNow  = "now"  // and stop the running ones
)

// remoteJob is what the submitter publishes for one job: the worker expands
// the command itself, so that {%} is the worker's own slot.
type remoteJob struct {
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

func (j *remoteJob) id() string { return jobID(j.Run, j.Seq, j.K) }

func jobID(run string, seq int64, k int) string { return fmt.Sprintf("%s.%d.%d", run, seq, k) }

// parseJobID splits a job's message ID.
func parseJobID(id string) (run string, seq int64, k int, err error) {
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

// remoteResult is what a worker publishes when a job is done, or handed
// back unrun (Skipped) because its run was halted.
type remoteResult struct {
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

// fleetConn is a connection to the streams, bucket and object store of one
// stream name.
type fleetConn struct {
	js      jetstream.JetStream
	stream  string
	runs    jetstream.KeyValue
	outputs jetstream.ObjectStore
}

func (c *fleetConn) close() { c.js.Conn().Close() }

func (c *fleetConn) resultsStream() string { return c.stream + "_results" }

func (c *fleetConn) resultSubject(run string) string { return c.stream + ".results." + run }

// openFleet connects to url and makes sure the results stream, the run
// states and the output store exist, with the expected configuration.
func openFleet(url, stream string) (*fleetConn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	js, err := fleet.Connect(ctx, url)
	if err != nil {
		return nil, err
	}
	c := &fleetConn{js: js, stream: stream}
	if err := c.setUp(ctx); err != nil {
		js.Conn().Close()
		return nil, err
	}
	return c, nil
}

func (c *fleetConn) setUp(ctx context.Context) error {
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

func (c *fleetConn) setUpOnce(ctx context.Context) error {
	subjects := c.stream + ".results.>"
	s, err := c.js.Stream(ctx, c.resultsStream())
	switch {
	case errors.Is(err, jetstream.ErrStreamNotFound):
		_, err = c.js.CreateStream(ctx, jetstream.StreamConfig{
			Name:       c.resultsStream(),
			Subjects:   []string{subjects},
			Storage:    jetstream.FileStorage,
			MaxAge:     resultsKeep,
			Duplicates: 10 * time.Minute,
		})
		if err != nil {
			return fmt.Errorf("creating stream %q: %w", c.resultsStream(), err)
		}
	case err != nil:
		return fmt.Errorf("stream %q: %w", c.resultsStream(), err)
	default:
		if cfg := s.CachedInfo().Config; len(cfg.Subjects) != 1 || cfg.Subjects[0] != subjects {
			return fmt.Errorf("stream %q exists but does not hold weft results: its subjects are %v, want [%s]", c.resultsStream(), cfg.Subjects, subjects)
		}
	}
	bucket := c.stream + "_runs"
	c.runs, err = c.js.KeyValue(ctx, bucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		c.runs, err = c.js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: bucket, TTL: resultsKeep, Storage: jetstream.FileStorage})
	}
	if err != nil {
		return fmt.Errorf("run states %q: %w", bucket, err)
	}
	bucket = c.stream + "_output"
	c.outputs, err = c.js.ObjectStore(ctx, bucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		c.outputs, err = c.js.CreateObjectStore(ctx, jetstream.ObjectStoreConfig{Bucket: bucket, TTL: resultsKeep, Storage: jetstream.FileStorage})
	}
	if err != nil {
		return fmt.Errorf("output store %q: %w", bucket, err)
	}
	return nil
}

// storeAbove is the size of output past which a worker puts it in the
// object store instead of the result message.
func (c *fleetConn) storeAbove() int64 { return c.js.Conn().MaxPayload() - 64<<10 }

// toResult turns a worker's report into the result the printer takes,
// fetching stored output.
func (c *fleetConn) toResult(ctx context.Context, rr *remoteResult, j input.Job) *job.Result {
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
	id := jobID(rr.Run, rr.Seq, rr.K)
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

func (c *fleetConn) fetch(ctx context.Context, name string, dst io.Writer) error {
	obj, err := c.outputs.Get(ctx, name)
	if err != nil {
		return err
	}
	defer obj.Close()
	_, err = io.Copy(dst, obj)
	return err
}

// store puts a job's output in the object store.
func (c *fleetConn) store(ctx context.Context, id string, res *job.Result) error {
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

// hostName is the default name of a worker, for the joblog's Host column.
func hostName() string {
	h, err := os.Hostname()
	if err != nil {
		return "worker"
	}
	return h
}
