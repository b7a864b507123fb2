package submit

import (
	"errors"

	"github.com/weft-dev/weft/cmd/weft/internal/cli"
	"github.com/weft-dev/weft/cmd/weft/internal/remote"
	"github.com/weft-dev/weft/cmd/weft/internal/run"
)

// Config says where a run's jobs are submitted; with no URL, they run here.
type Config struct {
	URL    string // the NATS server or cluster of the workers
	Stream string // the JetStream stream the jobs go through
	RunID  string // names the run, to collect it again after a restart; "" for a fresh one
}

// Defaults is the configuration before any option: no URL, the default
// stream.
func Defaults() *Config { return &Config{Stream: remote.DefaultStream} }

// Section declares the options of a run through NATS, bound to c.
func Section(c *Config) cli.Section {
	return cli.Section{Title: "Many machines", Intro: "through NATS JetStream", Options: []cli.Option{
		{Names: []string{"--nats"}, Arg: cli.Required, Value: "URL",
			Help:    `run the jobs on the workers (weft worker) instead of here (also "weft run --nats URL ..."); output, -k, --joblog, --halt, --retries, --timeout and the exit status work as in a local run; -u and --line-buffer do not`,
			Example: "weft --nats nats://127.0.0.1:4222 -k 'make {}' ::: a b", Set: cli.String(&c.URL)},
		{Names: []string{"--stream"}, Arg: cli.Required, Value: "S", Help: "with --nats: the stream to submit to (default weft)",
			Example: "weft --nats $URL --stream builds 'make {}' ::: a b", Set: remote.SetName(&c.Stream)},
		{Names: []string{"--run-id"}, Arg: cli.Required, Value: "ID",
			Help:    "with --nats: name the run (default: a random ID, printed on stderr); starting the same command with the same ID again (after a crash, or to print it again) collects the results and reruns nothing that finished",
			Example: "weft --nats $URL --run-id nightly 'make {}' ::: a b", Set: remote.SetName(&c.RunID)},
	}, Text: "Delivery is at least once: a job whose worker dies before reporting it runs again on another worker. Results are kept on the server for 24h."}
}

// Check refuses options that need --nats without it, and a run's options
// that cannot work through NATS.
func (c *Config) Check(rc *run.Config) error {
	if c.URL == "" && (c.RunID != "" || c.Stream != remote.DefaultStream) {
		return errors.New("--run-id and --stream need --nats URL")
	}
	if c.URL != "" && (rc.Ungroup || rc.LineBuffer) {
		return errors.New("-u and --line-buffer cannot be used with --nats: a remote job's output comes back whole")
	}
	return nil
}
