package submit

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"github.com/weft-dev/weft/cmd/weft/internal/cli"
	"github.com/weft-dev/weft/cmd/weft/internal/reach"
	"github.com/weft-dev/weft/cmd/weft/internal/remote"
	"github.com/weft-dev/weft/cmd/weft/internal/run"
	"github.com/weft-dev/weft/cmd/weft/internal/worker"
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

// cluster is a server with one worker, named w1, that runs jobs in dir.
func cluster(t *testing.T, dir string) string {
	t.Helper()
	srv, err := fleet.StartServer(fleet.ServerConfig{Dir: t.TempDir(), Streams: []fleet.StreamConfig{remote.StreamConfig(remote.DefaultStream, 0, 0)}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	c := worker.Defaults()
	c.NATS, c.Name, c.Jobs = srv.URL(), "w1", 2
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	wd, _ := os.Getwd()
	os.Chdir(dir) // the worker's jobs run in the process's directory
	go func() { done <- worker.Run(ctx, c, cli.Env{Stdout: io.Discard, Stderr: io.Discard}) }()
	t.Cleanup(func() {
		cancel()
		<-done
		os.Chdir(wd)
	})
	return srv.URL()
}

// submit runs the weft command line args through sc, and returns the exit
// status, stdout and stderr.
func submit(t *testing.T, sc *Config, args ...string) (int, string, string) {
	t.Helper()
	c := run.Defaults()
	c.Keep = true
	if err := c.SetOperands(args); err != nil {
		t.Fatal(err)
	}
	if err := sc.Check(c); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	r, err := run.New(c, cli.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	status := Execute(r, sc)
	return status, out.String(), errb.String()
}

func TestExecuteRunsOnTheWorkers(t *testing.T) {
	u := cluster(t, t.TempDir())
	status, out, errb := submit(t, &Config{URL: u, Stream: "weft"}, "echo {}; exit {}", ":::", "0", "1", "2")
	if status != 2 || out != "0\n1\n2\n" {
		t.Errorf("status %d, stdout %q, stderr %q; want the local run's: 2 failed, output in order", status, out, errb)
	}
	if !strings.Contains(errb, "weft: run ") || !strings.Contains(errb, "--run-id") {
		t.Errorf("stderr %q; want the fresh run ID announced", errb)
	}
}

// TestARunIsCollectedAgain: started again with the same run ID, the
// submitter prints the whole run and reruns nothing that finished.
func TestARunIsCollectedAgain(t *testing.T) {
	dir := t.TempDir()
	u := cluster(t, dir)
	sc := &Config{URL: u, Stream: "weft", RunID: "again"}
	args := []string{"echo {} >> ran; echo {}", ":::", "a", "b", "c"}
	_, first, _ := submit(t, sc, args...)
	status, second, _ := submit(t, sc, args...)
	ran, _ := os.ReadFile(filepath.Join(dir, "ran"))
	if status != 0 || second != first || second != "a\nb\nc\n" || strings.Count(string(ran), "\n") != 3 {
		t.Errorf("second start: status %d, %q (first %q); jobs run %q; want the same output, nothing run twice", status, second, first, ran)
	}
	// The same ID for another command is refused.
	status, _, errb := submit(t, sc, "echo other {}", ":::", "a")
	if status != 255 || !strings.Contains(errb, `run again was another command: job 1 ran "echo a >> ran; echo a"`) {
		t.Errorf("another command: status %d, stderr %q; want it refused", status, errb)
	}
}

// A job too large for a message has a command line too long for exec: it
// stops the run before it is submitted, as GNU parallel stops at it.
func TestAJobTooLargeIsReported(t *testing.T) {
	u := cluster(t, t.TempDir())
	status, _, errb := submit(t, &Config{URL: u, Stream: "weft"}, "echo", ":::", strings.Repeat("x", 2<<20))
	if status != 255 || !strings.Contains(errb, "command line too long (2097157 >= ") || strings.Count(errb, "\n") != 2 {
		t.Errorf("status %d, stderr %q; want the run ID, then one line on the job that cannot be submitted", status, errb)
	}
}

func TestCheck(t *testing.T) {
	rc := run.Defaults()
	tests := []struct {
		c    Config
		rc   func(*run.Config)
		want string
	}{
		{Config{Stream: "weft"}, nil, ""},
		{Config{URL: "nats://x", Stream: "s", RunID: "r"}, nil, ""},
		{Config{Stream: "weft", RunID: "r"}, nil, "--run-id, --stream and --server-timeout need --nats URL"},
		{Config{Stream: "other"}, nil, "--run-id, --stream and --server-timeout need --nats URL"},
		{Config{Stream: "weft", ServerTimeout: time.Minute, serverTimeoutSet: true}, nil, "--run-id, --stream and --server-timeout need --nats URL"},
		{Config{Stream: "weft", Access: remote.Access{Creds: "c"}}, nil, "--nats-creds, --tls-ca, --tls-cert and --tls-key need --nats URL"},
		{Config{URL: "nats://x", Stream: "weft", Access: remote.Access{Cert: "c"}}, nil, "--tls-cert and --tls-key go together"},
		{Config{URL: "nats://x", Stream: "weft"}, func(c *run.Config) { c.Ungroup = true }, "-u and --line-buffer cannot be used with --nats"},
		{Config{URL: "nats://x", Stream: "weft"}, func(c *run.Config) { c.LineBuffer = true }, "-u and --line-buffer cannot be used with --nats"},
		{Config{URL: "nats://x", Stream: "weft"}, func(c *run.Config) { c.Quote = true }, "-q cannot be used with --nats"},
		{Config{URL: "nats://x", Stream: "weft"}, func(c *run.Config) { c.Plus, c.Command = true, "echo {..}" }, "perl expressions"},
		{Config{URL: "nats://x", Stream: "weft"}, func(c *run.Config) { c.Plus, c.Command = true, "echo {}" }, ""},
		{Config{URL: "nats://x", Stream: "weft"}, func(c *run.Config) { c.Args.X = true }, "-X cannot be used with --nats yet"},
		{Config{URL: "nats://x", Stream: "weft"}, func(c *run.Config) { c.Args.M = true }, ""},
		{Config{URL: "nats://x", Stream: "weft"}, func(c *run.Config) { c.Args.MaxArgs, c.Args.MaxArgsSet = 3, true }, ""},
	}
	for _, tt := range tests {
		c := *rc
		if tt.rc != nil {
			tt.rc(&c)
		}
		err := tt.c.Check(&c)
		if (err == nil) != (tt.want == "") || (err != nil && !strings.HasPrefix(err.Error(), tt.want)) {
			t.Errorf("%+v: got %v; want %q", tt.c, err, tt.want)
		}
	}
	if d := Defaults(); d.Stream != "weft" || d.URL != "" || d.Check(rc) != nil {
		t.Errorf("Defaults %+v: want no URL, stream weft, and nothing to refuse", d)
	}
}

// TestServerStallFollowsTheWatch: the progress line's stall is the watch's
// view of the server: held up from the moment it went, until it is back.
func TestServerStallFollowsTheWatch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := reach.New(reach.Config{URL: "nats://127.0.0.1:4222", Out: io.Discard})
		defer w.Stop()
		s := serverStall{w}
		if _, _, ok := s.Stalled(); ok {
			t.Error("stalled before the server went")
		}
		gone := time.Now()
		w.Lost()
		time.Sleep(80 * time.Second)
		if why, since, ok := s.Stalled(); !ok || why != "server unreachable" || !since.Equal(gone) {
			t.Errorf("Stalled() = %q, %v, %v; want server unreachable, %v, true", why, since, ok, gone)
		}
		w.Back()
		if _, _, ok := s.Stalled(); ok {
			t.Error("stalled once the server is back")
		}
	})
}
