package fleet_test

import (
	"bytes"
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/jwt/v2"

	"github.com/weft-dev/weft/fleet"
)

// privateFiles lists the files that hold secrets, in a server's store and
// in the user's configuration directory.
func privateFiles(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	for _, pattern := range []string{"auth/*", "creds/*", "tls/ca-key.pem"} {
		m, err := filepath.Glob(filepath.Join(dir, pattern))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	m, err := filepath.Glob(filepath.Join(os.Getenv("XDG_CONFIG_HOME"), "weft", "servers", "*", "*.creds"))
	if err != nil {
		t.Fatal(err)
	}
	return append(files, m...)
}

// secrets returns the secrets among those files: every seed, every user
// JWT, and the CA's key.
func secrets(t *testing.T, files []string) []string {
	t.Helper()
	var out []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case strings.HasSuffix(f, ".nk"):
			out = append(out, strings.TrimSpace(string(data)))
		case strings.HasSuffix(f, ".creds"):
			token, err := jwt.ParseDecoratedJWT(data)
			if err != nil {
				t.Fatal(err)
			}
			kp, err := jwt.ParseDecoratedUserNKey(data)
			if err != nil {
				t.Fatal(err)
			}
			seed, _ := kp.Seed()
			out = append(out, token, string(seed))
		case strings.HasSuffix(f, "key.pem"):
			b, _ := pem.Decode(data)
			out = append(out, strings.Split(string(pem.EncodeToMemory(b)), "\n")[1])
		}
	}
	return out
}

// TestSecretsArePrivateAndNeverShown: every file that holds a secret is
// of mode 0600 in a directory of mode 0700, a credentials file open to
// others is refused, and no error, whatever went wrong, shows a seed, a
// credential or a key.
func TestSecretsArePrivateAndNeverShown(t *testing.T) {
	dir := t.TempDir()
	srv, err := fleet.StartServer(fleet.ServerConfig{Dir: dir, Streams: []fleet.StreamConfig{{Name: "jobs"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()
	files := privateFiles(t, dir)
	if len(files) < 9 { // 3 seeds, 2 credentials and the CA in creds/, the CA key, 2 in the configuration directory
		t.Fatalf("found %d private files: %v", len(files), files)
	}
	for _, f := range files {
		if fi, err := os.Stat(f); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v (%v); want 0600", f, fi.Mode().Perm(), err)
		}
		if fi, err := os.Stat(filepath.Dir(f)); err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("%s: mode %v (%v); want 0700", filepath.Dir(f), fi.Mode().Perm(), err)
		}
	}

	// Everything that may go wrong, and what it says.
	ctx := context.Background()
	var mu sync.Mutex
	var said []string
	note := func(err error) {
		if err == nil {
			t.Error("an operation meant to fail did not")
			return
		}
		mu.Lock()
		said = append(said, err.Error())
		mu.Unlock()
	}
	tmp := t.TempDir()
	open := filepath.Join(tmp, "open.creds")
	data, _ := os.ReadFile(srv.CredentialsFile(fleet.RoleWorker))
	os.WriteFile(open, data, 0o644)
	_, err = fleet.Connect(ctx, srv.URL(), fleet.WithCredentials(open))
	oneLine(t, "a credentials file open to others", err, "is open to other users (mode 0644): it holds a secret; chmod 600 "+open)
	note(err)
	expired, _ := fleet.CredentialsAt(dir, fleet.RoleSubmitter, fleet.CredentialsConfig{Streams: []string{"jobs"}, ValidFor: time.Second}, time.Now().Add(-time.Hour))
	os.WriteFile(filepath.Join(tmp, "expired.creds"), expired, 0o600)
	note(errFrom(fleet.Connect(ctx, srv.URL(), fleet.WithCredentials(filepath.Join(tmp, "expired.creds")))))
	garbled := bytes.Replace(data, []byte("NKEY SEED-----\nSU"), []byte("NKEY SEED-----\nXX"), 1)
	os.WriteFile(filepath.Join(tmp, "garbled.creds"), garbled, 0o600)
	note(errFrom(fleet.Connect(ctx, srv.URL(), fleet.WithCredentials(filepath.Join(tmp, "garbled.creds")))))
	note(errFrom(fleet.Connect(ctx, srv.URL(), fleet.WithCA(filepath.Join(dir, "tls", "ca.pem")))))
	w := dial(t, srv.URL(), fleet.RoleWorker, note)
	note(errFrom(fleet.NewProducer[work](ctx, w, "jobs", nil, fleet.DuplicateWindow(time.Hour))))
	note(fleet.SetUp(ctx, w, fleet.StreamConfig{Name: "jobs", AckWait: time.Hour}))
	note(errOf(fleet.Credentials(t.TempDir(), fleet.RoleWorker, fleet.CredentialsConfig{Streams: []string{"jobs"}})))
	os.Chmod(filepath.Join(dir, "auth", "account.nk"), 0o644)
	note(errOf(fleet.Credentials(dir, fleet.RoleWorker, fleet.CredentialsConfig{Streams: []string{"jobs"}})))
	os.Chmod(filepath.Join(dir, "auth", "account.nk"), 0o600)
	w.Conn().Close()

	mu.Lock()
	defer mu.Unlock()
	for _, s := range secrets(t, files) {
		for _, text := range said {
			if strings.Contains(text, s) || strings.Contains(text, s[:20]) {
				t.Errorf("a secret appears in %q", text)
			}
		}
	}
	if len(said) < 9 {
		t.Errorf("only %d texts were checked: %q", len(said), said)
	}
}

func errFrom[T any](_ T, err error) error { return err }

// TestAnotherUserIsRefused runs a process as another user of this machine
// (nobody): it can read none of the files that hold secrets, finds no
// credentials for the server, and is refused.
func TestAnotherUserIsRefused(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("running a process as another user needs root")
	}
	dir := t.TempDir()
	srv, err := fleet.StartServer(fleet.ServerConfig{Dir: dir, Streams: []fleet.StreamConfig{{Name: "jobs"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()
	// A copy of this test binary that nobody may run.
	bin, err := os.MkdirTemp("", "fleet-other-user-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(bin)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	copyFile(t, exe, filepath.Join(bin, "fleet.test"))
	if err := os.Chmod(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	// The CA's certificate is no secret: the other user may have it.
	ca := filepath.Join(bin, "ca.pem")
	copyFile(t, filepath.Join(dir, "tls", "ca.pem"), ca)
	cmd := exec.Command(filepath.Join(bin, "fleet.test"), "-test.run=^TestHelperOtherUser$", "-test.v")
	cmd.Env = []string{
		"FLEET_OTHER_USER_URL=" + srv.URL(),
		"FLEET_OTHER_USER_FILES=" + strings.Join(privateFiles(t, dir), "\n"),
		"FLEET_OTHER_USER_CA=" + ca,
		"HOME=" + bin, "TMPDIR=/tmp", "PATH=" + os.Getenv("PATH"),
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the other user's process: %v\n%s", err, out)
	}
	for _, f := range privateFiles(t, dir) {
		if !strings.Contains(string(out), "read "+f+": permission denied") {
			t.Errorf("the other user read %s, or did not try:\n%s", f, out)
		}
	}
	for _, want := range []string{
		"connect as worker: refused: fleet: NATS at " + srv.URL() + " presents a certificate this client does not trust",
		"connect with the store's worker credentials: refused: fleet: stat " + srv.CredentialsFile(fleet.RoleWorker) + ": permission denied",
		"connect with the CA: refused: fleet: NATS at " + srv.URL() + " requires credentials",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the other user's process did not say %q:\n%s", want, out)
		}
	}
}

// TestHelperOtherUser is what TestAnotherUserIsRefused runs as another
// user.
func TestHelperOtherUser(t *testing.T) {
	url := os.Getenv("FLEET_OTHER_USER_URL")
	if url == "" {
		t.Skip("run by TestAnotherUserIsRefused")
	}
	for _, f := range strings.Split(os.Getenv("FLEET_OTHER_USER_FILES"), "\n") {
		_, err := os.ReadFile(f)
		switch {
		case errors.Is(err, fs.ErrPermission):
			fmt.Printf("read %s: permission denied\n", f)
		default:
			fmt.Printf("read %s: %v\n", f, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	report := func(what string, err error) {
		if err == nil {
			fmt.Printf("%s: connected\n", what)
		} else {
			fmt.Printf("%s: refused: %v\n", what, err)
		}
	}
	report("connect as worker", errFrom(fleet.Connect(ctx, url, fleet.As(fleet.RoleWorker))))
	var worker string
	for _, f := range strings.Split(os.Getenv("FLEET_OTHER_USER_FILES"), "\n") {
		if strings.HasSuffix(f, filepath.Join("creds", "worker.creds")) {
			worker = f
		}
	}
	report("connect with the store's worker credentials", errFrom(fleet.Connect(ctx, url, fleet.WithCredentials(worker))))
	report("connect with the CA", errFrom(fleet.Connect(ctx, url, fleet.WithCA(os.Getenv("FLEET_OTHER_USER_CA")))))
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}
