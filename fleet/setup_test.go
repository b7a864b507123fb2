package fleet_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/weft-dev/weft/fleet"
)

// TestRolesNeedNoMoreThanTheirPermissions runs what the weft command does
// through a stream set, each side with its own role (connect fails the
// test on any refused permission): the submitter records a run, submits a
// job, reads the report and the stored output; the worker reads the run's
// state and follows its changes, runs the job, stores an output of three
// chunks and reports.
func TestRolesNeedNoMoreThanTheirPermissions(t *testing.T) {
	srv := cluster(t)
	ctx := context.Background()
	sub, wrk := connect(t, srv.URL(), fleet.RoleSubmitter), connect(t, srv.URL(), fleet.RoleWorker)
	ss, err := fleet.Open(ctx, sub, "jobs")
	if err != nil {
		t.Fatal(err)
	}
	ws, err := fleet.Open(ctx, wrk, "jobs")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ss.Runs.PutString(ctx, "r1", "run"); err != nil {
		t.Fatal(err)
	}
	followed := make(chan string, 4)
	stop, err := ws.Follow(func(key string, value []byte) { followed <- key + "=" + string(value) })
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if e, err := ws.Runs.Get(ctx, "r1"); err != nil || string(e.Value()) != "run" {
		t.Fatalf("the worker reads the run's state: %v", err)
	}
	big := bytes.Repeat([]byte("0123456789abcdef"), 20000) // three chunks
	runWorker(t, wrk, 1, func(ctx context.Context, j fleet.Job[work]) error {
		if _, err := ws.PutOutput(ctx, j.ID+"/stdout", bytes.NewReader(big)); err != nil {
			return err
		}
		_, err := wrk.Publish(ctx, ws.ResultSubject("r1"), []byte("done "+j.ID), jetstream.WithMsgID(j.ID))
		return err
	}, fleet.WorkerConfig{})
	submit(t, sub, "r1.1.0")

	cons, err := sub.OrderedConsumer(ctx, "jobs_results", jetstream.OrderedConsumerConfig{FilterSubjects: []string{ss.ResultSubject("r1")}})
	if err != nil {
		t.Fatal(err)
	}
	msg, err := cons.Next(jetstream.FetchMaxWait(20 * time.Second))
	if err != nil || string(msg.Data()) != "done r1.1.0" {
		t.Fatalf("the submitter reads the report: %v", err)
	}
	got, err := ss.Output.GetBytes(ctx, "r1.1.0/stdout")
	if err != nil || !bytes.Equal(got, big) {
		t.Fatalf("the submitter reads the output: %d bytes, %v", len(got), err)
	}
	if _, err := sub.Consumer(ctx, "jobs", "jobs"); err != nil {
		t.Errorf("the submitter looks at the workers' consumer: %v", err)
	}
	if _, err := ss.Runs.PutString(ctx, "r1", "soon"); err != nil {
		t.Fatal(err)
	}
	if got := <-followed; got != "r1=soon" {
		t.Errorf("the worker followed %q; want r1=soon", got)
	}

	// The worker registry and the dashboard: the worker writes its entry,
	// the submitter follows the registry and the run states, and reads a
	// result by its sequence number.
	if err := ws.PutWorker(ctx, "w1", []byte(`{"name":"w1"}`)); err != nil {
		t.Fatalf("the worker writes its registry entry: %v", err)
	}
	for _, c := range []struct{ stream, want string }{
		{"KV_" + ss.WorkersBucket(), `{"name":"w1"}`},
		{"KV_jobs_runs", "soon"},
	} {
		oc, err := sub.OrderedConsumer(ctx, c.stream, jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverLastPerSubjectPolicy})
		if err != nil {
			t.Fatalf("the submitter follows %s: %v", c.stream, err)
		}
		m, err := oc.Next(jetstream.FetchMaxWait(20 * time.Second))
		if err != nil || string(m.Data()) != c.want {
			t.Fatalf("the submitter follows %s: %v", c.stream, err)
		}
	}
	md, err := msg.Metadata()
	if err != nil {
		t.Fatal(err)
	}
	if m, err := ss.Results.GetMsg(ctx, md.Sequence.Stream); err != nil || string(m.Data) != "done r1.1.0" {
		t.Fatalf("the submitter reads a result by its sequence number: %v", err)
	}
}

// TestWorkerCannotReadOrPurgeTheRegistry: a worker writes registry
// entries, but cannot read them back, purge the bucket with a roll-up, or
// give an entry a life longer than the bucket's.
func TestWorkerCannotReadOrPurgeTheRegistry(t *testing.T) {
	srv := cluster(t)
	ctx := context.Background()
	wrk := dial(t, srv.URL(), fleet.RoleWorker, func(error) {})
	ws, err := fleet.Open(ctx, wrk, "jobs")
	if err != nil {
		t.Fatal(err)
	}
	if err := ws.PutWorker(ctx, "w1", []byte("one")); err != nil {
		t.Fatal(err)
	}
	subj := "$KV." + ws.WorkersBucket() + ".w2"
	for name, h := range map[string]nats.Header{
		"a roll-up":     {"Nats-Rollup": []string{"all"}},
		"a message TTL": {"Nats-TTL": []string{"1h"}},
	} {
		if _, err := wrk.PublishMsg(ctx, &nats.Msg{Subject: subj, Header: h, Data: []byte("x")}); err == nil {
			t.Errorf("the worker published %s to the registry", name)
		}
	}
	ctx2, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := wrk.OrderedConsumer(ctx2, "KV_"+ws.WorkersBucket(), jetstream.OrderedConsumerConfig{}); err == nil {
		t.Error("the worker follows the registry")
	}
	st, err := admin(t, srv).Stream(ctx, "KV_"+ws.WorkersBucket())
	if err != nil {
		t.Fatal(err)
	}
	if info, err := st.Info(ctx); err != nil || info.State.Msgs != 1 {
		t.Errorf("the registry holds %d entries (%v); want the one written", info.State.Msgs, err)
	}
}

// TestSetUp: SetUp makes a stream set, is idempotent, changes what it is
// asked to and nothing else, closes what no role must use, and refuses
// streams of these names that move messages between subjects.
func TestSetUp(t *testing.T) {
	srv := cluster(t)
	js := admin(t, srv)
	ctx := context.Background()
	for range 2 {
		if err := fleet.SetUp(ctx, js, fleet.StreamConfig{Name: "s"}); err != nil {
			t.Fatal(err)
		}
	}
	cfg, _ := streamConfig(t, js, "s")
	if cfg.Retention != jetstream.WorkQueuePolicy || cfg.Duplicates != fleet.DefaultDuplicateWindow || cfg.AllowDirect {
		t.Errorf("job stream: %+v", cfg)
	}
	if cfg, _ := streamConfig(t, js, "s_results"); !cfg.DenyDelete || !cfg.DenyPurge || cfg.AllowRollup || cfg.AllowDirect || cfg.MaxAge != 24*time.Hour {
		t.Errorf("results stream: %+v", cfg)
	}
	if cfg, _ := streamConfig(t, js, "KV_s_runs"); cfg.AllowDirect {
		t.Errorf("run states readable by direct get: %+v", cfg)
	}
	if cfg, _ := streamConfig(t, js, "KV_s_workers"); cfg.AllowDirect || cfg.AllowRollup || cfg.AllowMsgTTL || cfg.MaxAge != fleet.WorkersKeep || cfg.MaxMsgSize != 64<<10 {
		t.Errorf("worker registry: %+v", cfg)
	}
	if cfg, _ := streamConfig(t, js, "OBJ_s_output"); cfg.AllowRollup || !cfg.DenyDelete || !cfg.DenyPurge {
		t.Errorf("output store: %+v", cfg)
	}
	consumer := func() jetstream.ConsumerConfig {
		c, err := js.Consumer(ctx, "s", "s")
		if err != nil {
			t.Fatal(err)
		}
		return c.CachedInfo().Config
	}
	if c := consumer(); c.AckWait != 30*time.Second || c.MaxDeliver != 5 || c.MaxAckPending != 1000 || c.DeliverSubject != "" {
		t.Errorf("consumer: %+v", c)
	}
	if err := fleet.SetUp(ctx, js, fleet.StreamConfig{Name: "s", AckWait: time.Minute, DuplicateWindow: time.Hour, Keep: 2 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	if err := fleet.SetUp(ctx, js, fleet.StreamConfig{Name: "s"}); err != nil { // no opinion: nothing changes
		t.Fatal(err)
	}
	if c := consumer(); c.AckWait != time.Minute || c.MaxDeliver != 5 {
		t.Errorf("consumer after AckWait 1m: %+v", c)
	}
	if cfg, _ := streamConfig(t, js, "s"); cfg.Duplicates != time.Hour {
		t.Errorf("duplicate window %v; want 1h", cfg.Duplicates)
	}
	if cfg, _ := streamConfig(t, js, "s_results"); cfg.MaxAge != 2*time.Hour {
		t.Errorf("results kept %v; want 2h", cfg.MaxAge)
	}

	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "direct", Subjects: []string{"direct.jobs"}, Retention: jetstream.WorkQueuePolicy, AllowDirect: true}); err != nil {
		t.Fatal(err)
	}
	if err := fleet.SetUp(ctx, js, fleet.StreamConfig{Name: "direct"}); err != nil {
		t.Fatal(err)
	}
	if cfg, _ := streamConfig(t, js, "direct"); cfg.AllowDirect {
		t.Error("SetUp left direct gets on a job stream")
	}
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "bad_results", Subjects: []string{"bad.results.>"}, RePublish: &jetstream.RePublish{Source: "bad.results.r", Destination: "bad.jobs"}}); err != nil {
		t.Fatal(err)
	}
	oneLine(t, "a results stream that republishes", fleet.SetUp(ctx, js, fleet.StreamConfig{Name: "bad"}), `stream "bad_results" republishes its messages`)
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "odd", Subjects: []string{"odd.>"}}); err != nil {
		t.Fatal(err)
	}
	oneLine(t, "a job stream that is not a work queue", fleet.SetUp(ctx, js, fleet.StreamConfig{Name: "odd"}), `stream "odd" exists but is not a work queue`)
	for _, c := range []struct {
		cfg  fleet.StreamConfig
		want string
	}{
		{fleet.StreamConfig{Name: "a.b"}, `bad stream name "a.b"`},
		{fleet.StreamConfig{Name: "s", AckWait: time.Millisecond}, "AckWait must be >= 100ms, got 1ms"},
		{fleet.StreamConfig{Name: "s", MaxDeliver: -1}, "MaxDeliver must be >= 1, got -1"},
		{fleet.StreamConfig{Name: "s", Keep: time.Millisecond}, "Keep must be >= 1s, got 1ms"},
	} {
		oneLine(t, "SetUp "+c.cfg.Name, fleet.SetUp(ctx, js, c.cfg), c.want)
	}

	// Neither role may set up.
	for _, role := range []fleet.Role{fleet.RoleSubmitter, fleet.RoleWorker} {
		err := fleet.SetUp(ctx, dial(t, srv.URL(), role, func(error) {}), fleet.StreamConfig{Name: "jobs", AckWait: time.Hour})
		if !errors.Is(err, fleet.ErrDenied) {
			t.Errorf("SetUp as %s: %v; want ErrDenied", role, err)
		}
	}
}

// TestWorkerSettingsBelongToTheConsumer: a worker binds to the consumer the
// server set up; asking for other settings than the consumer's is refused,
// saying where they are set, rather than ignored.
func TestWorkerSettingsBelongToTheConsumer(t *testing.T) {
	srv := cluster(t, fleet.StreamConfig{Name: "jobs", AckWait: 2 * time.Second, MaxDeliver: 3})
	ctx := context.Background()
	js := dial(t, srv.URL(), fleet.RoleWorker, func(error) {})
	nop := func(context.Context, fleet.Job[work]) error { return nil }
	for _, cfg := range []fleet.WorkerConfig{{}, {AckWait: 2 * time.Second}, {AckWait: 2 * time.Second, MaxDeliver: 3}} {
		if _, err := fleet.NewWorker(ctx, js, "jobs", 1, nop, cfg); err != nil {
			t.Errorf("%+v: %v", cfg, err)
		}
	}
	_, err := fleet.NewWorker(ctx, js, "jobs", 1, nop, fleet.WorkerConfig{AckWait: time.Minute})
	if !errors.Is(err, fleet.ErrDenied) {
		t.Errorf("another ack wait: %v; want ErrDenied", err)
	}
	oneLine(t, "another ack wait", err, "may not change consumer jobs of stream jobs from ack wait 2s and max deliver 3 to 1m0s and 3")
	_, err = fleet.NewProducer[work](ctx, js, "other", nil)
	oneLine(t, "a stream outside the credential", err, "these credentials may not use stream other")
	_, err = fleet.Open(ctx, js, "other")
	oneLine(t, "opening a stream set outside the credential", err, "these credentials may not use stream other_results")
	_, err = fleet.Open(ctx, admin(t, srv), "other")
	oneLine(t, "opening a stream set not set up", err, `stream set not set up: stream set "other" has no results stream other_results`)
	if !errors.Is(err, fleet.ErrNotSetUp) {
		t.Errorf("%v; want it to wrap ErrNotSetUp", err)
	}
}

// TestCredentialsInput: Credentials refuses what it cannot make, by name.
func TestCredentialsInput(t *testing.T) {
	dir := t.TempDir()
	oneLine(t, "no keys", errOf(fleet.Credentials(dir, fleet.RoleWorker, fleet.CredentialsConfig{Streams: []string{"jobs"}})), "start the server on this store directory once first")
	store := t.TempDir()
	s, err := fleet.StartServer(fleet.ServerConfig{Dir: store, Streams: []fleet.StreamConfig{{Name: "jobs"}}})
	if err != nil {
		t.Fatal(err)
	}
	s.Shutdown()
	for _, c := range []struct {
		role fleet.Role
		cfg  fleet.CredentialsConfig
		want string
	}{
		{"root", fleet.CredentialsConfig{Streams: []string{"jobs"}}, `unknown role "root" (want submitter, worker or admin)`},
		{fleet.RoleWorker, fleet.CredentialsConfig{}, "a worker credential needs at least one stream"},
		{fleet.RoleWorker, fleet.CredentialsConfig{Streams: []string{"a b"}}, `bad stream name "a b"`},
		{fleet.RoleWorker, fleet.CredentialsConfig{Streams: []string{"jobs"}, ValidFor: -time.Second}, "ValidFor must be >= 0 (0: no expiry), got -1s"},
	} {
		oneLine(t, string(c.role), errOf(fleet.Credentials(store, c.role, c.cfg)), c.want)
	}
	data, err := fleet.Credentials(store, fleet.RoleSubmitter, fleet.CredentialsConfig{Streams: []string{"jobs"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"BEGIN NATS USER JWT", "BEGIN USER NKEY SEED", "BEGIN CERTIFICATE"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("the credentials file lacks %s", want)
		}
	}
}

func errOf(_ []byte, err error) error { return err }

// TestCredentialsForManyStreamSets: a credential for 16 stream sets, whose
// JWT is far past NATS's default 4 KiB control line, connects (regression:
// a submitter's for three stream sets was refused with "maximum control
// line exceeded" once it could follow the buckets).
func TestCredentialsForManyStreamSets(t *testing.T) {
	var sets []fleet.StreamConfig
	for i := range 16 {
		sets = append(sets, fleet.StreamConfig{Name: fmt.Sprintf("set%02d", i)})
	}
	srv, err := fleet.StartServer(fleet.ServerConfig{Dir: t.TempDir(), Streams: sets})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()
	data, err := os.ReadFile(srv.CredentialsFile(fleet.RoleSubmitter))
	if err != nil {
		t.Fatal(err)
	}
	if len(data) < 8<<10 {
		t.Fatalf("the submitter's credentials are %d bytes; the test needs more than 8 KiB", len(data))
	}
	for _, role := range []fleet.Role{fleet.RoleSubmitter, fleet.RoleWorker} {
		if _, err := fleet.Open(context.Background(), connect(t, srv.URL(), role), "set15"); err != nil {
			t.Errorf("%s: %v", role, err)
		}
	}
}
