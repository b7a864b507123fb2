package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io/fs"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/weft-dev/weft/cmd/weft/internal/remote"
	"github.com/weft-dev/weft/fleet"
)

// elsewhere is the environment of a process that does not share this
// user's configuration directory: another user of the machine, or another
// machine. It has no NATS_CREDS either.
func elsewhere(t *testing.T) []string {
	home := t.TempDir()
	return []string{"HOME=" + home, "XDG_CONFIG_HOME=" + filepath.Join(home, ".config"), "NATS_CREDS="}
}

// runWeftEnv is runWeft with env added to the environment.
func runWeftEnv(t *testing.T, dir string, env []string, args ...string) outcome {
	t.Helper()
	cmd := exec.Command(weftBin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	o := outcome{stdout: out.String(), stderr: errb.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		o.status = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running weft: %v", err)
	}
	return o
}

// refused checks that o is a refusal: status 255 and one line that says
// want.
func refused(t *testing.T, what string, o outcome, want string) {
	t.Helper()
	if o.status != 255 || !strings.Contains(o.stderr, want) || strings.Count(o.stderr, "\n") != 1 || o.stdout != "" {
		t.Errorf("%s: status %d, stdout %q, stderr %q; want 255 and one line with %q", what, o.status, o.stdout, o.stderr, want)
	}
}

// storeOf is the store directory of a server started by natsServer.
func storeOf(srv *fleet.Server) string {
	return filepath.Dir(filepath.Dir(srv.CredentialsFile(fleet.RoleWorker)))
}

// TestNATSRefusesWhoeverHasNoCredentials: on loopback, an anonymous NATS
// client is refused even when it skips checking the server's certificate;
// a submitter and a worker run by a process without this user's
// credentials (another user of the machine: another HOME and configuration
// directory, no NATS_CREDS) are refused in one line, before anything
// runs, whether or not they trust the server's CA; this user's worker,
// running all along, runs nothing.
func TestNATSRefusesWhoeverHasNoCredentials(t *testing.T) {
	srv, u := natsServer(t)
	dir := t.TempDir()
	startWorker(t, dir, u, "w1", "-j", "1")
	nc, err := nats.Connect(u, nats.Secure(&tls.Config{InsecureSkipVerify: true}), nats.Timeout(5*time.Second))
	if !errors.Is(err, nats.ErrAuthorization) {
		t.Errorf("an anonymous client on loopback: %v; want an authorization violation", err)
	}
	if nc != nil {
		nc.Close()
	}
	ca := filepath.Join(storeOf(srv), "creds", "ca.pem") // not a secret
	other := elsewhere(t)
	for _, tt := range []struct {
		what string
		args []string
		want string
	}{
		{"a submitter", []string{"--nats", u, "echo {} >> ran-$NAME", ":::", "x"}, "presents a certificate this client does not trust"},
		{"a submitter that trusts the CA", []string{"--nats", u, "--tls-ca", ca, "echo {} >> ran-$NAME", ":::", "x"}, "requires credentials, and none were found at "},
		{"a worker", []string{"worker", "--nats", u}, "presents a certificate this client does not trust"},
		{"a worker that trusts the CA", []string{"worker", "--nats", u, "--tls-ca", ca}, "requires credentials, and none were found at "},
	} {
		refused(t, "another user's "+tt.what, runWeftEnv(t, dir, other, tt.args...), tt.want)
	}
	// The worker takes jobs in order: this user's job after the refused
	// ones runs, and is the only one.
	if o := runWeft(t, dir, "", "--nats", u, "echo {} >> ran-$NAME", ":::", "mine"); o.status != 0 {
		t.Fatalf("this user's run: status %d, %s", o.status, o.stderr)
	}
	if got := ranBy(t, dir); len(got) != 1 || len(got["mine"]) != 1 {
		t.Errorf("jobs that ran: %v; want this user's only", got)
	}
}

// TestNATSWrongCredentialsAreRefused: another server's credentials, with
// its CA (the server is not theirs: nothing is sent) or without it (the
// server refuses them), a file that is not credentials, and credentials
// other users may read are each refused in one line.
func TestNATSWrongCredentialsAreRefused(t *testing.T) {
	srv, u := natsServer(t)
	other, _ := natsServer(t)
	dir := t.TempDir()
	theirs := other.CredentialsFile(fleet.RoleWorker)
	data, err := os.ReadFile(theirs)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, data []byte, mode os.FileMode) string {
		path := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(path, data, mode); err != nil {
			t.Fatal(err)
		}
		return path
	}
	withoutCA := write("theirs.creds", data[:bytes.Index(data, []byte("\nThe server's certificate"))], 0o600)
	ca := filepath.Join(storeOf(srv), "creds", "ca.pem")
	garbled := write("garbled.creds", []byte("not a credential\n"), 0o600)
	shared := write("shared.creds", data, 0o644)
	env := elsewhere(t)
	for _, tt := range []struct {
		what string
		args []string
		want string
	}{
		{"another server's credentials", []string{"worker", "--nats", u, "--nats-creds", theirs}, "is not the server the credentials file " + theirs + " is for: its certificate is not signed by that CA; nothing was sent"},
		{"another server's credentials without their CA", []string{"worker", "--nats", u, "--nats-creds", withoutCA, "--tls-ca", ca}, "refused the credentials in " + withoutCA + ": they are not valid there"},
		{"another server's credentials in NATS_CREDS", []string{"--nats", u, "--tls-ca", ca, "echo", ":::", "x"}, "refused the credentials in " + withoutCA},
		{"a file that is not credentials", []string{"worker", "--nats", u, "--nats-creds", garbled}, garbled + " holds no valid user JWT"},
		{"credentials others may read", []string{"worker", "--nats", u, "--nats-creds", shared}, shared},
	} {
		e := env
		if strings.Contains(tt.what, "NATS_CREDS") {
			e = append(env[:len(env):len(env)], "NATS_CREDS="+withoutCA)
		}
		refused(t, tt.what, runWeftEnv(t, dir, e, tt.args...), tt.want)
	}
}

// TestNATSWorkerCannotSubmit: a worker's credentials (from weft serve
// credentials) cannot submit: weft --nats with them is refused in one line
// before any job is published, and a job published to the job subject
// with them by a plain NATS client is refused by the server (a permission
// violation) and never runs.
func TestNATSWorkerCannotSubmit(t *testing.T) {
	srv, u := natsServer(t)
	dir := t.TempDir()
	startWorker(t, dir, u, "w1", "-j", "1")
	creds := filepath.Join(t.TempDir(), "worker.creds")
	if o := runWeft(t, dir, "", "serve", "credentials", "--store", storeOf(srv), "-o", creds, "worker"); o.status != 0 {
		t.Fatalf("weft serve credentials: status %d, %s", o.status, o.stderr)
	}
	o := runWeftEnv(t, dir, elsewhere(t), "--nats", u, "--nats-creds", creds, "echo {} >> ran-$NAME", ":::", "submitted")
	refused(t, "weft --nats with a worker's credentials", o, "these credentials may not write run states in weft_runs")

	violation := make(chan error, 1)
	nc, err := nats.Connect(u, nats.UserCredentials(creds), nats.RootCAs(filepath.Join(storeOf(srv), "creds", "ca.pem")),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			select {
			case violation <- err:
			default:
			}
		}))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	job, _ := json.Marshal(remote.Job{Run: "evil", Seq: 1, Args: []string{"injected"}, Command: "echo {} >> ran-$NAME", Tries: 1})
	m := nats.NewMsg("weft.jobs")
	m.Header.Set(nats.MsgIdHdr, "evil.1.0")
	m.Data = job
	if err := nc.PublishMsg(m); err != nil {
		t.Fatal(err)
	}
	nc.Flush()
	if err := <-violation; !errors.Is(err, nats.ErrPermissionViolation) || !strings.Contains(err.Error(), `Publish to "weft.jobs"`) {
		t.Errorf("publishing a job with a worker's credentials: %v; want a permission violation", err)
	}
	// The worker takes jobs in order: a job submitted after the refused
	// one runs, and is the only one.
	if o := runWeft(t, dir, "", "--nats", u, "echo {} >> ran-$NAME", ":::", "mine"); o.status != 0 {
		t.Fatalf("the submitter's run: status %d, %s", o.status, o.stderr)
	}
	if got := ranBy(t, dir); len(got) != 1 || len(got["mine"]) != 1 {
		t.Errorf("jobs that ran: %v; want the submitter's only", got)
	}
}

// TestNATSSubmitterCannotTakeJobs: weft worker with a submitter's
// credentials is refused in one line, and takes no job.
func TestNATSSubmitterCannotTakeJobs(t *testing.T) {
	srv, u := natsServer(t)
	dir := t.TempDir()
	_, status := startWeft(t, dir, "--nats", u, "echo {} >> ran-$NAME", ":::", "x")
	o := runWeftEnv(t, dir, append(elsewhere(t), "NAME=w1"), "worker", "--nats", u, "--nats-creds", srv.CredentialsFile(fleet.RoleSubmitter))
	refused(t, "weft worker with a submitter's credentials", outcome{status: o.status, stderr: lastLine(o.stderr)}, "these credentials may not take jobs from stream weft")
	if got := ranBy(t, dir); len(got) != 0 {
		t.Errorf("jobs that ran: %v; want none", got)
	}
	startWorker(t, dir, u, "w2", "-j", "1")
	if s := <-status; s != 0 {
		t.Errorf("the run, once a worker came: status %d", s)
	}
}

// lastLine is the last line of s, with its newline.
func lastLine(s string) string {
	l := lines(s)
	if len(l) == 0 {
		return ""
	}
	return l[len(l)-1] + "\n"
}

// TestServeSecureChain is the set-up of README's many-machines section:
// weft serve; a submitter's and a worker's credentials handed out with
// weft serve credentials; a worker and a submitter that share nothing with
// the server but those files. The credentials files are mode 0600, and
// their secrets appear in no output, log or joblog.
func TestServeSecureChain(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "store")
	u, serveErr, stop := startServe(t, dir, "--store", store, "--listen", "127.0.0.1:0")
	defer stop()
	var outputs []string
	for _, role := range []string{"submitter", "worker"} {
		o := runWeft(t, dir, "", "serve", "credentials", "--store", store, "-o", role+".creds", role)
		if o.status != 0 || o.stdout != "" {
			t.Fatalf("weft serve credentials %s: status %d, stdout %q, %s", role, o.status, o.stdout, o.stderr)
		}
		outputs = append(outputs, o.stderr)
	}
	env := elsewhere(t)
	w := startWorkerEnv(t, dir, env, u, "w1", "-j", "2", "--nats-creds", "worker.creds")
	o := runWeftEnv(t, dir, env, "--nats", u, "--nats-creds", "submitter.creds", "--joblog", "log", "-k", "echo hello {}", ":::", "a", "b")
	if o.status != 0 || o.stdout != "hello a\nhello b\n" {
		t.Errorf("through weft serve with handed-out credentials: status %d, stdout %q, stderr %q", o.status, o.stdout, o.stderr)
	}
	outputs = append(outputs, o.stdout, o.stderr, mustRead(t, filepath.Join(dir, "log")))
	stop()
	w.cmd.Process.Signal(syscall.SIGTERM)
	<-w.status
	w.status <- 0
	outputs = append(outputs, serveErr.String(), w.stderr.String())

	found := 0
	for _, root := range []string{dir, os.Getenv("XDG_CONFIG_HOME")} {
		filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || !strings.HasSuffix(path, ".creds") {
				return err
			}
			found++
			if fi, _ := d.Info(); fi.Mode().Perm() != 0o600 {
				t.Errorf("%s: mode %v; want 0600", path, fi.Mode().Perm())
			}
			data, _ := os.ReadFile(path)
			for _, secret := range credSecrets(data) {
				for _, out := range outputs {
					if strings.Contains(out, secret) {
						t.Errorf("a secret of %s was printed or logged: %q", path, out)
					}
				}
			}
			return nil
		})
	}
	if found < 4 {
		t.Errorf("%d credentials files; want at least the two handed out and the store's two", found)
	}
}

// credSecrets are the user JWT and the seed in a credentials file: the
// lines after their BEGIN lines. (Found by their prefixes, eyJ and SU, a
// line of the CA certificate that the file may also hold would count too,
// about once in a few hundred files.)
func credSecrets(creds []byte) []string {
	var out []string
	ls := lines(string(creds))
	for i, l := range ls[:max(len(ls)-1, 0)] {
		if strings.HasPrefix(l, "-----BEGIN NATS USER JWT") || strings.HasPrefix(l, "-----BEGIN USER NKEY SEED") {
			out = append(out, ls[i+1])
		}
	}
	if len(out) != 2 || !strings.HasPrefix(out[0], "eyJ") || !strings.HasPrefix(out[1], "SU") {
		panic("not a credentials file")
	}
	return out
}

// startServe starts weft serve with args in dir, and returns the URL it
// printed, its stderr, and a function that stops it with SIGTERM (and
// checks that it exits 0).
func startServe(t *testing.T, dir string, args ...string) (string, *lockedBuffer, func()) {
	t.Helper()
	srv := exec.Command(weftBin, append([]string{"serve"}, args...)...)
	srv.Dir = dir
	stdout, err := srv.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	errb := &lockedBuffer{}
	srv.Stderr = errb
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	line := make([]byte, 0, 64)
	for b := make([]byte, 1); !bytes.HasSuffix(line, []byte("\n")); {
		if _, err := stdout.Read(b); err != nil {
			srv.Wait()
			t.Fatalf("weft serve printed no URL: %v; %s", err, errb)
		}
		line = append(line, b[0])
	}
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		srv.Process.Signal(syscall.SIGTERM)
		if err := srv.Wait(); err != nil {
			t.Errorf("weft serve after SIGTERM: %v; %s", err, errb)
		}
	}
	t.Cleanup(stop)
	return strings.TrimSpace(string(line)), errb, stop
}

// testCA makes a CA and a certificate it signs for 127.0.0.1, in PEM
// files in dir: ca.pem, and name.pem and name.key.
func testCA(t *testing.T, dir string, names ...string) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, caKey.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	writePEM := func(name, typ string, der []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	writePEM("ca.pem", "CERTIFICATE", caDER)
	for i, name := range names {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(int64(i + 2)), Subject: pkix.Name{CommonName: name},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			KeyUsage:    x509.KeyUsageDigitalSignature,
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
			IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, key.Public(), caKey)
		if err != nil {
			t.Fatal(err)
		}
		keyDER, _ := x509.MarshalPKCS8PrivateKey(key)
		writePEM(name+".pem", "CERTIFICATE", der)
		writePEM(name+".key", "PRIVATE KEY", keyDER)
	}
}

// TestServeWithGivenCertificates: weft serve --tls-cert and --tls-key with
// a certificate from a CA made here: clients given that CA with --tls-ca
// work, a client without it is refused; with --tls-ca on the server,
// clients must also present a certificate that CA signed.
func TestServeWithGivenCertificates(t *testing.T) {
	dir := t.TempDir()
	pki := t.TempDir()
	testCA(t, pki, "server", "client")
	store := filepath.Join(dir, "store")
	u, _, stop := startServe(t, dir, "--store", store, "--listen", "127.0.0.1:0",
		"--tls-cert", filepath.Join(pki, "server.pem"), "--tls-key", filepath.Join(pki, "server.key"))
	for _, role := range []string{"submitter", "worker"} {
		if o := runWeft(t, dir, "", "serve", "credentials", "--store", store, "-o", role+".creds", role); o.status != 0 {
			t.Fatalf("weft serve credentials %s: %s", role, o.stderr)
		}
	}
	env := elsewhere(t)
	ca := filepath.Join(pki, "ca.pem")
	w := startWorkerEnv(t, dir, env, u, "w1", "-j", "1", "--nats-creds", "worker.creds", "--tls-ca", ca)
	o := runWeftEnv(t, dir, env, "--nats", u, "--nats-creds", "submitter.creds", "--tls-ca", ca, "echo {}", ":::", "a")
	if o.status != 0 || o.stdout != "a\n" {
		t.Errorf("with the CA: status %d, stdout %q, stderr %q", o.status, o.stdout, o.stderr)
	}
	o = runWeftEnv(t, dir, env, "--nats", u, "--nats-creds", "submitter.creds", "echo {}", ":::", "a")
	refused(t, "a submitter without the CA", o, "presents a certificate this client does not trust")
	w.cmd.Process.Kill()
	stop()

	// Client certificates required.
	u, _, _ = startServe(t, dir, "--store", store, "--listen", "127.0.0.1:0",
		"--tls-cert", filepath.Join(pki, "server.pem"), "--tls-key", filepath.Join(pki, "server.key"), "--tls-ca", ca)
	o = runWeftEnv(t, dir, env, "--nats", u, "--nats-creds", "submitter.creds", "--tls-ca", ca, "echo {}", ":::", "a")
	if o.status != 255 || !strings.Contains(o.stderr, "client certificate") {
		t.Errorf("no client certificate: status %d, stderr %q; want it refused", o.status, o.stderr)
	}
	startWorkerEnv(t, dir, env, u, "w2", "-j", "1", "--nats-creds", "worker.creds", "--tls-ca", ca,
		"--tls-cert", filepath.Join(pki, "client.pem"), "--tls-key", filepath.Join(pki, "client.key"))
	o = runWeftEnv(t, dir, env, "--nats", u, "--nats-creds", "submitter.creds", "--tls-ca", ca,
		"--tls-cert", filepath.Join(pki, "client.pem"), "--tls-key", filepath.Join(pki, "client.key"), "echo {}", ":::", "b")
	if o.status != 0 || o.stdout != "b\n" {
		t.Errorf("with a client certificate: status %d, stdout %q, stderr %q", o.status, o.stdout, o.stderr)
	}
}
