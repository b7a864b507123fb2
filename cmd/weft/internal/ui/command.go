package ui

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/weft-dev/weft/cmd/weft/internal/cli"
	"github.com/weft-dev/weft/cmd/weft/internal/remote"
	"github.com/weft-dev/weft/fleet"
)

// DefaultAddr is where weft ui serves the dashboard unless --ui says
// otherwise.
const DefaultAddr = "127.0.0.1:4223"

// CommandConfig is what weft ui was asked to do.
type CommandConfig struct {
	NATS   string
	Stream string
	Access remote.Access
	UI     Options
	// Mount, if set, adds handlers to the dashboard's port (see
	// Config.Mount): the place for a /metrics handler.
	Mount func(mux *http.ServeMux)
}

// Command is weft ui, with its options.
func Command() *cli.Command {
	return &cli.Command{
		Name:    "ui",
		Summary: "serve the fleet's web dashboard for a NATS server that is not a weft serve",
		Doc:     "weft ui serves the fleet's web dashboard (the workers, the runs and their jobs, the latest failures; halting a run) for the stream set of a NATS server, with a submitter's credentials. weft serve serves the same dashboard itself (--ui); weft ui is for a NATS server run otherwise. It prints the dashboard's address, with a token, on stdout, and runs until SIGINT or SIGTERM.",
		Example: "weft ui --nats nats://queue.example:4222 --ui 127.0.0.1:8080",
		Bind: func() cli.Bound {
			c := &CommandConfig{NATS: remote.DefaultNATS, Stream: remote.DefaultStream, UI: Options{Addr: DefaultAddr}}
			return cli.Bound{
				Sections: []cli.Section{{Title: "Options", Options: append([]cli.Option{
					{Names: []string{"--nats"}, Arg: cli.Required, Value: "URL", Help: "the NATS server or cluster of the fleet (default " + remote.DefaultNATS + ")",
						Example: "weft ui --nats nats://queue.example:4222", Set: cli.String(&c.NATS)},
					{Names: []string{"--stream"}, Arg: cli.Required, Value: "S", Help: "the stream set to show (default weft)",
						Example: "weft ui --stream builds", Set: remote.SetName(&c.Stream)},
				}, OptionList("weft ui", &c.UI, DefaultAddr)...)},
					{Title: "Credentials and TLS", Intro: "for the NATS server: a submitter's", Options: remote.AccessOptions("weft ui", &c.Access)}},
				Run: func(operands []string, env cli.Env) int {
					if err := cli.NoOperands("weft ui", operands); err != nil {
						return cli.Fail(env, err)
					}
					if err := c.Access.Check(); err != nil {
						return cli.Fail(env, err)
					}
					if err := c.UI.Check(); err != nil {
						return cli.Fail(env, err)
					}
					if c.UI.Addr == "" {
						return cli.Fail(env, fmt.Errorf("weft ui serves the dashboard: give --ui HOST:PORT, not ''"))
					}
					return Run(context.Background(), c, env)
				},
			}
		},
	}
}

// Run is weft ui: it serves the dashboard until ctx ends or, with
// env.Main, until SIGINT or SIGTERM, and returns the exit status.
func Run(ctx context.Context, c *CommandConfig, env cli.Env) int {
	conn, err := remote.Open(c.NATS, c.Stream, fleet.RoleSubmitter, c.Access)
	if err != nil {
		fmt.Fprintf(env.Stderr, "weft: %v\n", err)
		return 255
	}
	defer conn.Close()
	path := ""
	if c.UI.TokenFile == "" {
		if path, err = DefaultTokenFile(); err != nil {
			fmt.Fprintf(env.Stderr, "weft: %v\n", err)
			return 255
		}
	}
	srv, err := Start(Config{Conn: conn, Options: c.UI, TokenFile: path, Name: remote.Redact(c.NATS) + " " + c.Stream, Mount: c.Mount})
	if err != nil {
		fmt.Fprintf(env.Stderr, "weft: %v\n", err)
		return 255
	}
	fmt.Fprintf(env.Stderr, "weft: dashboard of stream %s at %s\n", c.Stream, remote.Redact(c.NATS))
	fmt.Fprintln(env.Stdout, srv.URL())
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if env.Main {
		ctx, cancel = signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
		defer cancel()
	}
	if err := srv.Serve(ctx); err != nil {
		fmt.Fprintf(env.Stderr, "weft: dashboard: %v\n", err)
		return 1
	}
	return 0
}
