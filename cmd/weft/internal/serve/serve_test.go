package serve

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"github.com/weft-dev/weft/cmd/weft/internal/cli"
	"github.com/weft-dev/weft/cmd/weft/internal/remote"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

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
	if !strings.HasPrefix(u, "nats://127.0.0.1:") {
		t.Fatalf("printed %q; want the server's URL", u)
	}
	c, err := remote.Open(u, "s") // a submitter or a worker can use it
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
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
		if err := c.setListen("--listen", v); err != nil || c != want {
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
