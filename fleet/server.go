package fleet

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"
)

// ServerConfig configures an embedded JetStream server.
//
// By default the server is closed to anyone without credentials, loopback
// included, and speaks TLS only. On its first start it makes the keys that
// sign credentials and a CA for its certificate, in the store directory;
// at each start it sets up Streams and writes a submitter's and a worker's
// credentials for them (see Server.CredentialsFile), and the same again
// under os.UserConfigDir()/weft/servers/ for clients of the same user (see
// As). Credentials to hand out to other machines are made with
// Credentials.
type ServerConfig struct {
	// Dir is where the server stores its streams and its keys (required):
	// a server restarted on the same Dir keeps every job not yet
	// acknowledged, and accepts the credentials made before.
	Dir string
	// Host is the address to listen on; the default is 127.0.0.1.
	Host string
	// Port is the port to listen on; 0 picks a free one.
	Port int
	// Streams are the stream sets the server sets up at each start, and
	// those the credentials it writes may use. Required unless
	// InsecureNoAuth is set.
	Streams []StreamConfig

	// TLSCert and TLSKey name the PEM files of the server's certificate
	// and key. By default the server makes its own certificate, signed
	// by a CA it keeps in Dir; the credentials it makes then carry that
	// CA, so that their clients trust it, and only it, for this server.
	TLSCert, TLSKey string
	// TLSClientCA names a PEM file of CA certificates: clients must then
	// present a certificate signed by one of them (see WithClientCert).
	TLSClientCA string

	// InsecureNoAuth lets anyone who can reach the server do anything
	// with it: publish jobs that every worker will run as a shell command
	// if the workers are weft's, read every result, delete every stream.
	// That includes every user of this machine, on loopback too.
	InsecureNoAuth bool
	// InsecureNoTLS makes the server speak plain text: anyone on the
	// network path can read the jobs and results, and take over a
	// connection; and a client cannot tell the server from another one
	// that took its address, to which it would then present its
	// credentials and from which a worker would take jobs.
	InsecureNoTLS bool
}

// maxControlLine is the longest protocol line the server takes: enough
// for the CONNECT line of a credential covering about 30 stream sets.
const maxControlLine = 64 << 10

// Server is an embedded NATS server with JetStream enabled.
type Server struct {
	s       *server.Server
	cfg     ServerConfig
	auth    *authority // nil with InsecureNoAuth
	streams []string
	creds   map[Role]string // the credentials files written in Dir
	tls     *tls.Config     // the clients' port's; nil with InsecureNoTLS
}

// StartServer starts an embedded JetStream server, waits until it accepts
// connections, sets up c.Streams and writes the credentials for them.
func StartServer(c ServerConfig) (*Server, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	if c.Host == "" {
		c.Host = "127.0.0.1"
	}
	port := c.Port
	if port == 0 {
		port = server.RANDOM_PORT
	}
	opts := &server.Options{
		Host: c.Host, Port: port, JetStream: true, StoreDir: c.Dir, NoSigs: true,
		NoSystemAccount: true,
		// A credential's JWT lists its permissions, which grow with the
		// stream sets it covers, and travels in the CONNECT line: the
		// default limit, 4 KiB, holds only about two stream sets.
		MaxControlLine: maxControlLine,
	}
	srv := &Server{cfg: c, creds: map[Role]string{}}
	for _, s := range c.Streams {
		srv.streams = append(srv.streams, s.Name)
	}
	if !c.InsecureNoAuth {
		a, err := loadAuthority(c.Dir, true)
		if err != nil {
			return nil, err
		}
		srv.auth = a
		resolver := &server.MemAccResolver{}
		if err := resolver.Store(a.accountID, a.accountJWT); err != nil {
			return nil, fmt.Errorf("fleet: server: %w", err)
		}
		if err := resolver.Store(a.systemID, a.systemJWT); err != nil {
			return nil, fmt.Errorf("fleet: server: %w", err)
		}
		opts.TrustedKeys = []string{a.operatorID}
		opts.AccountResolver = resolver
		opts.SystemAccount = a.systemID
		opts.NoSystemAccount = false
	}
	caPEM, err := c.tls(opts)
	if err != nil {
		return nil, err
	}
	srv.tls = opts.TLSConfig
	s, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("fleet: server: %w", err)
	}
	srv.s = s
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		srv.Shutdown()
		return nil, errors.New("fleet: server did not become ready in 10s")
	}
	if err := srv.setUp(); err != nil {
		srv.Shutdown()
		return nil, err
	}
	if err := srv.writeCreds(caPEM); err != nil {
		srv.Shutdown()
		return nil, err
	}
	return srv, nil
}

func (c *ServerConfig) check() error {
	switch {
	case c.Dir == "":
		return errors.New("fleet: server store directory must be set")
	case (c.TLSCert == "") != (c.TLSKey == ""):
		return errors.New("fleet: TLSCert and TLSKey go together: give both, or neither (the server then makes its own certificate)")
	case c.InsecureNoTLS && (c.TLSCert != "" || c.TLSClientCA != ""):
		return errors.New("fleet: InsecureNoTLS cannot go with TLSCert or TLSClientCA")
	case len(c.Streams) == 0 && !c.InsecureNoAuth:
		return errors.New("fleet: ServerConfig.Streams must name the stream sets clients will use: the credentials the server makes are limited to them")
	case c.Port < 0 || c.Port > 65535:
		return fmt.Errorf("fleet: Port must be between 0 and 65535, got %d", c.Port)
	}
	seen := map[string]bool{}
	for _, s := range c.Streams {
		if err := s.check(); err != nil {
			return err
		}
		if seen[s.Name] {
			return fmt.Errorf("fleet: stream %s is listed twice in ServerConfig.Streams", s.Name)
		}
		seen[s.Name] = true
	}
	return nil
}

// tls configures the server's TLS, and returns the CA certificate to hand
// out with credentials when the server made its own certificate.
func (c *ServerConfig) tls(opts *server.Options) ([]byte, error) {
	if c.InsecureNoTLS {
		return nil, nil
	}
	// Whole records from the start: a connection carries bursts of jobs.
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, DynamicRecordSizingDisabled: true}
	var caPEM []byte
	if c.TLSCert != "" {
		pair, err := tls.LoadX509KeyPair(c.TLSCert, c.TLSKey)
		if err != nil {
			return nil, fmt.Errorf("fleet: TLSCert and TLSKey: %w", err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	} else {
		ca, key, pemData, err := loadCA(c.Dir)
		if err != nil {
			return nil, err
		}
		pair, err := issue(ca, key, c.Host)
		if err != nil {
			return nil, err
		}
		cfg.Certificates = []tls.Certificate{pair}
		caPEM = pemData
	}
	if c.TLSClientCA != "" {
		pool, err := certPool("TLSClientCA", c.TLSClientCA)
		if err != nil {
			return nil, err
		}
		cfg.ClientCAs = pool
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
		opts.TLSVerify = true
	}
	opts.TLS = true
	opts.TLSConfig = cfg
	opts.TLSTimeout = 5
	return caPEM, nil
}

// setUp sets the configured stream sets up, as the account's admin.
func (s *Server) setUp() error {
	if len(s.cfg.Streams) == 0 {
		return nil
	}
	js, err := s.ConnectInProcess(RoleAdmin)
	if err != nil {
		return err
	}
	defer js.Conn().Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, sc := range s.cfg.Streams {
		if err := SetUp(ctx, js, sc); err != nil {
			return err
		}
	}
	return nil
}

// writeCreds writes a submitter's and a worker's credentials, for the
// configured streams, in the store directory and in the user's
// configuration directory.
func (s *Server) writeCreds(caPEM []byte) error {
	dir := filepath.Join(s.cfg.Dir, credsDir)
	caPath := filepath.Join(dir, handedOutCAFile)
	if caPEM != nil {
		if err := writePrivate(caPath, caPEM); err != nil {
			return err
		}
	} else if err := os.Remove(caPath); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("fleet: %w", err)
	}
	addr, ok := s.s.Addr().(*net.TCPAddr)
	if !ok {
		return errors.New("fleet: the server has no TCP address")
	}
	user, err := serverDir(s.cfg.Host, addr.Port)
	if err != nil {
		user = "" // no configuration directory: the store's copies only
	}
	if user != "" {
		if caPEM != nil {
			if err := writePrivate(filepath.Join(user, handedOutCAFile), caPEM); err != nil {
				return err
			}
		} else if err := os.Remove(filepath.Join(user, handedOutCAFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("fleet: %w", err)
		}
	}
	if s.auth == nil {
		return nil
	}
	for _, role := range []Role{RoleSubmitter, RoleWorker} {
		token, seed, err := s.auth.user(role, s.streams, "weft "+string(role), time.Time{})
		if err != nil {
			return err
		}
		data, err := credsFile(token, seed, caPEM)
		if err != nil {
			return err
		}
		path := filepath.Join(dir, string(role)+".creds")
		if err := writePrivate(path, data); err != nil {
			return err
		}
		s.creds[role] = path
		if user != "" {
			if err := writePrivate(filepath.Join(user, string(role)+".creds"), data); err != nil {
				return err
			}
		}
	}
	return nil
}

// URL is the address clients connect to.
func (s *Server) URL() string { return s.s.ClientURL() }

// CredentialsFile returns the path of the credentials file for role that
// the server wrote in its store directory (mode 0600), for its stream sets;
// "" for RoleAdmin, or with InsecureNoAuth.
func (s *Server) CredentialsFile(role Role) string { return s.creds[role] }

// TLS returns a copy of the TLS configuration of the clients' port (its
// certificate, given or made, and the client CAs it requires), for another
// port of the same service to speak TLS as this one does; nil with
// InsecureNoTLS. A certificate the server made is signed by the CA in the
// store's tls/ca.pem.
func (s *Server) TLS() *tls.Config {
	if s.tls == nil {
		return nil
	}
	return s.tls.Clone()
}

// Shutdown stops the server and waits until it has stopped.
func (s *Server) Shutdown() {
	s.s.Shutdown()
	s.s.WaitForShutdown()
}

// ConnectInProcess connects to the server without a network connection
// (the client and server share the process), with a credential of role
// made in memory for the server's stream sets, and returns its JetStream
// context. The role does not matter with InsecureNoAuth. Of the options,
// only WithErrorHandler applies: the others are refused.
func (s *Server) ConnectInProcess(role Role, opts ...ConnectOption) (jetstream.JetStream, error) {
	if err := role.valid(); err != nil {
		return nil, err
	}
	c := connectConfig{inProcess: s.s}
	for _, o := range opts {
		o(&c)
	}
	if c.creds != "" || c.role != "" || c.ca != "" || c.cert != "" || c.key != "" {
		return nil, errors.New("fleet: ConnectInProcess takes only WithErrorHandler: it makes its own credential, and an in-process connection has no TLS")
	}
	if s.auth != nil {
		token, seed, err := s.auth.user(role, s.streams, "weft "+string(role)+" in process", time.Time{})
		if err != nil {
			return nil, err
		}
		if c.credsBytes, err = credsFile(token, seed, nil); err != nil {
			return nil, err
		}
	}
	js, err := connectWith(context.Background(), "", c)
	if err != nil {
		return nil, fmt.Errorf("fleet: connecting in process: %w", err)
	}
	return js, nil
}
