// Package reach tells a person, in a few plain lines, that the NATS server
// a submitter or a worker talks to has gone, and gives up waiting for it
// after a set time.
//
// The NATS client retries on its own, forever; left alone, a submitter
// whose server died waits in silence and a worker prints the client's
// messages every few seconds. A Watch, told when the connection is lost and
// when it is back, says once that the server is unreachable and that weft
// waits for it, then again at growing intervals (30 s, 1 min, 2 min, 4
// min...), never a line per retry, says when it is back, and calls its
// give-up function once the server has been gone for the timeout.
//
//	w := reach.New(reach.Config{URL: url, Timeout: 5 * time.Minute, Out: os.Stderr, GiveUp: cancel})
//	w.Attach(nc) // the connection's disconnect, reconnect and error handlers
//	defer w.Stop()
package reach

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
)

// DefaultTimeout is how long a submitter or a worker waits for a server
// that has gone before it gives up, unless --server-timeout says otherwise.
const DefaultTimeout = 5 * time.Minute

// firstReminder is how long after the first line the second comes; each
// later one comes twice as long after the one before.
const firstReminder = 30 * time.Second

// Config is what a Watch reports on and what it does when it gives up.
type Config struct {
	URL     string        // the server, as the user gave it (a password in it is not printed)
	Timeout time.Duration // how long to wait for a server that has gone; 0: forever
	Out     io.Writer     // where the lines go (stderr)
	// GiveUp is called once, from a goroutine of the Watch, when the
	// server has been unreachable for Timeout.
	GiveUp func()
	// While, if set, ends the first line: what goes on meanwhile
	// ("the running jobs go on").
	While string
	// OnLost, if set, is called, from the goroutine that calls Lost, each
	// time the server goes (not on each failed retry).
	OnLost func()
}

// A Watch follows one connection's server. Its methods are safe for
// concurrent use by multiple goroutines.
type Watch struct {
	cfg Config

	mu       sync.Mutex
	down     bool
	since    time.Time     // when the server went, while down
	next     time.Duration // from since, when the next reminder is due
	reminder *time.Timer
	deadline *time.Timer
	gaveUp   bool
	stopped  bool
}

// New returns a Watch that has seen nothing yet (the server is there).
func New(cfg Config) *Watch {
	return &Watch{cfg: cfg}
}

// Lost records that the connection to the server is lost. The first Lost
// after the server was there prints one line and starts the timeout; more
// Lost calls while it is gone (each failed retry) print nothing.
func (w *Watch) Lost() {
	if w.lost() && w.cfg.OnLost != nil {
		w.cfg.OnLost()
	}
}

// lost records the loss, and reports whether it is news.
func (w *Watch) lost() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.down || w.gaveUp || w.stopped {
		return false
	}
	w.down, w.since, w.next = true, time.Now(), firstReminder
	line := fmt.Sprintf("weft: the NATS server at %s is unreachable; waiting for it", redact(w.cfg.URL))
	if w.cfg.Timeout > 0 {
		line += fmt.Sprintf(" (giving up after %s: --server-timeout)", w.cfg.Timeout)
	}
	if w.cfg.While != "" {
		line += "; " + w.cfg.While
	}
	fmt.Fprintln(w.cfg.Out, line)
	w.reminder = time.AfterFunc(w.next, w.remind)
	if w.cfg.Timeout > 0 {
		w.deadline = time.AfterFunc(w.cfg.Timeout, w.expire)
	}
	return true
}

// Back records that the connection is back, and says so if the server had
// gone.
func (w *Watch) Back() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.down || w.gaveUp || w.stopped {
		return
	}
	w.down = false
	w.stopTimers()
	fmt.Fprintf(w.cfg.Out, "weft: the NATS server at %s is back after %s\n", redact(w.cfg.URL), round(time.Since(w.since)))
}

// Down reports whether the server is gone now.
func (w *Watch) Down() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.down
}

// GaveUp reports whether the Watch gave up on the server.
func (w *Watch) GaveUp() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.gaveUp
}

// Err is an error that says the Watch gave up, or nil.
func (w *Watch) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.gaveUp {
		return nil
	}
	return fmt.Errorf("gave up on the NATS server at %s: unreachable for %s (--server-timeout)", redact(w.cfg.URL), w.cfg.Timeout)
}

// Stop ends the Watch: no more lines, no give-up.
func (w *Watch) Stop() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.stopped = true
	w.stopTimers()
}

func (w *Watch) stopTimers() {
	if w.reminder != nil {
		w.reminder.Stop()
		w.reminder = nil
	}
	if w.deadline != nil {
		w.deadline.Stop()
		w.deadline = nil
	}
}

// remind prints that the server is still gone, and schedules the next
// reminder twice as far.
func (w *Watch) remind() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.down || w.gaveUp || w.stopped {
		return
	}
	gone := time.Since(w.since)
	line := fmt.Sprintf("weft: still waiting for the NATS server at %s (unreachable for %s", redact(w.cfg.URL), round(gone))
	if w.cfg.Timeout > 0 {
		line += fmt.Sprintf("; giving up in %s", round(w.cfg.Timeout-gone))
	}
	fmt.Fprintln(w.cfg.Out, line+")")
	w.next *= 2
	w.reminder = time.AfterFunc(w.next-gone, w.remind)
}

// expire gives up on the server.
func (w *Watch) expire() {
	w.mu.Lock()
	if !w.down || w.gaveUp || w.stopped {
		w.mu.Unlock()
		return
	}
	w.gaveUp = true
	w.stopTimers()
	w.mu.Unlock()
	if w.cfg.GiveUp != nil {
		w.cfg.GiveUp()
	}
}

// Attach makes w follow nc: its disconnect and reconnect handlers call Lost
// and Back, and the client's own asynchronous errors are kept off the
// terminal while the server is gone (they repeat every few seconds and say
// nothing the Watch does not). Other asynchronous errors go to the handler
// nc had, or are printed on one line each. Call it before the connection is
// used.
func (w *Watch) Attach(nc *nats.Conn) {
	prev := nc.Opts.AsyncErrorCB
	nc.SetDisconnectErrHandler(func(*nats.Conn, error) { w.Lost() })
	nc.SetReconnectHandler(func(*nats.Conn) { w.Back() })
	nc.SetErrorHandler(func(c *nats.Conn, s *nats.Subscription, err error) {
		if w.Down() || errors.Is(err, nats.ErrConsumerNotActive) {
			// A missed heartbeat: the client recreates what it needs once
			// the server answers again.
			return
		}
		if prev != nil {
			prev(c, s, err)
			return
		}
		fmt.Fprintf(w.cfg.Out, "weft: NATS: %v\n", err)
	})
	if !nc.IsConnected() {
		w.Lost()
	}
}

// round shortens d for a person: whole seconds.
func round(d time.Duration) time.Duration {
	return max(d.Round(time.Second), 0)
}

// redact hides the password, or the token, in a URL's user information.
func redact(u string) string {
	scheme, rest, ok := strings.Cut(u, "://")
	if !ok {
		return u
	}
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return u
	}
	user, _, hasPassword := strings.Cut(rest[:at], ":")
	if !hasPassword {
		return scheme + "://xxxxx" + rest[at:] // a token
	}
	return scheme + "://" + user + ":xxxxx" + rest[at:]
}
