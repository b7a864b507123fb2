package dash

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
)

// live answers a page's live part: the address after /live is the page's
// (/live/runs/ID?state=failed is the live part of /runs/ID?state=failed).
// The part is HTML rendered by the page's own template, so it is escaped
// as the page is, with an ETag of its bytes: a request whose If-None-Match
// holds it gets 304 and no body. The page's script asks for it every
// Config.Refresh while the page is visible and puts it in place. Each ask
// is a short request, so open pages hold no connection between asks: a
// browser's six connections to a host are shared by all its tabs, however
// many are open.
func (d *Dash) live(w http.ResponseWriter, r *http.Request, s *session) {
	d.mu.Lock()
	closed := d.closed
	d.mu.Unlock()
	if closed {
		d.fail(w, r, http.StatusServiceUnavailable, "dash: the dashboard is shutting down")
		return
	}
	path := strings.TrimPrefix(r.URL.EscapedPath(), "/live")
	if path == "" {
		path = "/"
	}
	var body bytes.Buffer
	name, v, err := d.build(r.Context(), r, s, path)
	if err == nil {
		err = d.renderLive(&body, name, v)
		if err != nil {
			d.fail(w, r, http.StatusInternalServerError, "dash: rendering the page failed")
			return
		}
	} else {
		var ep *errPage
		if errors.As(err, &ep) {
			d.fail(w, r, ep.code, ep.msg)
			return
		}
		if errors.Is(err, ErrNotFound) {
			d.sourceError(w, r, err)
			return
		}
		if r.Context().Err() != nil {
			return // the client went away
		}
		// The fleet cannot be read now: the page says so, and the next
		// ask tries again.
		body.Reset()
		d.renderLive(&body, "error", &view{Error: "dash: reading the fleet's state: " + err.Error() + " (retrying)", Status: http.StatusBadGateway})
	}
	sum := sha256.Sum256(body.Bytes())
	tag := `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`
	h := w.Header()
	h.Set("ETag", tag)
	if r.Header.Get("If-None-Match") == tag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	w.Write(body.Bytes())
}
