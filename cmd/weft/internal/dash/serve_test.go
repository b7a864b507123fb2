package dash

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// testTLS is a TLS configuration with a self-signed certificate for
// 127.0.0.1, and the pool that trusts it.
func testTLSPool(t *testing.T) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "weft test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, pool
}

func testTLS(t *testing.T) *tls.Config {
	c, _ := testTLSPool(t)
	return c
}

func TestListen(t *testing.T) {
	src := demoFleet(10, 5)
	for _, tc := range []struct {
		cfg  Config
		addr string
		want string // "" for a listener
	}{
		{Config{Source: src}, "127.0.0.1:0", ""},
		{Config{Source: src}, "localhost:0", ""},
		{Config{Source: src}, "0.0.0.0:0", "is not a loopback address, and the dashboard has no token"},
		{Config{Source: src}, ":0", "is not a loopback address, and the dashboard has no token"},
		{Config{Source: src, Tokens: testTokens}, "0.0.0.0:0", "give the dashboard a TLS certificate"},
		{Config{Source: src, Tokens: testTokens, Insecure: true}, "0.0.0.0:0", ""},
		{Config{Source: src, Tokens: testTokens, TLS: testTLS(t)}, "0.0.0.0:0", ""},
		{Config{Source: src}, "127.0.0.1", "want host:port"},
	} {
		d := newDash(t, tc.cfg)
		ln, err := d.Listen(tc.addr)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("Listen(%q): %v", tc.addr, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("Listen(%q): %v; want an error with %q", tc.addr, err, tc.want)
		}
		if ln != nil {
			ln.Close()
		}
	}
}

// TestServeTLS serves a dashboard over TLS, pages and live parts, and
// checks that ending the context ends the server.
func TestServeTLS(t *testing.T) {
	cfg, pool := testTLSPool(t)
	src := demoFleet(10, 5)
	d := newDash(t, Config{Source: src, Tokens: testTokens, TLS: cfg})
	ln, err := d.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := d.URL(ln)
	if !strings.HasPrefix(u, "https://127.0.0.1:") || !strings.HasSuffix(u, "/?token="+testTokens.Act) {
		t.Errorf("URL: %s; want https://127.0.0.1:PORT/?token=ACT", u)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- d.Serve(ctx, ln) }()

	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	defer client.CloseIdleConnections()
	req, _ := http.NewRequest("GET", strings.TrimSuffix(u, "/?token="+testTokens.Act)+"/live/", nil)
	req.Header.Set("Authorization", "Bearer "+testTokens.View)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 || resp.Header.Get("ETag") == "" || !strings.Contains(string(body), "Workers") {
		t.Fatalf("live part over TLS: status %d, ETag %q, %v: %.200s", resp.StatusCode, resp.Header.Get("ETag"), err, body)
	}
	cancel()
	if err := <-served; err != nil {
		t.Errorf("Serve: %v; want nil after its context ended", err)
	}
}
