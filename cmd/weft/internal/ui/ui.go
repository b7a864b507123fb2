// Package ui serves the fleet's dashboard (package dash) over the fleet's
// state in JetStream (package fleetview): for weft serve --ui, which serves
// it next to its NATS port, and for weft ui --nats URL, which serves it for
// a NATS server that is not a weft serve.
//
//	srv, err := ui.Start(ui.Config{Conn: c, Options: opts, TokenFile: path})
//	fmt.Println(srv.URL()) // http://127.0.0.1:4223/?token=...
//	err = srv.Serve(ctx)
//
// The dashboard always asks for a token, on loopback too (every user of a
// shared machine can reach 127.0.0.1, as for the NATS port): the view and
// act tokens are read from --ui-token FILE, or from a token file made once
// (mode 0600) and kept, and the address printed carries the act token (the
// view token with --read-only). Off loopback it speaks TLS, with
// --ui-insecure-no-tls the only way out.
//
// Config.Mount is the place for other handlers on the same port (a
// /metrics handler, say): it is given the mux before the dashboard is
// mounted on "/", and what it mounts is served as it is, without the
// dashboard's tokens.
package ui

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"

	"github.com/weft-dev/weft/cmd/weft/internal/cli"
	"github.com/weft-dev/weft/cmd/weft/internal/dash"
	"github.com/weft-dev/weft/cmd/weft/internal/fleetview"
	"github.com/weft-dev/weft/cmd/weft/internal/remote"
)

// Options are the dashboard's options, as weft serve and weft ui take
// them.
type Options struct {
	Addr      string // host:port; "" serves no dashboard
	TokenFile string // --ui-token: the view and act tokens; "" for the default file
	ReadOnly  bool   // hide and refuse the actions
	// Insecure allows plain HTTP off loopback.
	Insecure bool
	// TLSCert and TLSKey are the dashboard's certificate and key (PEM),
	// for an address off loopback.
	TLSCert, TLSKey string
}

// OptionList declares the options that fill o, for the command named cmd
// ("weft serve" or "weft ui"); def is the default address, said in the
// help.
func OptionList(cmd string, o *Options, def string) []cli.Option {
	return []cli.Option{
		{Names: []string{"--ui"}, Arg: cli.Required, Value: "HOST:PORT",
			Help:    "serve the fleet's web dashboard at this address (default " + def + "; '' serves none). The address printed carries a token; off loopback the dashboard speaks TLS",
			Example: cmd + " --ui 0.0.0.0:8080", Set: setAddr(&o.Addr)},
		{Names: []string{"--ui-token"}, Arg: cli.Required, Value: "FILE",
			Help:    "the dashboard's tokens: a file (mode 0600) of lines view=TOKEN (sees every page) and act=TOKEN (also halts runs). Default: a file made once with fresh tokens, " + defaultTokenWhere(cmd),
			Example: cmd + " --ui-token ~/.config/weft/dashboard.tokens", Set: cli.String(&o.TokenFile)},
		{Names: []string{"--read-only"}, Help: "show the dashboard without its actions: no run can be halted from it, whatever the token",
			Example: cmd + " --read-only", Set: cli.True(&o.ReadOnly)},
		{Names: []string{"--ui-tls-cert"}, Arg: cli.Required, Value: "FILE",
			Help:    "the dashboard's certificate (PEM), with --ui-tls-key, for an address off loopback" + tlsDefault(cmd),
			Example: cmd + " --ui 0.0.0.0:8080 --ui-tls-cert ui.pem --ui-tls-key ui.key", Set: cli.String(&o.TLSCert)},
		{Names: []string{"--ui-tls-key"}, Arg: cli.Required, Value: "FILE",
			Help:    "the key (PEM) of --ui-tls-cert",
			Example: cmd + " --ui 0.0.0.0:8080 --ui-tls-cert ui.pem --ui-tls-key ui.key", Set: cli.String(&o.TLSKey)},
		{Names: []string{"--ui-insecure-no-tls"}, Help: "serve the dashboard in plain HTTP off loopback: its tokens and every command cross the network in clear",
			Example: cmd + " --ui 0.0.0.0:8080 --ui-insecure-no-tls", Set: cli.True(&o.Insecure)},
	}
}

func tlsDefault(cmd string) string {
	if cmd == "weft serve" {
		return " (default: the NATS port's, given with --tls-cert or made by the server, signed by the CA in the store's tls/ca.pem)"
	}
	return " (off loopback the dashboard needs one, or --ui-insecure-no-tls)"
}

// Check refuses options that do not go together.
func (o *Options) Check() error {
	switch {
	case (o.TLSCert == "") != (o.TLSKey == ""):
		return errors.New("--ui-tls-cert and --ui-tls-key go together: give both, or neither")
	case o.Insecure && o.TLSCert != "":
		return errors.New("--ui-insecure-no-tls cannot go with --ui-tls-cert")
	}
	return nil
}

func defaultTokenWhere(cmd string) string {
	if cmd == "weft serve" {
		return "dashboard.tokens in the store's creds directory, next to the credentials"
	}
	return "dashboard.tokens in your configuration directory's weft directory"
}

func setAddr(dst *string) func(flag, v string) error {
	return func(flag, v string) error {
		if v == "" {
			*dst = ""
			return nil
		}
		_, port, err := net.SplitHostPort(v)
		if err != nil || port == "" {
			return cli.BadValue(flag, v, "host:port, such as 127.0.0.1:4223, or '' for no dashboard")
		}
		*dst = v
		return nil
	}
}

// DefaultTokenFile is where weft ui keeps its tokens when not given
// --ui-token.
func DefaultTokenFile() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("no configuration directory for the dashboard's tokens (give --ui-token FILE): %w", err)
	}
	return filepath.Join(dir, "weft", "dashboard.tokens"), nil
}

// Config is a dashboard to serve.
type Config struct {
	Conn    *remote.Conn // the fleet's connection: a submitter's or an administrator's
	Options Options
	// TokenFile is the token file made (or read) when Options.TokenFile is
	// not given.
	TokenFile string
	// TLS is the TLS configuration off loopback (weft serve's own, or
	// none for weft ui, which then needs Options.Insecure off loopback).
	TLS *tls.Config
	// Name is what the pages call the fleet.
	Name string
	// OnResult, if set, is given every report of the results stream the
	// dashboard follows (fleetview.Config.OnResult).
	OnResult func(data []byte)
	// Mount, if set, adds handlers to the dashboard's mux before the
	// dashboard is mounted on "/" (a /metrics handler, say). They are
	// served without the dashboard's tokens.
	Mount func(mux *http.ServeMux)
}

// Server is a dashboard being served.
type Server struct {
	src     *fleetview.Source
	d       *dash.Dash
	ln      net.Listener
	handler http.Handler
	url     string
}

// Start starts following the fleet and listens on cfg.Options.Addr.
func Start(cfg Config) (*Server, error) {
	o := cfg.Options
	path := o.TokenFile
	var toks dash.Tokens
	var err error
	if path != "" {
		toks, err = dash.ReadTokens(path)
	} else {
		path = cfg.TokenFile
		if err = os.MkdirAll(filepath.Dir(path), 0o700); err == nil {
			toks, _, err = dash.LoadOrCreateTokens(path)
		}
	}
	if err != nil {
		return nil, err
	}
	if o.ReadOnly {
		toks.Act = ""
	}
	host, _, _ := net.SplitHostPort(o.Addr)
	var tlsCfg *tls.Config
	if !loopback(host) && !o.Insecure {
		tlsCfg = cfg.TLS
		if o.TLSCert != "" {
			if tlsCfg, err = dash.LoadTLS(o.TLSCert, o.TLSKey); err != nil {
				return nil, err
			}
		}
	}
	src, err := fleetview.Start(cfg.Conn, fleetview.Config{OnResult: cfg.OnResult})
	if err != nil {
		return nil, err
	}
	d, err := dash.New(dash.Config{Source: src, Actions: src, ReadOnly: o.ReadOnly, Tokens: toks, TLS: tlsCfg, Insecure: o.Insecure, Name: cfg.Name})
	if err != nil {
		src.Close()
		return nil, err
	}
	ln, err := d.Listen(o.Addr)
	if err != nil {
		src.Close()
		return nil, fmt.Errorf("%w (--ui: give another HOST:PORT, or '' for no dashboard)", err)
	}
	mux := http.NewServeMux()
	if cfg.Mount != nil {
		cfg.Mount(mux)
	}
	mux.Handle("/", d)
	return &Server{src: src, d: d, ln: ln, handler: mux, url: d.URL(ln)}, nil
}

// loopback tells whether host is reachable from this machine only.
func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// URL is the dashboard's address with a token for a first login.
func (s *Server) URL() string { return s.url }

// Addr is the address the dashboard listens on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Serve serves the dashboard until ctx ends, then stops following the
// fleet. It returns nil after ctx ended, or the error that stopped it.
func (s *Server) Serve(ctx context.Context) error {
	defer s.src.Close()
	return s.d.ServeHandler(ctx, s.ln, s.handler)
}
