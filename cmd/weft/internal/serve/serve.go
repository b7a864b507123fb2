// Package serve is weft serve: an embedded NATS server with JetStream (the
// fleet module's), for a team without a NATS installation. It prints the
// URL to give to weft --nats and weft worker --nats, and runs until SIGINT
// or SIGTERM.
//
//	status := serve.Run(ctx, &serve.Config{Store: "/var/lib/weft", Host: "0.0.0.0", Port: 4222}, env)
package serve

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/weft-dev/weft/cmd/weft/internal/cli"
	"github.com/weft-dev/weft/fleet"
)

// Config is what weft serve was asked to do.
type Config struct {
	Store string // the directory of the server's streams
	Host  string // the address to listen on
	Port  int    // 0: any free port
}

// Command is weft serve, with its options.
func Command() *cli.Command {
	return &cli.Command{
		Name:    "serve",
		Summary: "run an embedded NATS server with JetStream, for a team without one",
		Doc:     "weft serve runs an embedded NATS server with JetStream, for a team without a NATS installation. It prints its URL on stdout, to give to weft --nats and weft worker --nats, and runs until SIGINT or SIGTERM.",
		Example: "weft serve --listen 0.0.0.0:4222",
		Bind: func() cli.Bound {
			o := &Config{Store: "weft-store", Host: "127.0.0.1", Port: 4222}
			return cli.Bound{
				Sections: []cli.Section{{Title: "Options", Options: []cli.Option{
					{Names: []string{"--store"}, Arg: cli.Required, Value: "DIR", Help: "the directory where jobs and results are kept (default ./weft-store)",
						Example: "weft serve --store /var/lib/weft", Set: cli.String(&o.Store)},
					{Names: []string{"--listen"}, Arg: cli.Required, Value: "HOST:PORT", Help: "the address to listen on (default 127.0.0.1:4222; port 0: any free port)",
						Example: "weft serve --listen 0.0.0.0:4222", Set: o.setListen},
				}}},
				Run: func(operands []string, env cli.Env) int {
					if err := cli.NoOperands("weft serve", operands); err != nil {
						return cli.Fail(env, err)
					}
					return Run(context.Background(), o, env)
				},
			}
		},
	}
}

func (o *Config) setListen(flag, v string) error {
	host, portText, err := net.SplitHostPort(v)
	port, perr := strconv.Atoi(portText)
	if err != nil || perr != nil || port < 0 || port > 65535 {
		return cli.BadValue(flag, v, "host:port, such as 127.0.0.1:4222")
	}
	o.Host, o.Port = host, port
	return nil
}

// Run is weft serve: it starts the server, prints its URL on env.Stdout,
// and runs until ctx ends or, with env.Main, until SIGINT or SIGTERM; it
// returns the exit status.
func Run(ctx context.Context, o *Config, env cli.Env) int {
	stdout, stderr := env.Stdout, env.Stderr
	if err := os.MkdirAll(o.Store, 0o755); err != nil {
		fmt.Fprintf(stderr, "weft: bad value for --store: %v\n", err)
		return 255
	}
	srv, err := fleet.StartServer(fleet.ServerConfig{Dir: o.Store, Host: o.Host, Port: o.Port})
	if err != nil {
		fmt.Fprintf(stderr, "weft: %v\n", err)
		return 255
	}
	defer srv.Shutdown()
	fmt.Fprintln(stdout, srv.URL())
	fmt.Fprintf(stderr, "weft: serving JetStream at %s, store %s; submit with weft --nats %s, run workers with weft worker --nats %s\n",
		srv.URL(), o.Store, srv.URL(), srv.URL())
	var ch chan os.Signal // nil: no signal
	if env.Main {
		ch = make(chan os.Signal, 1)
		signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM)
		defer signal.Stop(ch)
	}
	select {
	case <-ch:
	case <-ctx.Done():
	}
	fmt.Fprintln(stderr, "weft: server stopping")
	return 0
}
