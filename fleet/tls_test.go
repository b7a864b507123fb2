package fleet_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/weft-dev/weft/fleet"
)

// testCA is a CA made by a test, which writes PEM files.
type testCA struct {
	t    *testing.T
	dir  string
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	File string // the CA certificate
}

func newTestCA(t *testing.T, name string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	ca := &testCA{t: t, dir: t.TempDir(), cert: cert, key: key}
	ca.File = ca.write(name+".pem", "CERTIFICATE", der)
	return ca
}

func (ca *testCA) write(name, kind string, der []byte) string {
	path := filepath.Join(ca.dir, name)
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
		ca.t.Fatal(err)
	}
	return path
}

// issue makes a certificate for 127.0.0.1 and localhost, for a server or a
// client, and returns its certificate and key files.
func (ca *testCA) issue(name string, usage x509.ExtKeyUsage) (certFile, keyFile string) {
	ca.t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		ca.t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, key.Public(), ca.key)
	if err != nil {
		ca.t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		ca.t.Fatal(err)
	}
	return ca.write(name+".pem", "CERTIFICATE", der), ca.write(name+"-key.pem", "PRIVATE KEY", keyDER)
}

// TestTLSWithGivenCertificates: a server with a certificate signed by a CA
// made in the test, asking clients for certificates of the same CA. A
// client that trusts the CA and presents a certificate connects; one that
// does not trust it, or presents none, is refused.
func TestTLSWithGivenCertificates(t *testing.T) {
	ca := newTestCA(t, "test-ca")
	cert, key := ca.issue("server", x509.ExtKeyUsageServerAuth)
	clientCert, clientKey := ca.issue("client", x509.ExtKeyUsageClientAuth)
	srv, err := fleet.StartServer(fleet.ServerConfig{
		Dir: t.TempDir(), Streams: []fleet.StreamConfig{{Name: "jobs"}},
		TLSCert: cert, TLSKey: key, TLSClientCA: ca.File,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()
	creds := srv.CredentialsFile(fleet.RoleWorker)
	if data, err := os.ReadFile(creds); err != nil || strings.Contains(string(data), "CERTIFICATE") {
		t.Errorf("credentials of a server with a given certificate carry a CA (%v)", err)
	}
	ctx := context.Background()
	js, err := fleet.Connect(ctx, srv.URL(), fleet.WithCredentials(creds), fleet.WithCA(ca.File), fleet.WithClientCert(clientCert, clientKey))
	if err != nil {
		t.Fatalf("a client with the CA and a certificate: %v", err)
	}
	if _, err := fleet.NewWorker(ctx, js, "jobs", 1, func(context.Context, fleet.Job[work]) error { return nil }, fleet.WorkerConfig{}); err != nil {
		t.Errorf("binding a worker over TLS: %v", err)
	}
	js.Conn().Close()

	other := newTestCA(t, "other-ca")
	_, err = fleet.Connect(ctx, srv.URL(), fleet.WithCredentials(creds), fleet.WithClientCert(clientCert, clientKey))
	oneLine(t, "a client without the CA", err, "presents a certificate this client does not trust")
	_, err = fleet.Connect(ctx, srv.URL(), fleet.WithCredentials(creds), fleet.WithCA(other.File), fleet.WithClientCert(clientCert, clientKey))
	oneLine(t, "a client trusting another CA", err, "presents a certificate that the CA in "+other.File+" does not sign")
	_, err = fleet.Connect(ctx, srv.URL(), fleet.WithCredentials(creds), fleet.WithCA(ca.File))
	oneLine(t, "a client without a certificate", err, "client certificate")
	otherCert, otherKey := other.issue("stranger", x509.ExtKeyUsageClientAuth)
	_, err = fleet.Connect(ctx, srv.URL(), fleet.WithCredentials(creds), fleet.WithCA(ca.File), fleet.WithClientCert(otherCert, otherKey))
	oneLine(t, "a client with a certificate of another CA", err, "client certificate")

	for _, c := range []struct {
		cfg  fleet.ServerConfig
		want string
	}{
		{fleet.ServerConfig{TLSCert: cert}, "TLSCert and TLSKey go together"},
		{fleet.ServerConfig{TLSCert: cert, TLSKey: key, InsecureNoTLS: true}, "InsecureNoTLS cannot go with TLSCert or TLSClientCA"},
		{fleet.ServerConfig{TLSCert: key, TLSKey: cert}, "TLSCert and TLSKey:"},
		{fleet.ServerConfig{TLSClientCA: key}, "TLSClientCA: " + key + " holds no certificate"},
	} {
		c.cfg.Dir, c.cfg.Streams = t.TempDir(), []fleet.StreamConfig{{Name: "jobs"}}
		_, err := fleet.StartServer(c.cfg)
		oneLine(t, "StartServer", err, c.want)
	}
}
