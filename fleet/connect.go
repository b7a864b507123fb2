package fleet

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// ErrDenied is wrapped by the errors of calls that the server refused for
// lack of permission.
var ErrDenied = errors.New("fleet: not permitted")

// ConnectOption configures Connect.
type ConnectOption func(*connectConfig)

type connectConfig struct {
	creds      string
	role       Role
	ca         string
	cert, key  string
	onError    func(error)
	inProcess  nats.InProcessConnProvider
	credsBytes []byte // in process: a credential made in memory
}

// WithCredentials authenticates with the NATS credentials file path (a
// user JWT and its seed, as Credentials makes them and as NATS tools
// use them). The file must be private to its owner (mode 0600). If it
// carries a CA certificate (those that Credentials makes do, when the
// server made its own certificate), the server must present a certificate
// signed by that CA, and nothing is sent before it has.
func WithCredentials(path string) ConnectOption {
	return func(c *connectConfig) { c.creds = path }
}

// As finds the credentials of role that a server started by the same user
// on this machine (or sharing its configuration directory) wrote for the
// server at the URL given to Connect, when no WithCredentials is given and
// the URL names no user. They are kept under os.UserConfigDir()/weft/servers/,
// one directory per server address; each carries the CA of its server's
// certificate, so they are never presented to another server that has
// taken the same address.
func As(role Role) ConnectOption {
	return func(c *connectConfig) { c.role = role }
}

// WithCA verifies the server's certificate against the CA certificates in
// the PEM file path, host name included, instead of the system's.
func WithCA(path string) ConnectOption {
	return func(c *connectConfig) { c.ca = path }
}

// WithClientCert presents the certificate in certFile, with the key in
// keyFile, to a server that asks for one (ServerConfig.TLSClientCA).
func WithClientCert(certFile, keyFile string) ConnectOption {
	return func(c *connectConfig) { c.cert, c.key = certFile, keyFile }
}

// WithErrorHandler receives the errors the connection meets on its own
// (a slow consumer, a permission the server refused); by default they are
// written to standard error, as NATS does.
func WithErrorHandler(h func(error)) ConnectOption {
	return func(c *connectConfig) { c.onError = h }
}

// Connect connects to the NATS server at url and returns its JetStream
// context. It fails within the context's deadline (or 5 seconds) if the
// server cannot be reached, with an error naming the URL, and with one line
// saying why when the server refuses the credentials, or when its
// certificate is not the one expected.
//
// Without WithCredentials, it uses the URL's user information if any (as
// NATS does), or else the credentials As finds, or none. With a credentials
// file, replies come on the inbox its permissions allow (see InboxPrefix).
func Connect(ctx context.Context, rawURL string, opts ...ConnectOption) (jetstream.JetStream, error) {
	var c connectConfig
	for _, o := range opts {
		o(&c)
	}
	return connectWith(ctx, rawURL, c)
}

func connectWith(ctx context.Context, rawURL string, c connectConfig) (jetstream.JetStream, error) {
	if c.role != "" {
		if err := c.role.valid(); err != nil {
			return nil, err
		}
	}
	timeout := 5 * time.Second
	if dl, ok := ctx.Deadline(); ok {
		timeout = time.Until(dl)
	}
	d := &denials{watch: map[string]map[*denialWatch]struct{}{}, user: c.onError}
	nopts := []nats.Option{nats.Timeout(timeout), nats.MaxReconnects(-1), nats.ErrorHandler(d.handle)}
	how, err := c.credentials(rawURL, &nopts)
	if err != nil {
		return nil, err
	}
	nc, err := nats.Connect(rawURL, nopts...)
	if err != nil {
		return nil, connectError(rawURL, how, err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("fleet: JetStream at %s: %w", redact(rawURL), err)
	}
	return &conn{JetStream: js, denied: d}, nil
}

// credSource says where a connection's credentials and trust came from,
// for its errors.
type credSource struct {
	file    string // the credentials file, if any
	looked  string // where As looked, in vain
	pinned  bool   // the server must present a certificate of the file's CA
	pinFile string // where the pinned CA came from, if not from the credentials
	ca      string // WithCA
}

// credentials adds the options for the connection's credentials and TLS.
func (c *connectConfig) credentials(rawURL string, opts *[]nats.Option) (credSource, error) {
	var src credSource
	tlsCfg := (*tls.Config)(nil)
	data := c.credsBytes
	switch {
	case data != nil:
	case c.creds != "":
		src.file = c.creds
	case c.role != "" && !hasUserInfo(rawURL):
		dir, err := userServerDir(rawURL)
		if err != nil {
			src.looked = err.Error()
			break
		}
		path := filepath.Join(dir, string(c.role)+".creds")
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			src.looked = path
			// A server without authentication leaves its CA alone.
			ca := filepath.Join(dir, handedOutCAFile)
			if pem, err := os.ReadFile(ca); err == nil {
				if tlsCfg, err = pinnedTLS(pem); err != nil {
					return src, fmt.Errorf("fleet: the CA certificate in %s: %w", ca, err)
				}
				src.pinned, src.pinFile = true, ca
			}
			break
		}
		src.file = path
	}
	if src.file != "" {
		var err error
		if data, err = readPrivate(src.file); err != nil {
			return src, err
		}
		defer clear(data) // NATS reads the file again when it connects
	}
	if data != nil {
		token, err := jwt.ParseDecoratedJWT(data)
		if err != nil {
			return src, fmt.Errorf("fleet: %s is not a NATS credentials file: %w", src.name(), err)
		}
		uc, err := jwt.DecodeUserClaims(token)
		if err != nil {
			return src, fmt.Errorf("fleet: %s holds no valid user JWT: %v", src.name(), err)
		}
		kp, err := jwt.ParseDecoratedUserNKey(data)
		if err != nil {
			return src, fmt.Errorf("fleet: %s holds no valid user seed: %v", src.name(), err)
		}
		pub, err := kp.PublicKey()
		kp.Wipe()
		if err != nil || pub != uc.Subject {
			return src, fmt.Errorf("fleet: the seed in %s is not the key of its user JWT", src.name())
		}
		if uc.Expires > 0 && time.Unix(uc.Expires, 0).Before(time.Now()) {
			return src, fmt.Errorf("fleet: the credentials in %s expired at %s; ask for new ones", src.name(), time.Unix(uc.Expires, 0).Format(time.RFC3339))
		}
		if p := inboxOf(uc); p != "" {
			*opts = append(*opts, nats.CustomInboxPrefix(p))
		}
		if src.file != "" {
			*opts = append(*opts, nats.UserCredentials(src.file))
		} else {
			*opts = append(*opts, nats.UserCredentialBytes(data))
		}
		if ca := caFromCreds(data); ca != nil && c.inProcess == nil {
			if tlsCfg, err = pinnedTLS(ca); err != nil {
				return src, fmt.Errorf("fleet: the CA certificate in %s: %w", src.name(), err)
			}
			src.pinned, src.pinFile = true, ""
		}
	}
	if c.ca != "" {
		pool, err := certPool("WithCA", c.ca)
		if err != nil {
			return src, err
		}
		tlsCfg = &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: pool, DynamicRecordSizingDisabled: true}
		src.ca, src.pinned = c.ca, false
	}
	if c.cert != "" || c.key != "" {
		if c.cert == "" || c.key == "" {
			return src, errors.New("fleet: WithClientCert needs both a certificate and a key file")
		}
		pair, err := tls.LoadX509KeyPair(c.cert, c.key)
		if err != nil {
			return src, fmt.Errorf("fleet: WithClientCert: %w", err)
		}
		if tlsCfg == nil {
			tlsCfg = &tls.Config{MinVersion: tls.VersionTLS12, DynamicRecordSizingDisabled: true}
		}
		tlsCfg.Certificates = []tls.Certificate{pair}
	}
	if tlsCfg != nil {
		*opts = append(*opts, nats.Secure(tlsCfg))
	}
	if c.inProcess != nil {
		*opts = append(*opts, nats.InProcessServer(c.inProcess))
	}
	return src, nil
}

// trust names where the pinned CA came from.
func (s credSource) trust() string {
	if s.pinFile != "" {
		return "the CA in " + s.pinFile
	}
	return "the credentials file " + s.name()
}

func (s credSource) name() string {
	if s.file == "" {
		return "the credential"
	}
	return s.file
}

// connectError says in one line why a connection failed.
func connectError(rawURL string, src credSource, err error) error {
	shown := redact(rawURL) // a password is a secret too
	var unknownCA x509.UnknownAuthorityError
	var invalid x509.CertificateInvalidError
	var hostErr x509.HostnameError
	var verify *tls.CertificateVerificationError
	switch {
	case errors.Is(err, nats.ErrAuthExpired):
		return fmt.Errorf("fleet: NATS at %s refused the credentials in %s: they have expired; ask for new ones", shown, src.name())
	case errors.Is(err, nats.ErrAuthorization) && src.file == "" && hasUserInfo(rawURL):
		return fmt.Errorf("fleet: NATS at %s refused the user information in the URL", shown)
	case errors.Is(err, nats.ErrAuthorization) && src.file == "" && src.looked == "":
		return fmt.Errorf("fleet: NATS at %s requires credentials: give a credentials file", shown)
	case errors.Is(err, nats.ErrAuthorization) && src.file == "":
		return fmt.Errorf("fleet: NATS at %s requires credentials, and none were found at %s: give a credentials file", shown, src.looked)
	case errors.Is(err, nats.ErrAuthorization), errors.Is(err, nats.ErrAuthRevoked):
		return fmt.Errorf("fleet: NATS at %s refused the credentials in %s: they are not valid there (made for another server, or revoked)", shown, src.name())
	case errors.Is(err, nats.ErrSecureConnWanted) && src.pinned:
		return fmt.Errorf("fleet: NATS at %s offers no TLS, but %s is for a server that does: it is not that server; nothing was sent", shown, src.trust())
	case errors.Is(err, nats.ErrSecureConnWanted):
		return fmt.Errorf("fleet: NATS at %s offers no TLS, but this client was given certificates to use with it", shown)
	case (errors.As(err, &unknownCA) || errors.As(err, &invalid) || errors.As(err, &verify)) && src.pinned:
		return fmt.Errorf("fleet: NATS at %s is not the server %s is for: its certificate is not signed by that CA; nothing was sent", shown, src.trust())
	case clientCertRefused(err):
		return fmt.Errorf("fleet: NATS at %s asks for a client certificate signed by a CA it trusts, and this client presented none it accepts (give one with WithClientCert): %v", shown, err)
	case strings.Contains(err.Error(), "closed by remote after TLS handshake"):
		return fmt.Errorf("fleet: NATS at %s closed the connection after the TLS handshake, as a server does when it wants a client certificate it trusts (give one with WithClientCert): %v", shown, err)
	case errors.As(err, &hostErr):
		return fmt.Errorf("fleet: NATS at %s presents a certificate for other names: %v", shown, hostErr)
	case (errors.As(err, &unknownCA) || errors.As(err, &invalid) || errors.As(err, &verify)) && src.ca != "":
		return fmt.Errorf("fleet: NATS at %s presents a certificate that the CA in %s does not sign: %v", shown, src.ca, err)
	case errors.As(err, &unknownCA) || errors.As(err, &invalid) || errors.As(err, &verify):
		return fmt.Errorf("fleet: NATS at %s presents a certificate this client does not trust: give its CA, or a credentials file made for it (which carries the CA): %v", shown, err)
	}
	return fmt.Errorf("fleet: cannot reach NATS at %s: %w", shown, err)
}

// clientCertRefused tells whether the server ended the TLS handshake over
// the client's certificate, or the lack of one (the alert has no exported
// type).
func clientCertRefused(err error) bool {
	msg := err.Error()
	if !strings.Contains(msg, "remote error: tls: ") {
		return false
	}
	for _, alert := range []string{"certificate required", "bad certificate", "unknown certificate authority", "certificate unknown"} {
		if strings.Contains(msg, alert) {
			return true
		}
	}
	return false
}

// redact hides the password of a URL, or its token (a user name alone).
func redact(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.User == nil {
		return rawURL
	}
	if _, ok := u.User.Password(); !ok {
		u.User = url.User("xxxxx")
	}
	return u.Redacted()
}

func hasUserInfo(rawURL string) bool {
	u, err := url.Parse(rawURL)
	return err == nil && u.User != nil
}

// inboxOf returns the inbox prefix a user's permissions allow, if they
// allow one other than NATS's default: the one subscribe permission of the
// form _INBOX...> (see InboxPrefix).
func inboxOf(uc *jwt.UserClaims) string {
	for _, s := range uc.Sub.Allow {
		if s == "_INBOX.>" || s == ">" {
			return ""
		}
	}
	for _, s := range uc.Sub.Allow {
		if p, ok := strings.CutSuffix(s, ".>"); ok && strings.HasPrefix(p, "_INBOX") && !strings.ContainsAny(p, "*>") {
			return p
		}
	}
	return ""
}

// userServerDir is where a server writes, and Connect finds, the same
// user's credentials (role.creds) and the server's CA (ca.pem) for the
// server at rawURL: a directory per server address under
// os.UserConfigDir()/weft/servers, named after the machine when the
// address is this machine's own (loopback, any address, or its host name),
// so that machines sharing a home directory do not mix their servers up.
func userServerDir(rawURL string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" || strings.Contains(rawURL, ",") {
		return "", fmt.Errorf("no saved credentials for %q: name one server as nats://host:port", rawURL)
	}
	port := u.Port()
	if port == "" {
		port = "4222"
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		return "", fmt.Errorf("no saved credentials for %q: bad port", rawURL)
	}
	return serverDir(u.Hostname(), p)
}

func serverDir(host string, port int) (string, error) {
	base, err := os.UserConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(base, "weft", "servers", machineKey(host)+"_"+strconv.Itoa(port)), nil
}

var unsafeKey = regexp.MustCompile(`[^a-z0-9.-]`)

func machineKey(host string) string {
	h := strings.ToLower(strings.Trim(host, "[]"))
	ip := net.ParseIP(h)
	if h == "" || h == "localhost" || h == hostname() || (ip != nil && (ip.IsLoopback() || ip.IsUnspecified())) {
		h = hostname()
	}
	return unsafeKey.ReplaceAllString(h, "_")
}

// conn is the JetStream context Connect returns: it also knows which
// publishes the server refused, so that fleet's calls that may be refused
// fail at once, saying so, rather than at their deadline.
type conn struct {
	jetstream.JetStream
	denied *denials
}

type denials struct {
	mu    sync.Mutex
	watch map[string]map[*denialWatch]struct{}
	user  func(error)
}

type denialWatch struct{ cancel context.CancelCauseFunc }

var deniedSubject = regexp.MustCompile(`Publish to "([^"]+)"`)

func (d *denials) handle(_ *nats.Conn, _ *nats.Subscription, err error) {
	if errors.Is(err, nats.ErrPermissionViolation) {
		if m := deniedSubject.FindStringSubmatch(err.Error()); m != nil {
			d.mu.Lock()
			for w := range d.watch[m[1]] {
				w.cancel(ErrDenied)
			}
			d.mu.Unlock()
		}
	}
	if d.user != nil {
		d.user(err)
		return
	}
	fmt.Fprintf(os.Stderr, "fleet: %v\n", err)
}

// deniedError is the error of a call the server refused.
type deniedError struct{ what, subject string }

func (e *deniedError) Error() string {
	return "fleet: these credentials may not " + e.what + " (the server refused a publish to " + e.subject + ")"
}

func (e *deniedError) Is(target error) bool { return target == ErrDenied }

// onDenied calls denied, once, if the server refuses a publish to subject
// on js's connection before stop is called. It does nothing for a
// JetStream context that Connect did not make.
func onDenied(js jetstream.JetStream, subject string, denied func()) (stop func()) {
	c, ok := js.(*conn)
	if !ok {
		return func() {}
	}
	var once sync.Once
	w := &denialWatch{cancel: func(error) { once.Do(denied) }}
	c.denied.mu.Lock()
	if c.denied.watch[subject] == nil {
		c.denied.watch[subject] = map[*denialWatch]struct{}{}
	}
	c.denied.watch[subject][w] = struct{}{}
	c.denied.mu.Unlock()
	return func() {
		c.denied.mu.Lock()
		delete(c.denied.watch[subject], w)
		if len(c.denied.watch[subject]) == 0 {
			delete(c.denied.watch, subject)
		}
		c.denied.mu.Unlock()
	}
}

// attempt runs op, which publishes a request to subject, and returns a
// *deniedError (saying that the connection may not do what) as soon as
// the server refuses that publish.
func attempt(ctx context.Context, js jetstream.JetStream, subject, what string, op func(context.Context) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stop := onDenied(js, subject, func() { cancel(ErrDenied) })
	err := op(ctx)
	stop()
	if err != nil && errors.Is(context.Cause(ctx), ErrDenied) {
		return &deniedError{what: what, subject: subject}
	}
	return err
}
