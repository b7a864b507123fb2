package worker

import (
	"context"
	"fmt"
	"net"
	"os"
	"runtime"
	"strconv"
	"time"

	"github.com/weft-dev/weft/cmd/weft/internal/cli"
	"github.com/weft-dev/weft/cmd/weft/internal/reach"
	"github.com/weft-dev/weft/cmd/weft/internal/remote"
)

// Config is what a worker was asked to do.
type Config struct {
	NATS       string        // the server or cluster to take jobs from
	Stream     string        // the stream they come through
	Jobs       int           // at once
	Name       string        // in the submitter's joblog, its Host column
	AckWait    time.Duration // before the job of a worker that vanished goes to another; 0: the stream's
	MaxDeliver int           // times a job is handed out before it is recorded as failed; 0: the stream's
	Access     remote.Access // credentials and TLS
	// ServerTimeout is how long the worker waits for a server that has
	// gone before it stops its jobs and exits; 0 waits for ever.
	ServerTimeout time.Duration
	// Metrics, if set, is the address (host:port) where the worker serves
	// its Prometheus metrics, at /metrics.
	Metrics string
	// Unlisted keeps the worker out of the fleet's worker registry: the
	// dashboard and weft status do not list it (its jobs still count in
	// their runs).
	Unlisted bool
}

// Defaults is a worker's configuration before any option.
func Defaults() *Config {
	return &Config{NATS: remote.DefaultNATS, Stream: remote.DefaultStream, Jobs: runtime.NumCPU(), Name: hostName(), ServerTimeout: reach.DefaultTimeout}
}

// hostName is the default name of a worker, for the joblog's Host column.
func hostName() string {
	h, err := os.Hostname()
	if err != nil {
		return "worker"
	}
	return h
}

// Command is weft worker, with its options.
func Command() *cli.Command {
	return &cli.Command{
		Name:    "worker",
		Summary: "run the jobs submitted through NATS JetStream, N at once",
		Doc:     "weft worker runs the jobs that weft --nats submits to a stream, N at once, and reports what each did, output included, to the submitter.",
		Example: "weft worker --nats nats://queue.example:4222 -j 8",
		Notes:   []cli.Note{{Title: "Signals", Text: "SIGTERM: take no new job, hand back at once the jobs held but not started, finish the running ones, exit 0. SIGINT, or a second signal: stop the running jobs too (SIGTERM to each process group, SIGKILL after their grace period), hand them back, exit 130 or 143. While the server is unreachable, a signal stops the running jobs at once (they could not be reported; the server hands them to another worker once it is back) and the worker exits 130 or 143 without waiting for the server."}},
		Bind: func() cli.Bound {
			c := Defaults()
			return cli.Bound{
				Sections: []cli.Section{{Title: "Options", Options: []cli.Option{
					{Names: []string{"--nats"}, Arg: cli.Required, Value: "URL", Help: "the NATS server or cluster to take jobs from (default " + remote.DefaultNATS + ")",
						Example: "weft worker --nats nats://queue.example:4222", Set: cli.String(&c.NATS)},
					{Names: []string{"-j", "--jobs"}, Arg: cli.Required, Value: "N", Help: "run N jobs at once (default: the number of CPUs)",
						Example: "weft worker -j 8", Set: cli.Int(&c.Jobs, 1)},
					{Names: []string{"--stream"}, Arg: cli.Required, Value: "S", Help: "the stream the jobs come through (default weft)",
						Example: "weft worker --stream builds", Set: remote.SetName(&c.Stream)},
					{Names: []string{"--name"}, Arg: cli.Required, Value: "NAME", Help: "this worker's name in the submitter's joblog, its Host column (default: the host name)",
						Example: "weft worker --name build-3", Set: cli.String(&c.Name)},
					{Names: []string{"--ack-wait"}, Arg: cli.Required, Value: "D",
						Help:    "how long the job of a worker that vanished waits before another worker takes it (at least 1s); a long job sends heartbeats meanwhile. It belongs to the stream: weft serve --ack-wait sets it (default 30s); a worker may only repeat it, unless its credentials may change the stream",
						Example: "weft worker --ack-wait 2m", Set: setAckWait(&c.AckWait)},
					{Names: []string{"--max-deliver"}, Arg: cli.Required, Value: "N", Help: "hand a job out at most N times; then it is recorded as failed. It belongs to the stream, as --ack-wait does (weft serve --max-deliver, default 5)",
						Example: "weft worker --max-deliver 3", Set: cli.Int(&c.MaxDeliver, 1)},
					{Names: []string{"--server-timeout"}, Arg: cli.Required, Value: "D",
						Help:    "when the server becomes unreachable, say so, let the running jobs go on and wait for it at most D (default 5m; 0 waits for ever); then stop the jobs (the server hands them to another worker once it is back) and exit 1",
						Example: "weft worker --server-timeout 1h", Set: cli.Duration(&c.ServerTimeout)},
					{Names: []string{"--metrics"}, Arg: cli.Required, Value: "HOST:PORT",
						Help:    "serve Prometheus metrics at http://HOST:PORT/metrics (port 0: any free port; the address is printed on stderr): weft_jobs_total{status=started|succeeded|failed|redelivered|given_up}, weft_jobs_running, weft_job_duration_seconds, weft_worker_up, labelled by stream and worker. Anyone who can reach the address can read them: keep it on loopback unless the network is yours",
						Example: "weft worker --metrics 127.0.0.1:9464", Set: setAddr(&c.Metrics)},
					{Names: []string{"--unlisted"}, Help: "do not announce this worker in the fleet's worker registry: the dashboard and weft status will not list it, though its jobs still count in their runs (for credentials that may not write the registry, say)",
						Example: "weft worker --unlisted", Set: cli.True(&c.Unlisted)},
				}}, {Title: "Credentials and TLS", Intro: "for the NATS server", Options: remote.AccessOptions("weft worker", &c.Access)}},
				Run: func(operands []string, env cli.Env) int {
					if err := cli.NoOperands("weft worker", operands); err != nil {
						return cli.Fail(env, err)
					}
					if err := c.Access.Check(); err != nil {
						return cli.Fail(env, err)
					}
					return Run(context.Background(), c, env)
				},
			}
		},
	}
}

// setAddr returns a Set that stores a host:port address to listen on.
func setAddr(dst *string) func(string, string) error {
	return func(flag, v string) error {
		_, port, err := net.SplitHostPort(v)
		if n, perr := strconv.Atoi(port); err != nil || perr != nil || n < 0 || n > 65535 {
			return cli.BadValue(flag, v, "host:port, such as 127.0.0.1:9464")
		}
		*dst = v
		return nil
	}
}

// setAckWait returns a Set that stores an ack wait of at least a second.
func setAckWait(dst *time.Duration) func(string, string) error {
	return func(flag, v string) error {
		var d time.Duration
		if err := cli.Duration(&d)(flag, v); err != nil {
			return err
		}
		if d < time.Second {
			return fmt.Errorf("bad value for %s: %v (want >= 1s)", flag, d)
		}
		*dst = d
		return nil
	}
}
