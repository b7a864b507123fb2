package submit

import (
	"errors"
	"fmt"
	"time"

	"github.com/weft-dev/weft/cmd/weft/internal/cli"
	"github.com/weft-dev/weft/cmd/weft/internal/reach"
	"github.com/weft-dev/weft/cmd/weft/internal/remote"
	"github.com/weft-dev/weft/cmd/weft/internal/run"
)

// Config says where a run's jobs are submitted; with no URL, they run here.
type Config struct {
	URL    string        // the NATS server or cluster of the workers
	Stream string        // the JetStream stream the jobs go through
	RunID  string        // names the run, to collect it again after a restart; "" for a fresh one
	Access remote.Access // credentials and TLS
	// ServerTimeout is how long the submitter waits for a server that has
	// gone before it gives up; 0 waits for ever.
	ServerTimeout time.Duration

	serverTimeoutSet bool // --server-timeout was given
}

// setServerTimeout returns a Set that stores a duration of 0 or more, and
// records that it was given.
func setServerTimeout(dst *time.Duration, given *bool) func(string, string) error {
	return func(flag, v string) error {
		if err := cli.Duration(dst)(flag, v); err != nil {
			return err
		}
		*given = true
		return nil
	}
}

// Defaults is the configuration before any option: no URL, the default
// stream.
func Defaults() *Config {
	return &Config{Stream: remote.DefaultStream, ServerTimeout: reach.DefaultTimeout}
}

// Section declares the options of a run through NATS, bound to c.
func Section(c *Config) cli.Section {
	return cli.Section{Title: "Many machines", Intro: "through NATS JetStream", Options: append([]cli.Option{
		{Names: []string{"--nats"}, Arg: cli.Required, Value: "URL",
			Help:    `run the jobs on the workers (weft worker) instead of here (also "weft run --nats URL ..."); output, -k, --joblog, --halt, --retries, --timeout and the exit status work as in a local run; -u and --line-buffer do not`,
			Example: "weft --nats nats://127.0.0.1:4222 -k 'make {}' ::: a b", Set: cli.String(&c.URL)},
		{Names: []string{"--stream"}, Arg: cli.Required, Value: "S", Help: "with --nats: the stream to submit to (default weft)",
			Example: "weft --nats $URL --stream builds 'make {}' ::: a b", Set: remote.SetName(&c.Stream)},
		{Names: []string{"--run-id"}, Arg: cli.Required, Value: "ID",
			Help:    "with --nats: name the run (default: a random ID, printed on stderr); starting the same command with the same ID again (after a crash, or to print it again) collects the results and reruns nothing that finished",
			Example: "weft --nats $URL --run-id nightly 'make {}' ::: a b", Set: remote.SetName(&c.RunID)},
		{Names: []string{"--server-timeout"}, Arg: cli.Required, Value: "D",
			Help:    "with --nats: when the server becomes unreachable, say so and wait for it at most D (default 5m; 0 waits for ever), then exit 255 with the run ID to collect the run again once it is back",
			Example: "weft --nats $URL --server-timeout 30m 'make {}' ::: a b", Set: setServerTimeout(&c.ServerTimeout, &c.serverTimeoutSet)},
	}, remote.AccessOptions("weft", &c.Access)...), Text: "Delivery is at least once: a job whose worker dies before reporting it runs again on another worker. Results are kept on the server for 24h. The server must let the credentials submit (weft serve credentials submitter makes them)."}
}

// Check refuses options that need --nats without it, and a run's options
// that cannot work through NATS.
func (c *Config) Check(rc *run.Config) error {
	if c.URL == "" && (c.RunID != "" || c.Stream != remote.DefaultStream || c.serverTimeoutSet) {
		return errors.New("--run-id, --stream and --server-timeout need --nats URL")
	}
	if c.URL == "" && c.Access.Given() {
		return errors.New("--nats-creds, --tls-ca, --tls-cert and --tls-key need --nats URL")
	}
	if err := c.Access.Check(); err != nil {
		return err
	}
	if c.URL != "" && (rc.Ungroup || rc.LineBuffer) {
		return errors.New("-u and --line-buffer cannot be used with --nats: a remote job's output comes back whole")
	}
	if c.URL != "" && (rc.Trace || rc.Progress) {
		return errors.New("-t, --verbose and --progress cannot be used with --nats yet: the jobs start on the workers (use --bar, or --joblog for the commands)")
	}
	if c.URL != "" && rc.UsesPerl() {
		return errors.New("perl expressions ({= =}, --rpl) cannot be used with --nats yet: the workers expand the command, and have no perl of the run")
	}
	if c.URL != "" && rc.Quote {
		return errors.New("-q cannot be used with --nats yet: the workers expand the command, and do not quote its words")
	}
	if opt := rc.MultiContext(); c.URL != "" && opt != "" {
		return fmt.Errorf("%s cannot be used with --nats yet: the workers expand the command, and do not repeat the word around {} for each input (use -n N or -m)", opt)
	}
	if c.URL != "" && rc.TimeoutPercent > 0 {
		return errors.New("--timeout P% cannot be used with --nats: each worker would have its own median (give a duration)")
	}
	return nil
}
