package ui

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/weft-dev/weft/cmd/weft/internal/dash"
	"github.com/weft-dev/weft/cmd/weft/internal/remote"
	"github.com/weft-dev/weft/fleet"
)

func TestMain(m *testing.M) {
	// Servers write the same user's credentials in the configuration
	// directory: keep this run's apart.
	dir, err := os.MkdirTemp("", "weft-config-")
	if err != nil {
		panic(err)
	}
	os.Setenv("XDG_CONFIG_HOME", dir)
	goleak.VerifyTestMain(m, goleak.Cleanup(func(code int) {
		os.RemoveAll(dir)
		os.Exit(code)
	}))
}

func conn(t *testing.T) *remote.Conn {
	t.Helper()
	srv, err := fleet.StartServer(fleet.ServerConfig{Dir: t.TempDir(), Streams: []fleet.StreamConfig{remote.StreamConfig("weft", 0, 0)}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	c, err := remote.Open(srv.URL(), "weft", fleet.RoleSubmitter, remote.Access{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// TestServeWithTokens: the dashboard makes its token file once (mode
// 0600) and keeps it; it answers with the tokens only; a given token file
// is read; read-only drops the act token; Serve returns when its context
// ends.
func TestServeWithTokens(t *testing.T) {
	c := conn(t)
	path := filepath.Join(t.TempDir(), "weft", "dashboard.tokens")
	srv, err := Start(Config{Conn: c, Options: Options{Addr: "127.0.0.1:0"}, TokenFile: path})
	if err != nil {
		t.Fatal(err)
	}
	toks, err := dash.ReadTokens(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("token file: %v; want mode 0600", err)
	}
	if !strings.HasSuffix(srv.URL(), "?token="+toks.Act) {
		t.Errorf("URL %s; want the act token", srv.URL())
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	client := &http.Client{}
	for tok, want := range map[string]int{"": http.StatusUnauthorized, toks.View: 200, toks.Act: 200, "wrong-token-wrong-token": http.StatusUnauthorized} {
		req, _ := http.NewRequest("GET", "http://"+srv.Addr().String()+"/api/workers", nil)
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("token %q: %d; want %d", tok, res.StatusCode, want)
		}
	}
	client.CloseIdleConnections()
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve: %v", err)
	}

	// The same file again, given; read-only.
	srv, err = Start(Config{Conn: c, Options: Options{Addr: "127.0.0.1:0", TokenFile: path, ReadOnly: true}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(srv.URL(), "?token="+toks.View) {
		t.Errorf("read-only URL %s; want the view token", srv.URL())
	}
	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	srv.Serve(ctx)
}

// TestRefusals: what the dashboard refuses, in one line that says what to
// do.
func TestRefusals(t *testing.T) {
	c := conn(t)
	path := filepath.Join(t.TempDir(), "t")
	for _, tc := range []struct {
		o    Options
		want string
	}{
		{Options{Addr: "0.0.0.0:0"}, "give the dashboard a TLS certificate"},
		{Options{Addr: "127.0.0.1:0", TokenFile: filepath.Join(t.TempDir(), "none")}, "reading the token file"},
	} {
		_, err := Start(Config{Conn: c, Options: tc.o, TokenFile: path})
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%+v: %v; want one line with %q", tc.o, err, tc.want)
		}
	}
	for _, tc := range []struct {
		o    Options
		want string
	}{
		{Options{TLSCert: "c"}, "--ui-tls-cert and --ui-tls-key go together"},
		{Options{TLSCert: "c", TLSKey: "k", Insecure: true}, "--ui-insecure-no-tls cannot go with --ui-tls-cert"},
	} {
		if err := tc.o.Check(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v; want %q", tc.o, err, tc.want)
		}
	}
}
