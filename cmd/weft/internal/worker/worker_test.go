package worker

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/goleak"

	"github.com/weft-dev/weft/cmd/weft/internal/cli"
	"github.com/weft-dev/weft/cmd/weft/internal/input"
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

// fixture is a server, a worker running on it, and a connection to submit
// jobs and read their results.
type fixture struct {
	c      *remote.Conn
	prod   *fleet.Producer[remote.Job]
	stderr string // the worker's stderr, a file
}

// startWorker starts a server that serves stream s as sc says (the
// defaults without it), and a worker configured by cfg.
func startWorker(t *testing.T, cfg func(*Config), sc ...fleet.StreamConfig) *fixture {
	t.Helper()
	if len(sc) == 0 {
		sc = append(sc, remote.StreamConfig("s", 0, 0))
	}
	srv, err := fleet.StartServer(fleet.ServerConfig{Dir: t.TempDir(), Streams: sc})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	c, err := remote.Open(srv.URL(), "s", fleet.RoleSubmitter, remote.Access{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	prod, err := fleet.NewProducer[remote.Job](context.Background(), c.JS, "s", nil)
	if err != nil {
		t.Fatal(err)
	}
	wc := Defaults()
	wc.NATS, wc.Stream, wc.Name, wc.Jobs = srv.URL(), "s", "w1", 2
	if cfg != nil {
		cfg(wc)
	}
	stderr, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{c: c, prod: prod, stderr: stderr.Name()}
	ctx, cancel := context.WithCancel(context.Background())
	status := make(chan int, 1)
	go func() { status <- Run(ctx, wc, cli.Env{Stdout: os.Stdout, Stderr: stderr}) }()
	t.Cleanup(func() {
		cancel()
		if s := <-status; s != 0 {
			said, _ := os.ReadFile(stderr.Name())
			t.Errorf("worker: status %d; %s", s, said)
		}
		stderr.Close()
	})
	return f
}

// submit publishes j.
func (f *fixture) submit(t *testing.T, j remote.Job) {
	t.Helper()
	if err := f.prod.Submit(context.Background(), j.ID(), j); err != nil {
		t.Fatal(err)
	}
}

// result waits for the first report of run's job seq.
func (f *fixture) result(t *testing.T, run string, seq int64) remote.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // a bound for a failing test
	defer cancel()
	cons, err := f.c.JS.OrderedConsumer(ctx, f.c.ResultsStream(), jetstream.OrderedConsumerConfig{FilterSubjects: []string{f.c.ResultSubject(run)}})
	if err != nil {
		t.Fatal(err)
	}
	for {
		msg, err := cons.Next(jetstream.FetchMaxWait(30 * time.Second))
		if err != nil {
			t.Fatalf("no report of job %d of run %s: %v", seq, run, err)
		}
		var r remote.Result
		if err := json.Unmarshal(msg.Data(), &r); err != nil {
			t.Fatal(err)
		}
		if r.Seq == seq {
			return r
		}
	}
}

func TestAJobIsRunAndReported(t *testing.T) {
	f := startWorker(t, nil)
	f.submit(t, remote.Job{Run: "r", Seq: 1, Args: []string{"a b"}, Command: `echo {} {#} {%} "$PARALLEL_SEQ $PARALLEL_JOBSLOT"; echo e >&2; exit 3`, Grace: time.Second, Tries: 1})
	r := f.result(t, "r", 1)
	if r.Exit != 3 || r.Host != "w1" || r.Cmdline != `echo 'a b' 1 1 "$PARALLEL_SEQ $PARALLEL_JOBSLOT"; echo e >&2; exit 3` || string(r.Stdout) != "a b 1 1 1 1\n" || string(r.Stderr) != "e\n" || r.Skipped {
		t.Errorf("report %+v, stdout %q; want exit 3 from w1, the command expanded here, its output", r, r.Stdout)
	}
	f.submit(t, remote.Job{Run: "r", Seq: 2, Args: []string{"echo raw"}, Raw: true, Grace: time.Second, Tries: 1})
	if r := f.result(t, "r", 2); r.Exit != 0 || string(r.Stdout) != "raw\n" {
		t.Errorf("raw job: %+v", r)
	}
}

// TestAJobOfAHaltedRunIsHandedBackUnrun: a job whose run's state is soon
// is reported as skipped, without running.
func TestAJobOfAHaltedRunIsHandedBackUnrun(t *testing.T) {
	f := startWorker(t, nil)
	if _, err := f.c.Runs.PutString(context.Background(), "h", remote.StateSoon); err != nil {
		t.Fatal(err)
	}
	marker := filepath.Join(t.TempDir(), "ran")
	f.submit(t, remote.Job{Run: "h", Seq: 1, Args: []string{marker}, Command: "touch {}", Tries: 1})
	r := f.result(t, "h", 1)
	if !r.Skipped || r.Host != "w1" {
		t.Errorf("report %+v; want skipped", r)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Error("the job of a halted run ran")
	}
}

// TestAJobGivenUpIsReportedAsFailed: a job that cannot be run (here, not a
// weft job: no tries) is recorded as failed once handed out MaxDeliver
// times, so that its submitter's run ends.
func TestAJobGivenUpIsReportedAsFailed(t *testing.T) {
	f := startWorker(t, nil, remote.StreamConfig("s", 0, 1))
	f.submit(t, remote.Job{Run: "g", Seq: 5, Args: []string{"a"}, Command: "true"})
	r := f.result(t, "g", 5)
	if r.Exit != -1 || !strings.Contains(r.FailedToStart, "given up") || !strings.Contains(r.FailedToStart, "not a weft job") {
		t.Errorf("report %+v; want a failure that says why", r)
	}
}

func TestLargeOutputGoesThroughTheObjectStore(t *testing.T) {
	f := startWorker(t, nil)
	size := f.c.StoreAbove() + 1000
	f.submit(t, remote.Job{Run: "l", Seq: 1, Args: []string{"x"}, Command: "head -c " + itoa(size) + " /dev/zero # {}", Grace: time.Second, Tries: 1})
	r := f.result(t, "l", 1)
	if !r.Stored || len(r.Stdout) != 0 {
		t.Fatalf("report %+v; want the output stored", r)
	}
	res := f.c.ToResult(context.Background(), &r, jobOf(r))
	defer res.Release()
	if res.Stdout.Len() != size {
		t.Errorf("stored stdout: %d bytes; want %d", res.Stdout.Len(), size)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func jobOf(r remote.Result) input.Job { return input.Job{Seq: r.Seq} }

func TestAckWaitOfLessThanASecondIsRefused(t *testing.T) {
	var d time.Duration
	if err := setAckWait(&d)("--ack-wait", "10ms"); err == nil || err.Error() != "bad value for --ack-wait: 10ms (want >= 1s)" {
		t.Errorf("got %v", err)
	}
	if err := setAckWait(&d)("--ack-wait", "1.5"); err != nil || d != 1500*time.Millisecond {
		t.Errorf("1.5: %v, %v", d, err)
	}
}

// TestWorkerSettingsBelongToTheStream: a worker may repeat the stream's
// ack wait and max deliver, but not change them (its credentials may not):
// it says so in one line, and where to set them.
func TestWorkerSettingsBelongToTheStream(t *testing.T) {
	srv, err := fleet.StartServer(fleet.ServerConfig{Dir: t.TempDir(), Streams: []fleet.StreamConfig{remote.StreamConfig("s", 2*time.Second, 3)}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()
	for _, tt := range []struct {
		set  func(*Config)
		want string
	}{
		{func(c *Config) { c.AckWait = time.Minute }, "may not change consumer s of stream s from ack wait 2s and max deliver 3 to 1m0s and 3"},
		{func(c *Config) { c.MaxDeliver = 5 }, "may not change consumer s of stream s from ack wait 2s and max deliver 3 to 2s and 5"},
	} {
		c := Defaults()
		c.NATS, c.Stream = srv.URL(), "s"
		tt.set(c)
		var errb strings.Builder
		status := Run(context.Background(), c, cli.Env{Stdout: io.Discard, Stderr: &errb})
		if status != 255 || !strings.Contains(errb.String(), tt.want) || strings.Count(errb.String(), "\n") != 1 {
			t.Errorf("status %d, stderr %q; want 255 and one line with %q", status, errb.String(), tt.want)
		}
	}
}

// TestMetricsCountJobs: with --metrics, the worker counts the jobs it
// started, how they ended, a job delivered again, and one given up after
// --max-deliver deliveries; the scrape says so by stream and worker.
func TestMetricsCountJobs(t *testing.T) {
	f := startWorker(t, func(c *Config) { c.Metrics = "127.0.0.1:0" }, remote.StreamConfig("s", 0, 2))
	f.submit(t, remote.Job{Run: "m", Seq: 1, Args: []string{"0"}, Command: "exit {}", Grace: time.Second, Tries: 1})
	f.submit(t, remote.Job{Run: "m", Seq: 2, Args: []string{"3"}, Command: "exit {}", Grace: time.Second, Tries: 1})
	f.submit(t, remote.Job{Run: "m", Seq: 3, Args: []string{"x"}, Command: "true"}) // no tries: refused twice, then given up
	for seq := range int64(3) {
		f.result(t, "m", seq+1)
	}
	said, err := os.ReadFile(f.stderr)
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(said), "weft: worker w1: metrics at ")
	url, _, _ := strings.Cut(rest, "\n")
	if !ok || !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("stderr %q; want the metrics address", said)
	}
	body := scrape(t, url)
	for _, want := range []string{
		`weft_jobs_total{status="started",stream="s",worker="w1"} 2`,
		`weft_jobs_total{status="succeeded",stream="s",worker="w1"} 1`,
		`weft_jobs_total{status="failed",stream="s",worker="w1"} 1`,
		`weft_jobs_total{status="redelivered",stream="s",worker="w1"} 1`,
		`weft_jobs_total{status="given_up",stream="s",worker="w1"} 1`,
		`weft_jobs_running{stream="s",worker="w1"} 0`,
		`weft_job_duration_seconds_count{stream="s",worker="w1"} 2`,
		`weft_worker_up{stream="s",worker="w1"} 1`,
	} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("scrape lacks %q:\n%s", want, body)
		}
	}
}

// scrape returns the body of a GET of url, on a connection closed
// afterwards.
func scrape(t *testing.T, url string) string {
	t.Helper()
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s, %v", url, resp.Status, err)
	}
	return string(data)
}

func TestMetricsAddressIsChecked(t *testing.T) {
	var a string
	for _, bad := range []string{"9464", "localhost", "127.0.0.1:http", "127.0.0.1:70000", ""} {
		if err := setAddr(&a)("--metrics", bad); err == nil || !strings.Contains(err.Error(), "bad value for --metrics") {
			t.Errorf("--metrics %q: %v; want it refused", bad, err)
		}
	}
	if err := setAddr(&a)("--metrics", "127.0.0.1:0"); err != nil || a != "127.0.0.1:0" {
		t.Errorf("--metrics 127.0.0.1:0: %q, %v", a, err)
	}
}

// TestMetricsAddressInUse: a --metrics address the worker cannot listen on
// is bad usage, said in one line, before any job is taken.
func TestMetricsAddressInUse(t *testing.T) {
	srv, err := fleet.StartServer(fleet.ServerConfig{Dir: t.TempDir(), Streams: []fleet.StreamConfig{remote.StreamConfig("s", 0, 0)}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	c := Defaults()
	c.NATS, c.Stream, c.Metrics = srv.URL(), "s", l.Addr().String()
	var errb strings.Builder
	status := Run(context.Background(), c, cli.Env{Stdout: io.Discard, Stderr: &errb})
	if status != 255 || !strings.HasPrefix(errb.String(), "weft: bad value for --metrics: ") || strings.Count(errb.String(), "\n") != 1 {
		t.Errorf("status %d, stderr %q; want 255 and one line about --metrics", status, errb.String())
	}
}

// TestWorkerAnnouncesItself: a running worker has an entry in the
// registry, with its name and slots, and its counts once it ran jobs; a
// run's record next to the run states (a key that is no run ID) does not
// stop the run's jobs.
func TestWorkerAnnouncesItself(t *testing.T) {
	f := startWorker(t, nil)
	ctx := context.Background()
	if err := f.c.PutRunRecord(ctx, &remote.RunRecord{ID: "r", Command: "exit {}", Started: time.Now()}); err != nil {
		t.Fatal(err)
	}
	f.submit(t, remote.Job{Run: "r", Seq: 1, Args: []string{"0"}, Command: "exit {}", Grace: time.Second, Tries: 1})
	f.submit(t, remote.Job{Run: "r", Seq: 2, Args: []string{"4"}, Command: "exit {}", Grace: time.Second, Tries: 1})
	if r := f.result(t, "r", 2); r.Skipped || r.Exit != 4 {
		t.Fatalf("job 2: %+v; want it run, exit 4", r)
	}
	deadline := time.Now().Add(30 * time.Second) // a bound for a failing test
	for {
		cons, err := f.c.JS.OrderedConsumer(ctx, f.c.WorkersStream(), jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverLastPerSubjectPolicy})
		if err != nil {
			t.Fatal(err)
		}
		msg, err := cons.Next(jetstream.FetchMaxWait(10 * time.Second))
		if err != nil {
			t.Fatalf("no registry entry: %v", err)
		}
		var e remote.WorkerEntry
		if err := json.Unmarshal(msg.Data(), &e); err != nil {
			t.Fatal(err)
		}
		if e.Name != "w1" || e.Slots != 2 || e.Started.IsZero() || e.Stopped {
			t.Fatalf("entry %+v; want w1 with 2 slots", e)
		}
		if e.Done == 1 && e.Failed == 1 && len(e.Running) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("entry %+v; want 1 done and 1 failed", e)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
