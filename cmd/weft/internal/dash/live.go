package dash

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// pingEvery is how long a live stream stays silent before it sends a
// comment line, so that proxies and the browser keep it open.
const pingEvery = 15 * time.Second

// events streams a page's live part as server-sent events: the page's
// address follows /events (/events/runs/ID?state=failed is the live part
// of /runs/ID?state=failed). Every Refresh it renders the part again and
// sends it, as an "update" event, when it changed; the page's script puts
// it in place. The part is HTML rendered by the page's own template, so it
// is escaped as the page is. The stream ends when the client goes, when
// Close is called, and when a token session expires (with an "expired"
// event, on which the page reloads and asks for the token again).
func (d *Dash) events(w http.ResponseWriter, r *http.Request, s *session) {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		d.fail(w, r, http.StatusServiceUnavailable, "dash: the dashboard is shutting down")
		return
	}
	d.streams.Add(1)
	d.mu.Unlock()
	defer d.streams.Done()

	path := strings.TrimPrefix(r.URL.EscapedPath(), "/events")
	if path == "" {
		path = "/"
	}
	ctx := r.Context()
	name, v, err := d.build(ctx, r, s, path)
	if err != nil {
		var ep *errPage
		if errors.As(err, &ep) {
			d.fail(w, r, ep.code, ep.msg)
		} else {
			d.sourceError(w, r, err)
		}
		return
	}
	var last bytes.Buffer
	if err := d.renderLive(&last, name, v); err != nil {
		d.fail(w, r, http.StatusInternalServerError, "dash: rendering the page failed")
		return
	}
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if _, err := io.WriteString(w, "retry: 2000\n\n"); err != nil {
		return
	}
	if rc.Flush() != nil {
		return
	}
	tick := time.NewTicker(d.refresh)
	defer tick.Stop()
	var expired <-chan time.Time
	if !d.auth.open && s.via == viaCookie {
		t := time.NewTimer(s.expires.Sub(d.cfg.Now()))
		defer t.Stop()
		expired = t.C
	}
	quiet := time.Duration(0)
	var cur bytes.Buffer
	for {
		select {
		case <-ctx.Done():
			return
		case <-d.done:
			return
		case <-expired:
			writeEvent(w, "expired", []byte("the session expired"))
			rc.Flush()
			return
		case <-tick.C:
		}
		cur.Reset()
		name, v, err := d.build(ctx, r, s, path)
		if err == nil {
			err = d.renderLive(&cur, name, v)
		}
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			cur.Reset()
			d.renderLive(&cur, "error", &view{Error: "dash: reading the fleet's state: " + err.Error() + " (retrying)", Status: http.StatusBadGateway})
		}
		if bytes.Equal(cur.Bytes(), last.Bytes()) {
			if quiet += d.refresh; quiet < pingEvery {
				continue
			}
			_, err = io.WriteString(w, ": ping\n\n")
		} else {
			err = writeEvent(w, "update", cur.Bytes())
			last, cur = cur, last
		}
		quiet = 0
		if err != nil || rc.Flush() != nil {
			return
		}
	}
}

// writeEvent writes one server-sent event. Every line ending (CR, LF or
// CRLF: each ends a line in the event stream format) starts a new data
// line, so no byte of the data can start a field of its own.
func writeEvent(w io.Writer, event string, data []byte) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "event: %s\n", event)
	text := strings.ReplaceAll(strings.ReplaceAll(string(data), "\r\n", "\n"), "\r", "\n")
	for _, line := range strings.Split(text, "\n") {
		b.WriteString("data: ")
		b.WriteString(line)
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	_, err := w.Write(b.Bytes())
	return err
}
