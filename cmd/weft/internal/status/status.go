// Package status is weft status: the fleet's overview (workers alive, jobs
// running and queued, the runs with their counts, the latest failures), or
// one run's (its progress, a page of its jobs, its latest failures with
// their stderr), printed once from the fleet's state in JetStream, as text
// or, with --json, as the documents of the dashboard's API.
//
//	status := status.Run(ctx, &status.Config{NATS: url, Stream: "weft"}, env)
//
// The JSON documents are dash.Overview (GET /api/overview) and
// dash.RunDetail (GET /api/runs/RUN): their field names are stable, and
// new fields are only ever added.
package status

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/weft-dev/weft/cmd/weft/internal/cli"
	"github.com/weft-dev/weft/cmd/weft/internal/dash"
	"github.com/weft-dev/weft/cmd/weft/internal/fleetview"
	"github.com/weft-dev/weft/cmd/weft/internal/remote"
	"github.com/weft-dev/weft/fleet"
)

// Config is what weft status was asked for.
type Config struct {
	NATS   string
	Stream string
	Access remote.Access
	JSON   bool
	State  dash.JobState // of the run's jobs listed; "" for every job
	Page   int           // of the run's jobs, from 1
	Run    string        // "" for the overview
}

// pageSize is how many of a run's jobs are listed.
const pageSize = 25

// Command is weft status, with its options.
func Command() *cli.Command {
	return &cli.Command{
		Name:    "status",
		Summary: "print the fleet's state, or a run's, once",
		Doc:     "weft status prints the state of the fleet behind a NATS server (workers alive, jobs running and queued, the runs with their counts, the latest failures), or with RUN that run's (its progress, a page of its jobs, its latest failures with their stderr), as the dashboard shows them. With --json it prints the dashboard API's documents (GET /api/overview, GET /api/runs/RUN), whose fields are stable. Exit status 0; 255, with one line, for bad usage, an unreachable server or an unknown run.",
		Usage:   []string{"weft status [OPTIONS] [RUN]"},
		Example: "weft status --nats nats://queue.example:4222 --json",
		Bind: func() cli.Bound {
			c := &Config{NATS: remote.DefaultNATS, Stream: remote.DefaultStream, Page: 1}
			return cli.Bound{
				Sections: []cli.Section{{Title: "Options", Options: []cli.Option{
					{Names: []string{"--nats"}, Arg: cli.Required, Value: "URL", Help: "the NATS server or cluster of the fleet (default " + remote.DefaultNATS + ")",
						Example: "weft status --nats nats://queue.example:4222", Set: cli.String(&c.NATS)},
					{Names: []string{"--stream"}, Arg: cli.Required, Value: "S", Help: "the stream set to show (default weft)",
						Example: "weft status --stream builds", Set: remote.SetName(&c.Stream)},
					{Names: []string{"--json"}, Help: "print JSON: the overview as GET /api/overview gives it, a run as GET /api/runs/RUN does",
						Example: "weft status --json | jq .runs", Set: cli.True(&c.JSON)},
					{Names: []string{"--state"}, Arg: cli.Required, Value: "STATE", Help: "with RUN: list its jobs in this state only: queued, running, done, failed, skipped or all (default all)",
						Example: "weft status --state failed 3f9a1c2b7d4e", Set: c.setState},
					{Names: []string{"--page"}, Arg: cli.Required, Value: "N", Help: "with RUN: list the N-th page of its jobs, 25 to a page (default 1)",
						Example: "weft status --page 2 3f9a1c2b7d4e", Set: cli.Int(&c.Page, 1)},
				}}, {Title: "Credentials and TLS", Intro: "for the NATS server: a submitter's", Options: remote.AccessOptions("weft status", &c.Access)}},
				Run: func(operands []string, env cli.Env) int {
					switch len(operands) {
					case 0:
					case 1:
						c.Run = operands[0]
					default:
						return cli.Fail(env, fmt.Errorf("weft status takes at most one run ID, got %d operands: %q", len(operands), operands))
					}
					if c.Run != "" {
						var id string
						if err := remote.SetName(&id)("RUN", c.Run); err != nil {
							return cli.Fail(env, err)
						}
					} else if c.State != "" || c.Page != 1 {
						return cli.Fail(env, errors.New("--state and --page list a run's jobs: give the run's ID"))
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

func (c *Config) setState(flag, v string) error {
	st, err := dash.ParseJobState(v)
	if err != nil {
		return cli.BadValue(flag, v, "queued, running, done, failed, skipped or all")
	}
	c.State = st
	return nil
}

// Run prints the fleet's state once, and returns the exit status.
func Run(ctx context.Context, c *Config, env cli.Env) int {
	fail := func(err error) int {
		fmt.Fprintf(env.Stderr, "weft: %v\n", err)
		return 255
	}
	conn, err := remote.Open(c.NATS, c.Stream, fleet.RoleSubmitter, c.Access)
	if err != nil {
		return fail(err)
	}
	defer conn.Close()
	src, err := fleetview.Start(conn, fleetview.Config{})
	if err != nil {
		return fail(err)
	}
	defer src.Close()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := src.Sync(ctx); err != nil {
		return fail(fmt.Errorf("reading the fleet's state at %s: %w", remote.Redact(c.NATS), err))
	}
	var v any
	var text func() error
	if c.Run == "" {
		o, err := dash.LoadOverview(ctx, src)
		if err != nil {
			return fail(err)
		}
		v, text = o, func() error { return o.WriteText(env.Stdout) }
	} else {
		d, err := dash.LoadRun(ctx, src, c.Run, dash.JobQuery{State: c.State, Offset: int64(c.Page-1) * pageSize, Limit: pageSize})
		if errors.Is(err, dash.ErrNotFound) {
			return fail(fmt.Errorf("run %s: not found in stream %s (weft status lists the runs)", c.Run, c.Stream))
		}
		if err != nil {
			return fail(err)
		}
		v, text = d, func() error { return d.WriteText(env.Stdout) }
	}
	if c.JSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(v)
	} else {
		err = text()
	}
	if err != nil {
		return fail(err)
	}
	return 0
}
