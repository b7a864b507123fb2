package remote

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/goleak"

	"github.com/weft-dev/weft/cmd/weft/internal/input"
	"github.com/weft-dev/weft/cmd/weft/internal/job"
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

func TestJobIDs(t *testing.T) {
	j := &Job{Run: "r1", Seq: 42, K: 2}
	if j.ID() != "r1.42.2" {
		t.Errorf("ID %q; want r1.42.2", j.ID())
	}
	run, seq, k, err := ParseJobID(j.ID())
	if err != nil || run != "r1" || seq != 42 || k != 2 {
		t.Errorf("ParseJobID: %q %d %d %v", run, seq, k, err)
	}
	for _, bad := range []string{"", "r1.42", "r1.x.2", "r1.42.y", "a.b.c.d"} {
		if _, _, _, err := ParseJobID(bad); err == nil {
			t.Errorf("ParseJobID(%q): no error", bad)
		}
	}
}

func TestSetName(t *testing.T) {
	var name string
	set := SetName(&name)
	for _, ok := range []string{"weft", "a_b-C9", strings.Repeat("x", 64)} {
		if err := set("--stream", ok); err != nil || name != ok {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "a.b", "a b", "a*", strings.Repeat("x", 65)} {
		if err := set("--run-id", bad); err == nil || !strings.Contains(err.Error(), "bad value for --run-id") {
			t.Errorf("%q: %v; want it refused", bad, err)
		}
	}
}

// TestWireFormat: submitters and workers of different builds read each
// other's messages; the JSON names are the protocol.
func TestWireFormat(t *testing.T) {
	j, _ := json.Marshal(Job{Run: "r", Seq: 1, K: 1, Args: []string{"a"}, Command: "echo {}", Raw: true,
		Timeout: time.Second, Grace: 2 * time.Second, Tries: 3, RetryDelay: time.Millisecond})
	if want := `{"run":"r","seq":1,"k":1,"args":["a"],"cmd":"echo {}","raw":true,"timeout":1000000000,"grace":2000000000,"tries":3,"retry_delay":1000000}`; string(j) != want {
		t.Errorf("job:\n got %s\nwant %s", j, want)
	}
	r, _ := json.Marshal(Result{Run: "r", Seq: 1, K: 1, Skipped: true, Host: "w", Cmdline: "echo a", Start: time.Unix(0, 0).UTC(),
		Elapsed: 3, Exit: -1, Signal: 9, FailedToStart: "no", Stdout: []byte("o"), Stderr: []byte("e"), Stored: true})
	if want := `{"run":"r","seq":1,"k":1,"skipped":true,"host":"w","cmd":"echo a","start":"1970-01-01T00:00:00Z","elapsed":3,"exit":-1,"signal":9,"failed_to_start":"no","stdout":"bw==","stderr":"ZQ==","stored":true}`; string(r) != want {
		t.Errorf("result:\n got %s\nwant %s", r, want)
	}
}

// server starts a server, secure by default, that serves the streams named.
func server(t *testing.T, streams ...string) *fleet.Server {
	t.Helper()
	c := fleet.ServerConfig{Dir: t.TempDir()}
	for _, s := range streams {
		c.Streams = append(c.Streams, StreamConfig(s, 0, 0))
	}
	srv, err := fleet.StartServer(c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	return srv
}

// open connects as a submitter to a fresh server for stream, and returns
// the server too.
func open(t *testing.T, stream string) (*Conn, *fleet.Server) {
	t.Helper()
	srv := server(t, stream)
	c, err := Open(srv.URL(), stream, fleet.RoleSubmitter, Access{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c, srv
}

func TestOpenFindsTheStreams(t *testing.T) {
	c, srv := open(t, "s1")
	u := srv.URL()
	// A worker finds them, with the credentials the server wrote for its
	// user, or with a file.
	for _, a := range []Access{{}, {Creds: srv.CredentialsFile(fleet.RoleWorker)}} {
		again, err := Open(u, "s1", fleet.RoleWorker, a)
		if err != nil {
			t.Fatalf("%+v: %v", a, err)
		}
		again.Close()
	}
	ctx := context.Background()
	if c.ResultsStream() != "s1_results" || c.ResultSubject("r") != "s1.results.r" {
		t.Errorf("names %q %q", c.ResultsStream(), c.ResultSubject("r"))
	}
	if _, err := c.Runs.PutString(ctx, "r", StateSoon); err != nil {
		t.Errorf("run states: %v", err)
	}
	if _, err := Open(u, "other", fleet.RoleSubmitter, Access{}); err == nil || !strings.Contains(err.Error(), "these credentials may not use stream other_results") {
		t.Errorf("a stream the credentials do not cover: %v; want it refused", err)
	}
	if _, err := Open("nats://127.0.0.1:1", "s1", fleet.RoleSubmitter, Access{}); err == nil {
		t.Error("a server that is not there: no error")
	}
	if _, err := Open(u, "s1", fleet.RoleWorker, Access{Creds: filepath.Join(t.TempDir(), "none.creds")}); err == nil {
		t.Error("a credentials file that is not there: no error")
	}
}

// TestOpenSetsUpWhereItMay: on a server without authentication (a NATS
// server of one's own), the first client sets the streams up; a stream of
// the results' name that holds something else is refused.
func TestOpenSetsUpWhereItMay(t *testing.T) {
	srv, err := fleet.StartServer(fleet.ServerConfig{Dir: t.TempDir(), InsecureNoAuth: true, InsecureNoTLS: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()
	u := srv.URL()
	c, err := Open(u, "s1", fleet.RoleWorker, Access{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	info, err := c.JS.Stream(ctx, "s1")
	if err != nil || info.CachedInfo().Config.Duplicates != ResultsKeep {
		t.Errorf("job stream: %v; want it set up with a duplicate window of %v", err, ResultsKeep)
	}
	if _, err := c.JS.CreateStream(ctx, jetstream.StreamConfig{Name: "other_results", Subjects: []string{"elsewhere.>"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(u, "other", fleet.RoleSubmitter, Access{}); err == nil || !strings.Contains(err.Error(), `stream "other_results" exists but`) {
		t.Errorf("got %v; want the foreign stream refused", err)
	}
}

// TestOpenWhereItMayNotSetUp: a stream the server does not serve, on a
// server whose credentials may not set it up, says what to do.
func TestOpenWhereItMayNotSetUp(t *testing.T) {
	srv := server(t, "s1")
	admin, err := srv.ConnectInProcess(fleet.RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Conn().Close()
	// The stream set s1 loses its results stream.
	if err := admin.DeleteStream(context.Background(), "s1_results"); err != nil {
		t.Fatal(err)
	}
	_, err = Open(srv.URL(), "s1", fleet.RoleWorker, Access{})
	if err == nil || !strings.Contains(err.Error(), "stream s1 is not set up at "+srv.URL()+", and these credentials may not set it up: serve it (weft serve --stream s1)") {
		t.Errorf("got %v; want what to do", err)
	}
}

// TestStoredOutputComesBackWhole: output past StoreAbove goes through the
// object store; ToResult fetches it, or says it was lost.
func TestStoredOutputComesBackWhole(t *testing.T) {
	c, srv := open(t, "s2")
	w, err := Open(srv.URL(), "s2", fleet.RoleWorker, Access{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if c.StoreAbove() <= 0 {
		t.Fatalf("StoreAbove %d", c.StoreAbove())
	}
	ctx := context.Background()
	big := bytes.Repeat([]byte("0123456789"), int(c.StoreAbove()/10)+1)
	res := &job.Result{Stdout: &job.Output{}, Stderr: &job.Output{}}
	defer res.Release()
	res.Stdout.Write(big)
	res.Stderr.Write([]byte("err"))
	if err := c.Store(ctx, JobID("r", 1, 0), res); !errors.Is(err, fleet.ErrDenied) {
		t.Errorf("a submitter stored output: %v", err)
	}
	if err := w.Store(ctx, JobID("r", 1, 0), res); err != nil {
		t.Fatal(err)
	}
	j := input.Job{Seq: 1, Args: []string{"a"}}
	got := c.ToResult(ctx, &Result{Run: "r", Seq: 1, Host: "w1", Cmdline: "echo a", Exit: 2, Stored: true}, j)
	defer got.Release()
	if !bytes.Equal(got.Stdout.Bytes(), big) || string(got.Stderr.Bytes()) != "err" || got.Exit != 2 || got.Host != "w1" || got.Cmdline != "echo a" {
		t.Errorf("ToResult: %d bytes of stdout (want %d), stderr %q, %+v", len(got.Stdout.Bytes()), len(big), got.Stderr.Bytes(), got)
	}
	lost := c.ToResult(ctx, &Result{Run: "r", Seq: 2, Stored: true}, input.Job{Seq: 2})
	defer lost.Release()
	if lost.FailedToStart == nil || !strings.Contains(string(lost.Stdout.Bytes()), "weft: the stdout of job 2 was lost") {
		t.Errorf("missing stored output: %+v, stdout %q; want it reported", lost, lost.Stdout.Bytes())
	}
	inline := c.ToResult(ctx, &Result{Stdout: []byte("o"), FailedToStart: "no shell", Skipped: true}, j)
	defer inline.Release()
	if string(inline.Stdout.Bytes()) != "o" || inline.FailedToStart == nil || inline.FailedToStart.Error() != "no shell" || !inline.Skipped {
		t.Errorf("inline: %+v", inline)
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"nats://h:4222":             "nats://h:4222",
		"nats://me:secret@h:4222":   "nats://me:xxxxx@h:4222",
		"nats://s3cr3ttoken@h:4222": "nats://xxxxx@h:4222",
		"tls://127.0.0.1:4222":      "tls://127.0.0.1:4222",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q; want %q", in, got, want)
		}
	}
}
