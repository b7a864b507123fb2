package fleet_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/weft-dev/weft/fleet"
)

// refusals collects the errors of a connection, among which the server's
// refusals.
type refusals chan error

func newRefusals() refusals { return make(refusals, 256) }

func (r refusals) handle(err error) {
	select {
	case r <- err:
	default:
	}
}

// expect waits until the server has refused kind ("Publish" or
// "Subscription") to subject.
func (r refusals) expect(t *testing.T, kind, subject string) {
	t.Helper()
	want := fmt.Sprintf("Permissions Violation for %s to %q", kind, subject)
	timeout := time.After(10 * time.Second)
	for {
		select {
		case err := <-r:
			if strings.Contains(err.Error(), want) {
				return
			}
		case <-timeout:
			t.Errorf("the server did not refuse: %s", want)
			return
		}
	}
}

// admin connects in process with full rights, to look at what the tests
// did.
func admin(t *testing.T, srv *fleet.Server) jetstream.JetStream {
	t.Helper()
	js, err := srv.ConnectInProcess(fleet.RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(js.Conn().Close)
	return js
}

func streamConfig(t *testing.T, js jetstream.JetStream, name string) (jetstream.StreamConfig, uint64) {
	t.Helper()
	s, err := js.Stream(context.Background(), name)
	if err != nil {
		t.Fatalf("stream %s: %v", name, err)
	}
	return s.CachedInfo().Config, s.CachedInfo().State.Msgs
}

func oneLine(t *testing.T, what string, err error, want string) {
	t.Helper()
	switch {
	case err == nil:
		t.Errorf("%s: got no error; want one saying %q", what, want)
	case !strings.Contains(err.Error(), want):
		t.Errorf("%s: got %q; want it to say %q", what, err, want)
	case strings.Contains(err.Error(), "\n"):
		t.Errorf("%s: the error is not one line: %q", what, err)
	}
}

// TestWorkerCannotGetAJobRun: a connection with a worker's credentials
// tries every way we know of to have a job run by the other workers, or to
// change what they do; the server refuses each, and nothing runs.
func TestWorkerCannotGetAJobRun(t *testing.T) {
	srv := cluster(t)
	ctx := context.Background()
	var h handled
	var mu sync.Mutex
	var dropped []string
	runWorker(t, connect(t, srv.URL(), fleet.RoleWorker), 2, func(_ context.Context, j fleet.Job[work]) error { h.add(j.ID); return nil },
		fleet.WorkerConfig{OnFailed: func(id string, err error) {
			mu.Lock()
			dropped = append(dropped, err.Error())
			mu.Unlock()
		}})
	sub := connect(t, srv.URL(), fleet.RoleSubmitter)
	submit(t, sub, "genuine")
	waitUntil(t, "the genuine job", func() bool { d, _ := h.count(); return d == 1 })
	runs, err := fleet.Open(ctx, sub, "jobs")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := runs.Runs.PutString(ctx, "halted", "now"); err != nil {
		t.Fatal(err)
	}
	wrk := connect(t, srv.URL(), fleet.RoleWorker)
	out, err := fleet.Open(ctx, wrk, "jobs")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := out.PutOutput(ctx, "kept", strings.NewReader("a genuine output")); err != nil {
		t.Fatal(err)
	}

	r := newRefusals()
	evil := dial(t, srv.URL(), fleet.RoleWorker, r.handle)
	nc := evil.Conn()
	job := []byte(`{"N":666}`)

	// Publishing to the job subject, plainly and as JetStream does.
	nc.Publish("jobs.jobs", job)
	r.expect(t, "Publish", "jobs.jobs")
	m := nats.NewMsg("jobs.jobs")
	m.Header.Set(jetstream.MsgIDHeader, "evil")
	m.Data = job
	nc.PublishMsg(m)
	r.expect(t, "Publish", "jobs.jobs")
	p, err := fleet.NewProducer[work](ctx, evil, "jobs", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Submit(ctx, "evil", work{N: 666}); !errors.Is(err, fleet.ErrDenied) {
		t.Errorf("a worker's Submit: %v; want ErrDenied", err)
	}
	r.expect(t, "Publish", "jobs.jobs")

	// Every request that would carry what a worker may publish (results,
	// outputs) to the job subject, or change the streams, consumers and run
	// states that decide what the workers do. The answers, were there any,
	// would go to the job subject.
	republish := &jetstream.RePublish{Source: ">", Destination: "jobs.jobs"}
	push := func(stream, name, deliver string) any {
		return map[string]any{"stream_name": stream, "config": map[string]any{"name": name, "durable_name": name, "deliver_subject": deliver, "ack_policy": "none"}}
	}
	for _, req := range []struct {
		subject string
		body    any
	}{
		{"$JS.API.STREAM.CREATE.evil", jetstream.StreamConfig{Name: "evil", Subjects: []string{"evil.>"}, RePublish: republish}},
		{"$JS.API.STREAM.CREATE.evil2", jetstream.StreamConfig{Name: "evil2", Sources: []*jetstream.StreamSource{{Name: "jobs_results"}}, SubjectTransform: &jetstream.SubjectTransformConfig{Source: ">", Destination: "jobs.jobs"}}},
		{"$JS.API.STREAM.UPDATE.jobs", jetstream.StreamConfig{Name: "jobs", Subjects: []string{"jobs.jobs", "jobs.results.>"}, Retention: jetstream.WorkQueuePolicy}},
		{"$JS.API.STREAM.UPDATE.jobs_results", jetstream.StreamConfig{Name: "jobs_results", Subjects: []string{"jobs.results.>"}, RePublish: republish}},
		{"$JS.API.STREAM.UPDATE.OBJ_jobs_output", jetstream.StreamConfig{Name: "OBJ_jobs_output", AllowMsgSchedules: true}},
		{"$JS.API.CONSUMER.CREATE.jobs_results.evil", push("jobs_results", "evil", "jobs.jobs")},
		{"$JS.API.CONSUMER.CREATE.OBJ_jobs_output.evil", push("OBJ_jobs_output", "evil", "jobs.jobs")},
		{"$JS.API.CONSUMER.CREATE.KV_jobs_runs.evil", push("KV_jobs_runs", "evil", "jobs.jobs")},
		{"$JS.API.CONSUMER.CREATE.jobs.jobs", push("jobs", "jobs", "$KV.jobs_runs.halted")},
		{"$JS.API.CONSUMER.DURABLE.CREATE.jobs.evil", push("jobs", "evil", "$KV.jobs_runs.halted")},
		{"$JS.API.CONSUMER.DELETE.jobs.jobs", nil},
		{"$JS.API.STREAM.DELETE.jobs", nil},
		{"$JS.API.STREAM.DELETE.jobs_results", nil},
		{"$JS.API.STREAM.PURGE.jobs", nil},
		{"$JS.API.STREAM.PURGE.jobs_results", nil},
		{"$JS.API.STREAM.PURGE.OBJ_jobs_output", nil},
		{"$JS.API.STREAM.MSG.DELETE.jobs_results", map[string]any{"seq": 1}},
		{"$JS.API.STREAM.RESTORE.jobs2", map[string]any{"config": jetstream.StreamConfig{Name: "jobs2", Subjects: []string{"jobs.jobs"}}}},
		{"$JS.API.DIRECT.GET.jobs_results", map[string]any{"seq": 1}},
		{"$JS.API.DIRECT.GET.jobs_results.jobs.results.r", nil},
		{"$JS.API.DIRECT.GET.OBJ_jobs_output.$O.jobs_output.M.a2VwdA==", nil},
		{"$JS.API.DIRECT.GET.KV_jobs_runs.$KV.jobs_runs.halted", nil},
		{"$JS.API.STREAM.MSG.GET.jobs_results", map[string]any{"seq": 1}},
		{"$JS.API.STREAM.MSG.GET.OBJ_jobs_output", map[string]any{"seq": 1}},
		{"$JS.API.CONSUMER.MSG.NEXT.jobs_results.evil", map[string]any{"batch": 1}},
		{"$KV.jobs_runs.halted", "run"},
		{"$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.jobs.jobs", map[string]any{"stream": "jobs", "consumer": "jobs", "stream_seq": 1, "deliveries": 5}},
	} {
		var data []byte
		if req.body != nil {
			if data, err = json.Marshal(req.body); err != nil {
				t.Fatal(err)
			}
		}
		nc.PublishRequest(req.subject, "jobs.jobs", data)
		r.expect(t, "Publish", req.subject)
	}
	// Listening to the jobs, or to others' replies.
	for _, subject := range []string{"jobs.jobs", ">", "_INBOX.>", fleet.InboxPrefix(fleet.RoleSubmitter, "jobs") + ".>"} {
		if s, err := nc.SubscribeSync(subject); err == nil {
			defer s.Unsubscribe()
		}
		r.expect(t, "Subscription", subject)
	}
	// What a worker may publish, with headers that would make the server
	// move it elsewhere later: the streams refuse them.
	rollup := nats.NewMsg("$O.jobs_output.M.a2VwdA==")
	rollup.Header.Set("Nats-Rollup", "all")
	if _, err := evil.PublishMsg(ctx, rollup); err == nil {
		t.Error("a worker rolled up the output store")
	}
	scheduled := nats.NewMsg("jobs.results.r")
	scheduled.Header.Set("Nats-Schedule", "@at 2000-01-01T00:00:00Z")
	scheduled.Header.Set("Nats-Schedule-Target", "jobs.jobs")
	scheduled.Data = job
	if _, err := evil.PublishMsg(ctx, scheduled); err == nil {
		t.Error("a worker scheduled a message")
	}
	// The requests a worker may make, answered to the job subject: the
	// server's answers (a publish acknowledgement, a message got, a
	// stream's information) land in the job stream, and the workers drop
	// them unrun.
	nc.PublishRequest("jobs.results.r", "jobs.jobs", job)
	nc.PublishRequest("$JS.API.STREAM.MSG.GET.KV_jobs_runs", "jobs.jobs", []byte(`{"last_by_subj":"$KV.jobs_runs.halted"}`))
	nc.PublishRequest("$JS.API.STREAM.INFO.jobs", "jobs.jobs", nil)
	waitUntil(t, "the three answers dropped", func() bool { mu.Lock(); defer mu.Unlock(); return len(dropped) == 3 })
	for _, d := range dropped {
		if !strings.Contains(d, "is not a job: dropped unrun") {
			t.Errorf("OnFailed: %s", d)
		}
	}

	// Nothing ran but the genuine job, and everything is as it was.
	h.mu.Lock()
	if fmt.Sprint(h.runs) != "map[genuine:1]" {
		t.Errorf("jobs run: %v; want the genuine one once", h.runs)
	}
	h.mu.Unlock()
	js := admin(t, srv)
	if cfg, n := streamConfig(t, js, "jobs"); fmt.Sprint(cfg.Subjects) != "[jobs.jobs]" || cfg.RePublish != nil || n != 0 {
		t.Errorf("job stream: subjects %v, republish %v, %d messages", cfg.Subjects, cfg.RePublish, n)
	}
	if cfg, _ := streamConfig(t, js, "jobs_results"); cfg.RePublish != nil || !cfg.DenyPurge || !cfg.DenyDelete {
		t.Errorf("results stream changed: %+v", cfg)
	}
	for _, name := range []string{"evil", "evil2", "jobs2"} {
		if _, err := js.Stream(ctx, name); !errors.Is(err, jetstream.ErrStreamNotFound) {
			t.Errorf("stream %s: %v; want none", name, err)
		}
	}
	if c, err := js.Consumer(ctx, "jobs", "jobs"); err != nil || c.CachedInfo().Config.DeliverSubject != "" {
		t.Errorf("the workers' consumer: %v", err)
	}
	if v, err := runs.Runs.Get(ctx, "halted"); err != nil || string(v.Value()) != "now" {
		t.Errorf("run state: %v", err)
	}
	if got, err := runs.Output.GetString(ctx, "kept"); err != nil || got != "a genuine output" {
		t.Errorf("output store: %q, %v", got, err)
	}
}

// TestSubmitterCannotConsumeJobs: a submitter's credentials can neither
// take nor read the jobs in the stream, by any request; fleet's worker on
// them says so at once.
func TestSubmitterCannotConsumeJobs(t *testing.T) {
	srv := cluster(t)
	ctx := context.Background()
	submit(t, connect(t, srv.URL(), fleet.RoleSubmitter), "a", "b", "c")
	r := newRefusals()
	sub := dial(t, srv.URL(), fleet.RoleSubmitter, r.handle)
	nc := sub.Conn()
	inbox := nc.NewInbox()
	reply, err := nc.SubscribeSync(inbox)
	if err != nil {
		t.Fatal(err)
	}
	defer reply.Unsubscribe()
	push := func(name string) string {
		return `{"stream_name":"jobs","config":{"name":"` + name + `","durable_name":"` + name + `","deliver_subject":"` + inbox + `","ack_policy":"explicit"}}`
	}
	for _, req := range []struct{ subject, body string }{
		{"$JS.API.CONSUMER.MSG.NEXT.jobs.jobs", `{"batch":10}`},
		{"$JS.API.CONSUMER.CREATE.jobs.mine", push("mine")},
		{"$JS.API.CONSUMER.DURABLE.CREATE.jobs.mine", push("mine")},
		{"$JS.API.CONSUMER.CREATE.jobs.jobs", push("jobs")},
		{"$JS.API.STREAM.MSG.GET.jobs", `{"seq":1}`},
		{"$JS.API.DIRECT.GET.jobs", `{"seq":1}`},
		{"$JS.API.STREAM.MSG.DELETE.jobs", `{"seq":1}`},
		{"$JS.API.STREAM.PURGE.jobs", ``},
		{"$JS.API.STREAM.DELETE.jobs", ``},
		{"$JS.ACK.jobs.jobs.1.1.1.0.0", `+ACK`},
	} {
		nc.PublishRequest(req.subject, inbox, []byte(req.body))
		r.expect(t, "Publish", req.subject)
	}
	if s, err := nc.SubscribeSync("jobs.jobs"); err == nil {
		defer s.Unsubscribe()
	}
	r.expect(t, "Subscription", "jobs.jobs")
	if m, err := reply.NextMsg(100 * time.Millisecond); err == nil {
		t.Errorf("the submitter got an answer: %s %s", m.Subject, m.Data)
	}

	w, err := fleet.NewWorker(ctx, sub, "jobs", 1, func(_ context.Context, j fleet.Job[work]) error {
		t.Errorf("a submitter ran job %s", j.ID)
		return nil
	}, fleet.WorkerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	err = w.Run(ctx)
	if !errors.Is(err, fleet.ErrDenied) {
		t.Errorf("Run with a submitter's credentials: %v; want ErrDenied", err)
	}
	oneLine(t, "Run with a submitter's credentials", err, "these credentials may not take jobs from stream jobs")
	if _, n := streamConfig(t, admin(t, srv), "jobs"); n != 3 {
		t.Errorf("the stream holds %d jobs; want the 3 submitted", n)
	}
}

// TestAnonymousClientIsRefused: a client without credentials is refused,
// on loopback too, with TLS or without.
func TestAnonymousClientIsRefused(t *testing.T) {
	ctx := context.Background()
	srv, dir := clusterIn(t)
	ca := filepath.Join(dir, "tls", "ca.pem")
	_, err := fleet.Connect(ctx, srv.URL(), fleet.WithCA(ca))
	oneLine(t, "no credentials", err, "requires credentials: give a credentials file")
	if nc, err := nats.Connect(srv.URL(), nats.RootCAs(ca)); !errors.Is(err, nats.ErrAuthorization) {
		t.Errorf("a plain NATS client without credentials: %v; want an authorization violation", err)
		if nc != nil {
			nc.Close()
		}
	}
	// Another user's process: its configuration directory holds nothing
	// for this server.
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	_, err = fleet.Connect(ctx, srv.URL(), fleet.As(fleet.RoleWorker), fleet.WithCA(ca))
	oneLine(t, "As with nothing saved", err, "requires credentials, and none were found at ")
	_, err = fleet.Connect(ctx, srv.URL(), fleet.As(fleet.RoleWorker))
	oneLine(t, "As with nothing saved, nor the CA", err, "presents a certificate this client does not trust")

	// Plain text on loopback: still closed.
	plain, err := fleet.StartServer(fleet.ServerConfig{Dir: t.TempDir(), Streams: []fleet.StreamConfig{{Name: "jobs"}}, InsecureNoTLS: true})
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Shutdown()
	_, err = fleet.Connect(ctx, plain.URL())
	oneLine(t, "no credentials, plain text", err, "requires credentials")
	u, _ := url.Parse(plain.URL())
	for _, userinfo := range []string{"alice:s3cr3t", "s3cr3t"} {
		_, err = fleet.Connect(ctx, "nats://"+userinfo+"@"+u.Host)
		oneLine(t, "a user and password in the URL", err, "refused the user information in the URL")
		if err != nil && strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("the error shows the password: %v", err)
		}
	}
	if nc, err := nats.Connect(plain.URL()); !errors.Is(err, nats.ErrAuthorization) {
		t.Errorf("a plain NATS client without credentials: %v; want an authorization violation", err)
		if nc != nil {
			nc.Close()
		}
	}
}

// TestWrongOrExpiredCredentialIsRefused: credentials of another server, a
// credential whose permissions were edited, and an expired one are each
// refused, by the server, with one line saying so.
func TestWrongOrExpiredCredentialIsRefused(t *testing.T) {
	ctx := context.Background()
	srv, dir := clusterIn(t)
	ca := filepath.Join(dir, "tls", "ca.pem")
	other := cluster(t)
	theirs := other.CredentialsFile(fleet.RoleWorker)
	tmp := t.TempDir()
	write := func(name string, data []byte) string {
		path := filepath.Join(tmp, name)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	serverRefuses := func(what, path string) {
		t.Helper()
		nc, err := nats.Connect(srv.URL(), nats.UserCredentials(path), nats.RootCAs(ca))
		if !errors.Is(err, nats.ErrAuthorization) {
			t.Errorf("%s, presented by a plain NATS client: %v; want an authorization violation", what, err)
		}
		if nc != nil {
			nc.Close()
		}
	}

	_, err := fleet.Connect(ctx, srv.URL(), fleet.WithCredentials(theirs))
	oneLine(t, "another server's credentials", err, "is not the server the credentials file "+theirs+" is for: its certificate is not signed by that CA; nothing was sent")

	data, err := os.ReadFile(theirs)
	if err != nil {
		t.Fatal(err)
	}
	withoutCA := write("theirs.creds", data[:bytes.Index(data, []byte("\nThe server's certificate"))])
	_, err = fleet.Connect(ctx, srv.URL(), fleet.WithCredentials(withoutCA), fleet.WithCA(ca))
	oneLine(t, "another server's credentials, without their CA", err, "refused the credentials in "+withoutCA+": they are not valid there")
	serverRefuses("another server's credentials", withoutCA)

	// A worker's credential, edited to allow every publish: the account's
	// signature no longer matches.
	mine, err := os.ReadFile(srv.CredentialsFile(fleet.RoleWorker))
	if err != nil {
		t.Fatal(err)
	}
	token, err := jwt.ParseDecoratedJWT(mine)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(token, ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	json.Unmarshal(payload, &claims)
	claims["nats"].(map[string]any)["pub"] = map[string]any{"allow": []string{">"}}
	payload, _ = json.Marshal(claims)
	parts[1] = base64.RawURLEncoding.EncodeToString(payload)
	edited := write("edited.creds", bytes.Replace(mine, []byte(token), []byte(strings.Join(parts, ".")), 1))
	_, err = fleet.Connect(ctx, srv.URL(), fleet.WithCredentials(edited))
	oneLine(t, "an edited credential", err, "holds no valid user JWT")
	serverRefuses("an edited credential", edited)

	expired, err := fleet.CredentialsAt(dir, fleet.RoleWorker, fleet.CredentialsConfig{Streams: []string{"jobs"}, ValidFor: time.Minute}, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	expiredFile := write("expired.creds", expired)
	_, err = fleet.Connect(ctx, srv.URL(), fleet.WithCredentials(expiredFile))
	oneLine(t, "an expired credential", err, "the credentials in "+expiredFile+" expired at ")
	serverRefuses("an expired credential", expiredFile)

	fresh, err := fleet.Credentials(dir, fleet.RoleWorker, fleet.CredentialsConfig{Streams: []string{"jobs"}, ValidFor: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	js, err := fleet.Connect(ctx, srv.URL(), fleet.WithCredentials(write("fresh.creds", fresh)))
	if err != nil {
		t.Fatalf("a credential valid for an hour: %v", err)
	}
	js.Conn().Close()
	token, _ = jwt.ParseDecoratedJWT(fresh)
	uc, err := jwt.DecodeUserClaims(token)
	if err != nil || uc.Expires == 0 || time.Until(time.Unix(uc.Expires, 0)) > time.Hour {
		t.Errorf("the credential's expiry: %v (%v)", uc.Expires, err)
	}
}

// TestPlainTextOnlyWhenAskedFor: a server listening on every address
// speaks TLS only (a plain-text client gets nothing but the TLS
// requirement), unless InsecureNoTLS says otherwise; then credentials are
// still required.
func TestPlainTextOnlyWhenAskedFor(t *testing.T) {
	ctx := context.Background()
	raw := func(rawURL string) (info, reply string) {
		t.Helper()
		u, err := url.Parse(rawURL)
		if err != nil {
			t.Fatal(err)
		}
		c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", u.Port()))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		rd := bufio.NewReader(c)
		info, _ = rd.ReadString('\n')
		fmt.Fprint(c, "CONNECT {\"verbose\":false}\r\nPING\r\n")
		var b strings.Builder
		for {
			line, err := rd.ReadString('\n')
			b.WriteString(line)
			if err != nil || strings.HasPrefix(line, "PONG") || strings.HasPrefix(line, "-ERR") {
				break
			}
		}
		return info, b.String()
	}
	srv, err := fleet.StartServer(fleet.ServerConfig{Dir: t.TempDir(), Host: "0.0.0.0", Streams: []fleet.StreamConfig{{Name: "jobs"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()
	info, reply := raw(srv.URL())
	if !strings.Contains(info, `"tls_required":true`) || strings.Contains(reply, "PONG") {
		t.Errorf("a plain-text client of a server on 0.0.0.0: got %q then %q; want TLS required and no answer", info, reply)
	}
	if js, err := fleet.Connect(ctx, srv.URL(), fleet.As(fleet.RoleWorker)); err != nil {
		t.Errorf("a worker through TLS: %v", err)
	} else {
		js.Conn().Close()
	}

	plain, err := fleet.StartServer(fleet.ServerConfig{Dir: t.TempDir(), Host: "0.0.0.0", Streams: []fleet.StreamConfig{{Name: "jobs"}}, InsecureNoTLS: true})
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Shutdown()
	info, reply = raw(plain.URL())
	if strings.Contains(info, `"tls_required":true`) || !strings.Contains(reply, "Authorization Violation") {
		t.Errorf("a plain-text client of an InsecureNoTLS server: got %q then %q; want plain text, and credentials required", info, reply)
	}
	if js, err := fleet.Connect(ctx, plain.URL(), fleet.As(fleet.RoleWorker)); err != nil {
		t.Errorf("a worker in plain text: %v", err)
	} else {
		js.Conn().Close()
	}
}

// TestForeignServerGetsNoCredentials: the same user's credentials are
// found by address, but never presented to another server that took the
// address: its certificate is not signed by the CA saved with them, or it
// has no TLS at all.
func TestForeignServerGetsNoCredentials(t *testing.T) {
	ctx := context.Background()
	srv, err := fleet.StartServer(fleet.ServerConfig{Dir: t.TempDir(), Streams: []fleet.StreamConfig{{Name: "jobs"}}})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(srv.URL())
	port := 0
	fmt.Sscan(u.Port(), &port)
	addr := "nats://127.0.0.1:" + u.Port()
	srv.Shutdown()
	mine := os.Getenv("XDG_CONFIG_HOME")
	saved := filepath.Join(mine, "weft", "servers")

	// Another user's servers, with their own store and configuration
	// directory, take the address in turn.
	for _, c := range []struct {
		name string
		cfg  fleet.ServerConfig
		want string
	}{
		{"with its own certificate", fleet.ServerConfig{Streams: []fleet.StreamConfig{{Name: "jobs"}}}, "its certificate is not signed by that CA; nothing was sent"},
		{"without TLS", fleet.ServerConfig{InsecureNoAuth: true, InsecureNoTLS: true}, "offers no TLS, but the credentials file "},
	} {
		t.Run(c.name, func(t *testing.T) {
			os.Setenv("XDG_CONFIG_HOME", t.TempDir())
			c.cfg.Dir, c.cfg.Port = t.TempDir(), port
			foreign, err := fleet.StartServer(c.cfg)
			os.Setenv("XDG_CONFIG_HOME", mine)
			if err != nil {
				t.Fatal(err)
			}
			defer foreign.Shutdown()
			_, err = fleet.Connect(ctx, addr, fleet.As(fleet.RoleWorker))
			oneLine(t, "connecting to a foreign server", err, c.want)
			if err != nil && !strings.Contains(err.Error(), saved) {
				t.Errorf("the error does not name the credentials file under %s: %v", saved, err)
			}
		})
	}
}
