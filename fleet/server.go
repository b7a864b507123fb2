package fleet

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// ServerConfig configures an embedded JetStream server.
type ServerConfig struct {
	// Dir is where the server stores its streams (required): a server
	// restarted on the same Dir keeps every job not yet acknowledged.
	Dir string
	// Host is the address to listen on; the default is 127.0.0.1.
	Host string
	// Port is the port to listen on; 0 picks a free one.
	Port int
}

// Server is an embedded NATS server with JetStream enabled.
type Server struct{ s *server.Server }

// StartServer starts an embedded JetStream server and waits until it accepts
// connections.
func StartServer(c ServerConfig) (*Server, error) {
	if c.Dir == "" {
		return nil, errors.New("fleet: server store directory must be set")
	}
	if c.Host == "" {
		c.Host = "127.0.0.1"
	}
	port := c.Port
	if port == 0 {
		port = server.RANDOM_PORT
	}
	s, err := server.NewServer(&server.Options{
		Host: c.Host, Port: port, JetStream: true, StoreDir: c.Dir, NoSigs: true,
	})
	if err != nil {
		return nil, fmt.Errorf("fleet: server: %w", err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		s.Shutdown()
		return nil, errors.New("fleet: server did not become ready in 10s")
	}
	return &Server{s: s}, nil
}

// URL is the address clients connect to.
func (s *Server) URL() string { return s.s.ClientURL() }

// Shutdown stops the server and waits until it has stopped.
func (s *Server) Shutdown() {
	s.s.Shutdown()
	s.s.WaitForShutdown()
}

// ConnectInProcess connects to the server without a network connection (the
// client and server share the process), and returns its JetStream context.
func (s *Server) ConnectInProcess() (jetstream.JetStream, error) {
	nc, err := nats.Connect("", nats.InProcessServer(s.s), nats.MaxReconnects(-1))
	if err != nil {
		return nil, fmt.Errorf("fleet: connecting in process: %w", err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("fleet: JetStream in process: %w", err)
	}
	return js, nil
}

// Connect connects to the NATS server at url and returns its JetStream
// context. It fails within the context's deadline (or 5 seconds) if the
// server cannot be reached, with an error naming the URL.
func Connect(ctx context.Context, url string) (jetstream.JetStream, error) {
	timeout := 5 * time.Second
	if dl, ok := ctx.Deadline(); ok {
		timeout = time.Until(dl)
	}
	nc, err := nats.Connect(url, nats.Timeout(timeout), nats.MaxReconnects(-1))
	if err != nil {
		return nil, fmt.Errorf("fleet: cannot reach NATS at %s: %w", url, err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("fleet: JetStream at %s: %w", url, err)
	}
	return js, nil
}
