// Package serve is weft serve: an embedded NATS server with JetStream (the
// fleet module's), for a team without a NATS installation. It prints the
// URL to give to weft --nats and weft worker --nats, and runs until SIGINT
// or SIGTERM.
//
//	status := serve.Run(ctx, &serve.Config{Store: "/var/lib/weft", Host: "0.0.0.0", Port: 4222}, env)
//
// The server is closed to anyone without credentials, loopback included,
// and speaks TLS only (with a certificate it makes, signed by a CA it
// keeps in the store, unless given one). On its first start it makes the
// keys that sign credentials, in the store; at each start it writes a
// submitter's and a worker's credentials (mode 0600) in the store and in
// the user's configuration directory, where weft --nats and weft worker
// run by the same user on this machine find them. weft serve credentials
// makes more, to hand out to other machines.
package serve

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/weft-dev/weft/cmd/weft/internal/cli"
	"github.com/weft-dev/weft/cmd/weft/internal/metrics"
	"github.com/weft-dev/weft/cmd/weft/internal/remote"
	"github.com/weft-dev/weft/cmd/weft/internal/ui"
	"github.com/weft-dev/weft/fleet"
)

// Config is what weft serve was asked to do.
type Config struct {
	Store      string        // the directory of the server's streams and keys
	Host       string        // the address to listen on
	Port       int           // 0: any free port
	Streams    []string      // the streams it serves; none: remote.DefaultStream
	AckWait    time.Duration // of the streams' jobs; 0: fleet's default
	MaxDeliver int           // of the streams' jobs; 0: fleet's default
	// TLSCert and TLSKey are the server's certificate and key; without
	// them the server makes its own. TLSCA, if set, makes clients present
	// a certificate that one of its CAs signed.
	TLSCert, TLSKey, TLSCA string
	// InsecureNoTLS makes the server speak plain text.
	InsecureNoTLS bool
	// UI is the dashboard's options; UI.Addr "" serves none. Its default
	// (uiDefault) is 127.0.0.1 on the port after the NATS port.
	UI        ui.Options
	uiDefault bool
	// Mount, if set, adds handlers to the dashboard's port, next to its
	// /metrics: see ui.Config.Mount.
	Mount func(mux *http.ServeMux)
}

// Defaults is weft serve's configuration before any option.
func Defaults() *Config {
	return &Config{Store: "weft-store", Host: "127.0.0.1", Port: 4222, uiDefault: true}
}

// Command is weft serve, with its options and weft serve credentials.
func Command() *cli.Command {
	return &cli.Command{
		Name:    "serve",
		Summary: "run an embedded NATS server with JetStream, for a team without one",
		Doc:     "weft serve runs an embedded NATS server with JetStream, for a team without a NATS installation. It prints its URL on stdout, to give to weft --nats and weft worker --nats, and runs until SIGINT or SIGTERM. It requires credentials, on loopback too (any user of the machine can reach 127.0.0.1), and speaks TLS: it writes a submitter's and a worker's credentials (mode 0600) in the store and in your configuration directory, where weft --nats and weft worker run by you on this machine find them; weft serve credentials makes more, to hand out.",
		Example: "weft serve --listen 0.0.0.0:4222",
		Bind: func() cli.Bound {
			o := Defaults()
			return cli.Bound{
				Sections: []cli.Section{{Title: "Options", Options: []cli.Option{
					{Names: []string{"--store"}, Arg: cli.Required, Value: "DIR", Help: "the directory where jobs, results and the keys that sign credentials are kept (default ./weft-store; made with mode 0700)",
						Example: "weft serve --store /var/lib/weft", Set: cli.String(&o.Store)},
					{Names: []string{"--listen"}, Arg: cli.Required, Value: "HOST:PORT", Help: "the address to listen on (default 127.0.0.1:4222; port 0: any free port)",
						Example: "weft serve --listen 0.0.0.0:4222", Set: o.setListen},
					{Names: []string{"--stream"}, Arg: cli.Required, Value: "S", Repeats: true, Help: "serve the stream S (default weft); repeat it for more. The credentials it writes may use these streams only",
						Example: "weft serve --stream weft --stream builds", Set: o.addStream},
					{Names: []string{"--ack-wait"}, Arg: cli.Required, Value: "D", Help: "how long the job of a worker that vanished waits before another worker takes it (default 30s, at least 1s); a long job sends heartbeats meanwhile",
						Example: "weft serve --ack-wait 2m", Set: setAckWait(&o.AckWait)},
					{Names: []string{"--max-deliver"}, Arg: cli.Required, Value: "N", Help: "hand a job out at most N times (default 5); then it is recorded as failed",
						Example: "weft serve --max-deliver 3", Set: cli.Int(&o.MaxDeliver, 1)},
				}}, {Title: "Dashboard", Intro: "the fleet's web dashboard, on by default at 127.0.0.1 on the port after the NATS port (the first --stream's)", Options: o.uiOptions()},
					{Title: "TLS", Intro: "on by default, with a certificate the server makes", Options: []cli.Option{
						{Names: []string{"--tls-cert"}, Arg: cli.Required, Value: "FILE", Help: "the server's certificate (PEM), with --tls-key; clients check it against their --tls-ca, or the system's CAs. Default: a certificate signed by a CA the server keeps in the store, which the credentials it makes carry",
							Example: "weft serve --tls-cert server.pem --tls-key server.key", Set: cli.String(&o.TLSCert)},
						{Names: []string{"--tls-key"}, Arg: cli.Required, Value: "FILE", Help: "the key (PEM) of --tls-cert",
							Example: "weft serve --tls-cert server.pem --tls-key server.key", Set: cli.String(&o.TLSKey)},
						{Names: []string{"--tls-ca"}, Arg: cli.Required, Value: "FILE", Help: "require a client certificate signed by one of the CAs in this PEM file (clients give theirs with --tls-cert and --tls-key), on top of credentials",
							Example: "weft serve --tls-ca clients-ca.pem", Set: cli.String(&o.TLSCA)},
						{Names: []string{"--insecure-no-tls"}, Help: "speak plain text: anyone on the network path can read every job and result, and take over a connection to run jobs on the workers; and a client cannot tell this server from another one that took its address, to which it would send its credentials",
							Example: "weft serve --insecure-no-tls", Set: cli.True(&o.InsecureNoTLS)},
					}}},
				Run: func(operands []string, env cli.Env) int {
					if err := cli.NoOperands("weft serve", operands); err != nil {
						return cli.Fail(env, err)
					}
					return Run(context.Background(), o, env)
				},
			}
		},
		Subcommands: []*cli.Command{credentialsCommand()},
	}
}

// uiOptions are the dashboard's options; --ui replaces the default
// address.
func (o *Config) uiOptions() []cli.Option {
	opts := ui.OptionList("weft serve", &o.UI, "127.0.0.1:PORT+1")
	set := opts[0].Set
	opts[0].Set = func(flag, v string) error {
		o.uiDefault = false
		return set(flag, v)
	}
	return opts
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

func (o *Config) addStream(flag, v string) error {
	var s string
	if err := remote.SetName(&s)(flag, v); err != nil {
		return err
	}
	o.Streams = append(o.Streams, s)
	return nil
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

// check refuses TLS options that do not go together.
func (o *Config) check() error {
	switch {
	case (o.TLSCert == "") != (o.TLSKey == ""):
		return errors.New("--tls-cert and --tls-key go together: give both, or neither (the server then makes its own certificate)")
	case o.InsecureNoTLS && (o.TLSCert != "" || o.TLSCA != ""):
		return errors.New("--insecure-no-tls cannot go with --tls-cert or --tls-ca")
	}
	return o.UI.Check()
}

// streams is the fleet configuration of the streams served.
func (o *Config) streams() []fleet.StreamConfig {
	names := o.Streams
	if len(names) == 0 {
		names = []string{remote.DefaultStream}
	}
	var out []fleet.StreamConfig
	for _, s := range names {
		out = append(out, remote.StreamConfig(s, o.AckWait, o.MaxDeliver))
	}
	return out
}

// startUI starts the dashboard of the first stream served, over an
// in-process submitter's connection, with the NATS port's TLS off
// loopback and tokens kept next to the credentials; the Prometheus metrics
// of every stream served are at /metrics on the same port. The function
// it returns closes what it opened, once the dashboard has stopped.
func (o *Config) startUI(ctx context.Context, srv *fleet.Server) (*ui.Server, func(), error) {
	streams := o.streams()
	js, err := srv.ConnectInProcess(fleet.RoleSubmitter)
	if err != nil {
		return nil, nil, fmt.Errorf("dashboard: %w", err)
	}
	c, err := remote.Bind(js, streams[0].Name)
	if err != nil {
		js.Conn().Close()
		return nil, nil, fmt.Errorf("dashboard: %w", err)
	}
	names := make([]string, len(streams))
	for i, s := range streams {
		names[i] = s.Name
	}
	// The dashboard follows the first stream's results: the metrics count
	// them there, rather than following them a second time.
	m, err := metrics.NewServerFed(ctx, js, names[1:], names[:1])
	if err != nil {
		c.Close()
		return nil, nil, fmt.Errorf("metrics: %w", err)
	}
	mount := func(mux *http.ServeMux) {
		metrics.Mount(mux, m)
		if o.Mount != nil {
			o.Mount(mux)
		}
	}
	d, err := ui.Start(ui.Config{Conn: c, Options: o.UI, TokenFile: filepath.Join(o.Store, "creds", "dashboard.tokens"),
		TLS: srv.TLS(), Name: srv.URL() + " " + streams[0].Name, Mount: mount,
		OnResult: func(data []byte) { m.Count(names[0], data) }})
	if err != nil {
		m.Close()
		c.Close()
		return nil, nil, err
	}
	return d, func() { m.Close(); c.Close() }, nil
}

// loopback tells whether host is reachable from this machine only.
func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Run is weft serve: it starts the server, prints its URL on env.Stdout,
// and runs until ctx ends or, with env.Main, until SIGINT or SIGTERM; it
// returns the exit status.
func Run(ctx context.Context, o *Config, env cli.Env) int {
	stdout, stderr := env.Stdout, env.Stderr
	if err := o.check(); err != nil {
		return cli.Fail(env, err)
	}
	if err := os.MkdirAll(o.Store, 0o700); err != nil {
		fmt.Fprintf(stderr, "weft: bad value for --store: %v\n", err)
		return 255
	}
	srv, err := fleet.StartServer(fleet.ServerConfig{
		Dir: o.Store, Host: o.Host, Port: o.Port, Streams: o.streams(),
		TLSCert: o.TLSCert, TLSKey: o.TLSKey, TLSClientCA: o.TLSCA, InsecureNoTLS: o.InsecureNoTLS,
	})
	if err != nil {
		fmt.Fprintf(stderr, "weft: %v\n", err)
		return 255
	}
	defer srv.Shutdown()
	fmt.Fprintf(stderr, "weft: serving JetStream at %s, store %s; submit with weft --nats %s, run workers with weft worker --nats %s\n",
		srv.URL(), o.Store, srv.URL(), srv.URL())
	fmt.Fprintf(stderr, "weft: credentials are required: yours on this machine are found without flags; for other machines, hand out weft serve credentials --store %s -o submitter.creds submitter (and worker), given with --nats-creds FILE\n", o.Store)
	if o.InsecureNoTLS {
		where := "this machine's users"
		if !loopback(o.Host) {
			where = "anyone on the network path"
		}
		fmt.Fprintf(stderr, "weft: --insecure-no-tls: plain text: %s can read every job and result and take over a connection to run jobs on the workers\n", where)
	}
	if o.uiDefault {
		port := 0
		if o.Port != 0 {
			port = o.Port + 1
		}
		o.UI.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	}
	if o.UI.Addr != "" {
		dash, closeUI, err := o.startUI(ctx, srv)
		if err != nil {
			fmt.Fprintf(stderr, "weft: %v\n", err)
			return 255
		}
		uictx, stopUI := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			if err := dash.Serve(uictx); err != nil {
				fmt.Fprintf(stderr, "weft: dashboard: %v\n", err)
			}
		}()
		defer func() { stopUI(); <-done; closeUI() }()
		fmt.Fprintf(stderr, "weft: dashboard of stream %s at %s\n", o.streams()[0].Name, dash.URL())
	}
	fmt.Fprintln(stdout, srv.URL()) // last: what it said on stderr comes before
	var ch chan os.Signal           // nil: no signal
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
