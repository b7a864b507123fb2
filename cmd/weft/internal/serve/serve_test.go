package serve

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"go.uber.org/goleak"

	"github.com/weft-dev/weft/cmd/weft/internal/cli"
	"github.com/weft-dev/weft/cmd/weft/internal/dash"
	"github.com/weft-dev/weft/cmd/weft/internal/remote"
	"github.com/weft-dev/weft/cmd/weft/internal/ui"
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

// lineWriter hands each line written to it to a channel.
type lineWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	lines chan string
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	for {
		line, err := w.buf.ReadString('\n')
		if err != nil {
			w.buf.WriteString(line)
			return len(p), nil
		}
		w.lines <- strings.TrimSpace(line)
	}
}

func TestServeUntilTheContextEnds(t *testing.T) {
	store := filepath.Join(t.TempDir(), "store")
	out := &lineWriter{lines: make(chan string, 4)}
	var errb bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	status := make(chan int)
	go func() {
		status <- Run(ctx, &Config{Store: store, Host: "127.0.0.1", Port: 0}, cli.Env{Stdout: out, Stderr: &errb})
	}()
	u := <-out.lines
	if !strings.HasPrefix(u, "tls://127.0.0.1:") {
		t.Fatalf("printed %q; want the server's URL", u)
	}
	// A submitter and a worker of the same user find their credentials.
	for _, role := range []fleet.Role{fleet.RoleSubmitter, fleet.RoleWorker} {
		c, err := remote.Open(u, remote.DefaultStream, role, remote.Access{})
		if err != nil {
			t.Fatal(err)
		}
		c.Close()
	}
	cancel()
	if s := <-status; s != 0 {
		t.Errorf("status %d; want 0", s)
	}
	if _, err := os.Stat(filepath.Join(store, "jetstream")); err != nil {
		t.Errorf("store: %v", err)
	}
	if !strings.Contains(errb.String(), "weft: serving JetStream at "+u) {
		t.Errorf("stderr %q; want how to use it", errb.String())
	}
}

func TestAStoreThatCannotBeMadeIsBadUsage(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o644)
	var errb bytes.Buffer
	if s := Run(context.Background(), &Config{Store: filepath.Join(file, "store")}, cli.Env{Stdout: &errb, Stderr: &errb}); s != 255 || !strings.HasPrefix(errb.String(), "weft: bad value for --store:") || strings.Count(errb.String(), "\n") != 1 {
		t.Errorf("status %d, %q; want 255 and one line", s, errb.String())
	}
}

func TestListen(t *testing.T) {
	for v, want := range map[string]Config{"0.0.0.0:4222": {Host: "0.0.0.0", Port: 4222}, "127.0.0.1:0": {Host: "127.0.0.1"}, ":5000": {Port: 5000}} {
		var c Config
		if err := c.setListen("--listen", v); err != nil || c.Host != want.Host || c.Port != want.Port {
			t.Errorf("%q: %+v, %v; want %+v", v, c, err, want)
		}
	}
	for _, bad := range []string{"nowhere", "host:port", "h:70000", "h:-1"} {
		var c Config
		if err := c.setListen("--listen", bad); err == nil || !strings.HasPrefix(err.Error(), `bad value for --listen: "`+bad+`"`) {
			t.Errorf("%q: %v; want it refused", bad, err)
		}
	}
}

// serve starts weft serve with c in process, and returns its URL, its
// stderr so far and a function that stops it.
func serve(t *testing.T, c *Config) (string, *lockedBuffer, func()) {
	t.Helper()
	out := &lineWriter{lines: make(chan string, 4)}
	errb := &lockedBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	status := make(chan int, 1)
	go func() { status <- Run(ctx, c, cli.Env{Stdout: out, Stderr: errb}) }()
	var u string
	select {
	case u = <-out.lines:
	case s := <-status:
		cancel()
		t.Fatalf("weft serve: status %d; %s", s, errb)
	}
	stop := func() {
		cancel()
		if s := <-status; s != 0 {
			t.Errorf("status %d; want 0", s)
		}
	}
	return u, errb, stop
}

// lockedBuffer is a bytes.Buffer written while a test may read it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestServeWritesPrivateCredentials: the credentials the server writes, in
// the store and in the configuration directory, are mode 0600 in
// directories of mode 0700, and their secrets appear in nothing it prints.
func TestServeWritesPrivateCredentials(t *testing.T) {
	store := filepath.Join(t.TempDir(), "store")
	_, errb, stop := serve(t, &Config{Store: store, Host: "127.0.0.1", Streams: []string{"a", "b"}})
	stop()
	if fi, err := os.Stat(store); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("store %v, %v; want mode 0700", fi.Mode(), err)
	}
	found := 0
	for _, root := range []string{store, filepath.Join(os.Getenv("XDG_CONFIG_HOME"), "weft")} {
		filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
			if err != nil || !strings.HasSuffix(path, ".creds") {
				return err
			}
			found++
			fi, _ := d.Info()
			di, _ := os.Stat(filepath.Dir(path))
			if fi.Mode().Perm() != 0o600 || di.Mode().Perm() != 0o700 {
				t.Errorf("%s: mode %v in a directory of mode %v; want 0600 and 0700", path, fi.Mode().Perm(), di.Mode().Perm())
			}
			data, _ := os.ReadFile(path)
			for _, secret := range secrets(data) {
				if strings.Contains(errb.String(), secret) {
					t.Errorf("weft serve printed a secret of %s", path)
				}
			}
			return nil
		})
	}
	if found < 4 {
		t.Errorf("%d credentials files; want a submitter's and a worker's in the store and in the configuration directory", found)
	}
}

// secrets are the user JWT and the seed of a credentials file.
func secrets(creds []byte) []string {
	var out []string
	for _, l := range strings.Split(string(creds), "\n") {
		if strings.HasPrefix(l, "eyJ") || strings.HasPrefix(l, "SU") {
			out = append(out, l)
		}
	}
	return out
}

// TestServeTLSOptionsThatDoNotGoTogether are refused in one line.
func TestServeTLSOptionsThatDoNotGoTogether(t *testing.T) {
	for _, tt := range []struct {
		c    Config
		want string
	}{
		{Config{TLSCert: "c"}, "weft: --tls-cert and --tls-key go together"},
		{Config{TLSKey: "k"}, "weft: --tls-cert and --tls-key go together"},
		{Config{InsecureNoTLS: true, TLSCert: "c", TLSKey: "k"}, "weft: --insecure-no-tls cannot go with --tls-cert or --tls-ca"},
		{Config{InsecureNoTLS: true, TLSCA: "ca"}, "weft: --insecure-no-tls cannot go with --tls-cert or --tls-ca"},
	} {
		var errb bytes.Buffer
		tt.c.Store = filepath.Join(t.TempDir(), "store")
		if s := Run(context.Background(), &tt.c, cli.Env{Stdout: &errb, Stderr: &errb}); s != 255 || !strings.HasPrefix(errb.String(), tt.want) || strings.Count(errb.String(), "\n") != 1 {
			t.Errorf("%+v: status %d, %q; want 255 and %q", tt.c, s, errb.String(), tt.want)
		}
	}
}

// TestServeOffLoopback: on every address, without a flag, the server
// speaks TLS only (a client that does not trust its CA is refused), and
// requires credentials; plain text takes --insecure-no-tls, which says what
// it risks, and still requires credentials.
func TestServeOffLoopback(t *testing.T) {
	u, errb, stop := serve(t, &Config{Store: filepath.Join(t.TempDir(), "store"), Host: "0.0.0.0"})
	port := u[strings.LastIndex(u, ":")+1:]
	local := "nats://127.0.0.1:" + port
	if _, err := nats.Connect(local, nats.Timeout(5*time.Second)); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("a client that does not trust the server's CA: %v; want the certificate refused", err)
	}
	c, err := remote.Open(local, remote.DefaultStream, fleet.RoleWorker, remote.Access{})
	if err != nil {
		t.Fatalf("a worker of the same user: %v", err)
	}
	c.Close()
	if strings.Contains(errb.String(), "insecure") {
		t.Errorf("stderr %q; want no warning", errb)
	}
	stop()

	u, errb, stop = serve(t, &Config{Store: filepath.Join(t.TempDir(), "store"), Host: "0.0.0.0", InsecureNoTLS: true})
	defer stop()
	if !strings.Contains(errb.String(), "weft: --insecure-no-tls: plain text: anyone on the network path can read every job and result and take over a connection to run jobs on the workers") {
		t.Errorf("stderr %q; want what plain text risks", errb)
	}
	port = u[strings.LastIndex(u, ":")+1:]
	local = "nats://127.0.0.1:" + port
	if _, err := nats.Connect(local, nats.Timeout(5*time.Second)); err == nil || !strings.Contains(strings.ToLower(err.Error()), "authorization") {
		t.Errorf("an anonymous client in plain text: %v; want it refused", err)
	}
	c, err = remote.Open(local, remote.DefaultStream, fleet.RoleWorker, remote.Access{})
	if err != nil {
		t.Fatalf("a worker of the same user: %v", err)
	}
	c.Close()
}

// TestCredentials: weft serve credentials writes a new credentials file
// of mode 0600, which connects with its role's rights; it refuses to show
// one on a terminal, an unknown role, and a store never served.
func TestCredentials(t *testing.T) {
	store := filepath.Join(t.TempDir(), "store")
	u, errb, stop := serve(t, &Config{Store: store, Host: "127.0.0.1", Streams: []string{"s"}})
	defer stop()
	path := filepath.Join(t.TempDir(), "worker.creds")
	os.WriteFile(path, []byte("old"), 0o644)
	var out, msg bytes.Buffer
	if s := Credentials(&CredentialsConfig{Store: store, Streams: []string{"s"}, Output: path}, fleet.RoleWorker, cli.Env{Stdout: &out, Stderr: &msg}); s != 0 {
		t.Fatalf("status %d; %s", s, msg.String())
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 || out.Len() != 0 {
		t.Errorf("%v, %v, stdout %q; want a file of mode 0600 and nothing on stdout", fi.Mode(), err, out.String())
	}
	data, _ := os.ReadFile(path)
	for _, secret := range secrets(data) {
		if strings.Contains(msg.String(), secret) || strings.Contains(errb.String(), secret) {
			t.Error("a secret was printed")
		}
	}
	if len(secrets(data)) != 2 {
		t.Errorf("the file holds %d secrets; want a JWT and a seed", len(secrets(data)))
	}
	// Anyone with the file, whatever their configuration directory.
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	c, err := remote.Open(u, "s", fleet.RoleWorker, remote.Access{Creds: path})
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if s := Credentials(&CredentialsConfig{Store: store}, fleet.RoleSubmitter, cli.Env{Stdout: &out, Stderr: &msg}); s != 0 || len(secrets(out.Bytes())) != 2 {
		t.Errorf("on stdout: status %d, %d secrets", s, len(secrets(out.Bytes())))
	}
	var bad bytes.Buffer
	if s := Credentials(&CredentialsConfig{Store: filepath.Join(t.TempDir(), "none"), Output: filepath.Join(t.TempDir(), "x")}, fleet.RoleWorker, cli.Env{Stdout: &bad, Stderr: &bad}); s != 255 || strings.Count(bad.String(), "\n") != 1 {
		t.Errorf("a store never served: status %d, %q; want 255 and one line", s, bad.String())
	}
}

// TestServeDashboard: weft serve --ui serves the dashboard with the act
// token printed and kept in the store (mode 0600), the handlers given to
// Mount on the same port, read-only without the act token; off loopback
// it speaks TLS with the NATS port's certificate, and refuses plain HTTP
// unless told.
func TestServeDashboard(t *testing.T) {
	store := filepath.Join(t.TempDir(), "store")
	c := &Config{Store: store, Host: "127.0.0.1", UI: ui.Options{Addr: "127.0.0.1:0"}, Mount: func(mux *http.ServeMux) {
		mux.HandleFunc("GET /extra", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "mounted\n") })
	}}
	_, errb, stop := serve(t, c)
	m := regexp.MustCompile(`dashboard of stream weft at (http://127\.0\.0\.1:\d+)/\?token=(\S+)`).FindStringSubmatch(errb.String())
	if m == nil {
		stop()
		t.Fatalf("stderr %q; want the dashboard's address", errb)
	}
	toks, err := dash.ReadTokens(filepath.Join(store, "creds", "dashboard.tokens"))
	if err != nil || toks.Act != m[2] {
		t.Errorf("the printed token is not the store's act token: %v", err)
	}
	client := &http.Client{}
	get := func(path, tok string) (int, string) {
		req, _ := http.NewRequest("GET", m[1]+path, nil)
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, _ := get("/api/overview", ""); code != http.StatusUnauthorized {
		t.Errorf("no token: %d; want 401", code)
	}
	if code, body := get("/api/overview", toks.View); code != 200 || !strings.Contains(body, `"workers"`) {
		t.Errorf("view token: %d %s", code, body)
	}
	if code, body := get("/extra", ""); code != 200 || body != "mounted\n" {
		t.Errorf("mounted handler: %d %q", code, body)
	}
	// The Prometheus metrics of the streams served, without a token.
	if code, body := get("/metrics", ""); code != 200 || !strings.Contains(body, `weft_queue_jobs{stream="weft"} 0`+"\n") {
		t.Errorf("/metrics: %d %q; want the queue of stream weft", code, body)
	}
	client.CloseIdleConnections()
	stop()

	// Read-only: the address carries the view token.
	_, errb2, stop := serve(t, &Config{Store: store, Host: "127.0.0.1", UI: ui.Options{Addr: "127.0.0.1:0", ReadOnly: true}})
	if !strings.Contains(errb2.String(), "?token="+toks.View) {
		t.Errorf("read-only: stderr %q; want the view token in the address", errb2)
	}
	stop()

	// Off loopback: TLS, the NATS port's.
	_, errb3, stop3 := serve(t, &Config{Store: store, Host: "127.0.0.1", UI: ui.Options{Addr: "0.0.0.0:0"}})
	if !regexp.MustCompile(`dashboard of stream weft at https://`).MatchString(errb3.String()) {
		t.Errorf("off loopback: stderr %q; want an https address", errb3)
	}
	stop3()
	var out bytes.Buffer
	s := Run(context.Background(), &Config{Store: store, Host: "127.0.0.1", InsecureNoTLS: true, UI: ui.Options{Addr: "0.0.0.0:0"}}, cli.Env{Stdout: &out, Stderr: &out})
	if s != 255 || !strings.Contains(out.String(), "give the dashboard a TLS certificate") {
		t.Errorf("off loopback without TLS: status %d, %q; want 255 and why", s, out.String())
	}
}

// TestDashboardOptions: --ui ” serves none; --ui takes host:port only.
func TestDashboardOptions(t *testing.T) {
	o := Defaults()
	opts := o.uiOptions()
	if err := opts[0].Set("--ui", ""); err != nil || o.UI.Addr != "" || o.uiDefault {
		t.Errorf("--ui '': %v, %+v", err, o.UI)
	}
	if err := opts[0].Set("--ui", "nowhere"); err == nil || !strings.HasPrefix(err.Error(), `bad value for --ui: "nowhere"`) {
		t.Errorf("--ui nowhere: %v; want it refused", err)
	}
	o.UI.TLSCert = "c.pem"
	if err := o.check(); err == nil || !strings.Contains(err.Error(), "--ui-tls-cert and --ui-tls-key go together") {
		t.Errorf("--ui-tls-cert alone: %v", err)
	}
}
