package dash

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"
)

// Listen listens on addr (host:port) for the dashboard. An address that
// is not loopback (127.0.0.1, ::1, localhost) needs tokens, and TLS unless
// Config.Insecure is set: anyone on the network could otherwise read the
// fleet's commands and halt its runs. With Config.TLS the listener speaks
// TLS.
func (d *Dash) Listen(addr string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("dash: bad address %q: want host:port, such as 127.0.0.1:4223", addr)
	}
	if !loopbackHost(host) {
		if d.cfg.Tokens.none() {
			return nil, fmt.Errorf("dash: %s is not a loopback address, and the dashboard has no token: give it a token, or listen on 127.0.0.1", addr)
		}
		if d.cfg.TLS == nil && !d.cfg.Insecure {
			return nil, fmt.Errorf("dash: %s is not a loopback address: give the dashboard a TLS certificate, or allow plain HTTP explicitly (its tokens then cross the network in clear)", addr)
		}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("dash: %w", err)
	}
	if d.cfg.TLS != nil {
		ln = tls.NewListener(ln, d.cfg.TLS)
	}
	return ln, nil
}

// Serve serves the dashboard on ln until ctx ends, then closes the live
// streams and shuts the server down (waiting at most 5 s for requests in
// flight). It returns nil after ctx ended, or the error that stopped it.
func (d *Dash) Serve(ctx context.Context, ln net.Listener) error {
	return d.ServeHandler(ctx, ln, d)
}

// ServeHandler is Serve with h answering the requests: a mux that routes
// some paths elsewhere (a /metrics handler, say) and the rest to d.
func (d *Dash) ServeHandler(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		ErrorLog: log.New(io.Discard, "", 0)}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		d.Close()
		return err
	case <-ctx.Done():
	}
	d.Close()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}

// URL is the dashboard's address on ln, with the act token (or the view
// token, when there is no act token) in the query for a first login, as
// `weft serve` prints it. A listener on every interface is named by the
// machine's host name.
func (d *Dash) URL(ln net.Listener) string {
	u := url.URL{Scheme: "http", Host: ln.Addr().String(), Path: "/"}
	if d.cfg.TLS != nil {
		u.Scheme = "https"
	}
	if ta, ok := ln.Addr().(*net.TCPAddr); ok && ta.IP.IsUnspecified() {
		if h, err := os.Hostname(); err == nil {
			u.Host = net.JoinHostPort(h, fmt.Sprint(ta.Port))
		}
	}
	tok := d.cfg.Tokens.Act
	if tok == "" {
		tok = d.cfg.Tokens.View
	}
	if tok != "" {
		u.RawQuery = url.Values{"token": {tok}}.Encode()
	}
	return u.String()
}

// LoadTLS reads a certificate and its key (PEM files) into a TLS
// configuration for Config.TLS.
func LoadTLS(certFile, keyFile string) (*tls.Config, error) {
	c, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("dash: TLS certificate: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{c}, MinVersion: tls.VersionTLS12}, nil
}
