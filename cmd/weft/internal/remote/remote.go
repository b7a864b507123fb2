// Package remote is what weft's submitters and workers exchange through
// NATS JetStream (the fleet module): the job and result messages, their
// IDs, the run states, and the streams, bucket and object store they go
// through.
//
//	c, err := remote.Open("nats://queue.example:4222", remote.DefaultStream, fleet.RoleWorker, remote.Access{Creds: "worker.creds"})
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
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/weft-dev/weft/cmd/weft/internal/cli"
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
	streams *fleet.Streams
}

// Close closes the connection.
func (c *Conn) Close() { c.JS.Conn().Close() }

// ResultsStream is the name of the stream of results.
func (c *Conn) ResultsStream() string { return c.streams.Results.CachedInfo().Config.Name }

// ResultSubject is the subject of the results of run.
func (c *Conn) ResultSubject(run string) string { return c.streams.ResultSubject(run) }

// SetState records the state of run, which the workers follow.
func (c *Conn) SetState(ctx context.Context, run, state string) error {
	_, err := c.streams.PutRun(ctx, run, []byte(state))
	return err
}

// Follow calls f for each run state written from now on (see
// fleet.Streams.Follow), until stop is called.
func (c *Conn) Follow(f func(run string, state []byte)) (stop func() error, err error) {
	return c.streams.Follow(f)
}

// Access is how a submitter or a worker proves who it is to the server,
// and checks that the server is the right one.
type Access struct {
	// Creds is a NATS credentials file (weft serve credentials makes
	// them). Without it: $NATS_CREDS, or the URL's user information, or
	// the credentials that weft serve wrote for its own user on this
	// machine.
	Creds string
	// CA is a PEM file of the CA certificates that sign the server's
	// certificate, when it is not one weft serve made (whose CA the
	// credentials carry).
	CA string
	// Cert and Key are a client certificate and its key, for a server
	// that asks for one (weft serve --tls-ca).
	Cert, Key string
}

// AccessOptions declares the options that fill a, for the command named
// cmd ("weft worker"; "weft" for a submitter, whose options need --nats).
func AccessOptions(cmd string, a *Access) []cli.Option {
	with := ""
	if cmd == "weft" {
		with = "with --nats: "
	}
	return []cli.Option{
		{Names: []string{"--nats-creds"}, Arg: cli.Required, Value: "FILE",
			Help:    with + "the NATS credentials file to connect with (mode 0600; weft serve credentials makes them). Default: $NATS_CREDS, else the URL's user information, else the credentials weft serve wrote for its own user on this machine",
			Example: cmd + " --nats $URL --nats-creds ~/.config/weft/submitter.creds", Set: cli.String(&a.Creds)},
		{Names: []string{"--tls-ca"}, Arg: cli.Required, Value: "FILE",
			Help:    with + "check the server's certificate against the CA certificates in this PEM file (not needed with credentials weft serve made: they carry its CA)",
			Example: cmd + " --nats tls://queue.example:4222 --tls-ca ca.pem", Set: cli.String(&a.CA)},
		{Names: []string{"--tls-cert"}, Arg: cli.Required, Value: "FILE",
			Help:    with + "the client certificate (PEM) to present to a server that asks for one (weft serve --tls-ca); with --tls-key",
			Example: cmd + " --nats $URL --tls-cert me.pem --tls-key me.key", Set: cli.String(&a.Cert)},
		{Names: []string{"--tls-key"}, Arg: cli.Required, Value: "FILE",
			Help:    with + "the key (PEM) of --tls-cert",
			Example: cmd + " --nats $URL --tls-cert me.pem --tls-key me.key", Set: cli.String(&a.Key)},
	}
}

// Given tells whether any option of a was given.
func (a *Access) Given() bool { return *a != Access{} }

// Check refuses a client certificate without its key, or the reverse.
func (a *Access) Check() error {
	if (a.Cert == "") != (a.Key == "") {
		return errors.New("--tls-cert and --tls-key go together: give both, or neither")
	}
	return nil
}

// options are fleet's connect options for a, as role.
func (a *Access) options(rawURL string, role fleet.Role) []fleet.ConnectOption {
	opts := []fleet.ConnectOption{fleet.As(role), fleet.WithErrorHandler(connError)}
	creds := a.Creds
	if creds == "" && !hasUserInfo(rawURL) {
		creds = os.Getenv("NATS_CREDS")
	}
	if creds != "" {
		opts = append(opts, fleet.WithCredentials(creds))
	}
	if a.CA != "" {
		opts = append(opts, fleet.WithCA(a.CA))
	}
	if a.Cert != "" {
		opts = append(opts, fleet.WithClientCert(a.Cert, a.Key))
	}
	return opts
}

// connError reports what goes wrong on a connection outside any call. A
// publish the server refused is left out: the call that made it fails,
// saying so.
func connError(err error) {
	if !errors.Is(err, nats.ErrPermissionViolation) {
		fmt.Fprintf(os.Stderr, "weft: %v\n", err)
	}
}

// Redact hides the password or token in a URL's user information, for
// messages: it is a secret.
func Redact(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.User == nil {
		return rawURL
	}
	if _, ok := u.User.Password(); !ok {
		u.User = url.User("xxxxx")
	}
	return u.Redacted()
}

func hasUserInfo(rawURL string) bool {
	u, err := url.Parse(rawURL)
	return err == nil && u.User != nil
}

// StreamConfig is the stream set weft uses under the name stream: results,
// run states and job IDs kept ResultsKeep, a job handed to another worker
// after ackWait without a sign of life, and out at most maxDeliver times
// (0: fleet's defaults, 30s and 5).
func StreamConfig(stream string, ackWait time.Duration, maxDeliver int) fleet.StreamConfig {
	return fleet.StreamConfig{Name: stream, AckWait: ackWait, MaxDeliver: maxDeliver, DuplicateWindow: ResultsKeep, Keep: ResultsKeep}
}

// Open connects to url as role with a's credentials and binds the streams,
// bucket and object store of stream. A stream set that is not there is set
// up (StreamConfig) if the credentials may (a NATS server of one's own
// without authentication, or administrator credentials); weft serve sets
// up its own.
func Open(url, stream string, role fleet.Role, a Access) (*Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	js, err := fleet.Connect(ctx, url, a.options(url, role)...)
	if err != nil {
		return nil, err
	}
	s, err := fleet.Open(ctx, js, stream)
	if errors.Is(err, fleet.ErrNotSetUp) {
		serr := fleet.SetUp(ctx, js, StreamConfig(stream, 0, 0))
		switch {
		case errors.Is(serr, fleet.ErrDenied):
			err = fmt.Errorf("stream %s is not set up at %s, and these credentials may not set it up: serve it (weft serve --stream %s), or set it up with an administrator's credentials", stream, Redact(url), stream)
		case serr != nil:
			err = serr
		default:
			s, err = fleet.Open(ctx, js, stream)
		}
	}
	if err != nil {
		js.Conn().Close()
		return nil, err
	}
	return &Conn{JS: js, Stream: stream, Runs: s.Runs, streams: s}, nil
}

// Bind binds the streams, bucket and object store of stream over js, a
// connection made already (fleet.Server.ConnectInProcess, say); closing
// the Conn closes js's connection.
func Bind(js jetstream.JetStream, stream string) (*Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := fleet.Open(ctx, js, stream)
	if err != nil {
		return nil, err
	}
	return &Conn{JS: js, Stream: stream, Runs: s.Runs, streams: s}, nil
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
	obj, err := c.streams.Output.Get(ctx, name)
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
		if _, err := c.streams.PutOutput(ctx, id+"/"+part.name, r); err != nil {
			return fmt.Errorf("storing the %s of %s: %w", part.name, id, err)
		}
	}
	return nil
}
