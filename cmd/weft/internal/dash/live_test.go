package dash

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestLivePart: a page's live part is its own template's, with an ETag; the
// same state asked again with that tag is 304 and no body; a change is a
// new part with a new tag; a fleet that cannot be read is said in the part,
// and the next ask recovers; after Close the part is refused.
func TestLivePart(t *testing.T) {
	src := demoFleet(100, 50)
	d := newDash(t, Config{Source: src, Actions: src})
	path := "/live/runs/" + demoRun + "?state=running"
	w := do(t, d, request{path: path})
	tag := w.Header().Get("ETag")
	// With no token, the first request opens a session (its CSRF token is
	// in the part), as the page did in a browser: later ones carry it.
	cs := w.Result().Cookies()
	if len(cs) != 1 {
		t.Fatalf("cookies %v; want the session's", cs)
	}
	get := func(hdr map[string]string) *httptest.ResponseRecorder {
		return do(t, d, request{path: path, header: hdr, cookie: cs[0]})
	}
	if w.Code != 200 || w.Header().Get("Content-Type") != "text/html; charset=utf-8" || tag == "" || w.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("live part: %d, %q, ETag %q, Cache-Control %q", w.Code, w.Header().Get("Content-Type"), tag, w.Header().Get("Cache-Control"))
	}
	first := w.Body.String()
	if strings.Contains(first, "<html") || !strings.Contains(first, demoRun) {
		t.Errorf("live part %q: want the page's live part alone, naming the run", first)
	}
	// The page itself carries the part's address and the refresh.
	page := do(t, d, request{path: "/runs/" + demoRun + "?state=running", cookie: cs[0]}).Body.String()
	if !strings.Contains(page, `data-live="/live/runs/`+demoRun+`?state=running"`) || !strings.Contains(page, `data-refresh="1000"`) {
		t.Errorf("the page does not point its script at %s every 1000 ms", path)
	}
	// Nothing changed: 304, no body.
	w = get(map[string]string{"If-None-Match": tag})
	if w.Code != http.StatusNotModified || w.Body.Len() != 0 || w.Header().Get("ETag") != tag {
		t.Errorf("unchanged, asked with its tag: %d, %d bytes, ETag %q; want 304, none, the same tag", w.Code, w.Body.Len(), w.Header().Get("ETag"))
	}
	// A change is a new part.
	src.update(func(s *Snapshot, jobs map[string][]Job) {
		s.Runs[0].Running = 3
		jobs[demoRun][99].State = JobRunning
		jobs[demoRun][99].Worker = "build-09"
	})
	w = get(map[string]string{"If-None-Match": tag})
	if w.Code != 200 || w.Header().Get("ETag") == tag {
		t.Fatalf("changed, asked with the old tag: %d, ETag %q; want 200 and a new tag", w.Code, w.Header().Get("ETag"))
	}
	for _, want := range []string{"3 running", "build-09", "Running <span class=\"n\">3</span>"} {
		if !strings.Contains(w.Body.String(), want) {
			t.Errorf("the new part does not contain %q", want)
		}
	}
	// The source failing shows in the part, and recovers.
	src.mu.Lock()
	src.err = context.DeadlineExceeded
	src.mu.Unlock()
	w = get(nil)
	if w.Code != 200 || !strings.Contains(w.Body.String(), "reading the fleet&#39;s state: context deadline exceeded (retrying)") {
		t.Errorf("source error: %d %q", w.Code, w.Body.String())
	}
	src.mu.Lock()
	src.err = nil
	src.mu.Unlock()
	if w = get(nil); w.Code != 200 || !strings.Contains(w.Body.String(), "build-09") {
		t.Errorf("after the source recovered: %d", w.Code)
	}
	d.Close()
	if w = get(nil); w.Code != http.StatusServiceUnavailable {
		t.Errorf("after Close: %d; want 503", w.Code)
	}
}

// TestLivePartRefused: without a token, with an expired session, or for a
// page that does not exist, the live part is refused with the status the
// script acts on (401: it reloads the page, which asks for the token).
func TestLivePartRefused(t *testing.T) {
	now := time.Now()
	clock := func() time.Time { return now }
	src := demoFleet(10, 5)
	d := newDash(t, Config{Source: src, Tokens: testTokens, SessionTTL: time.Minute, Now: clock})
	if w := do(t, d, request{path: "/live/"}); w.Code != http.StatusUnauthorized {
		t.Errorf("no token: %d; want 401", w.Code)
	}
	if w := do(t, d, request{path: "/live/workers", header: bearer(testTokens.View)}); w.Code != 200 {
		t.Errorf("view token: %d; want 200", w.Code)
	}
	c := login(t, d, testTokens.View)
	if w := do(t, d, request{path: "/live/", cookie: c}); w.Code != 200 {
		t.Errorf("session: %d; want 200", w.Code)
	}
	now = now.Add(time.Minute + time.Second)
	if w := do(t, d, request{path: "/live/", cookie: c}); w.Code != http.StatusUnauthorized {
		t.Errorf("expired session: %d; want 401", w.Code)
	}
	if w := do(t, d, request{path: "/live/runs/nope", header: bearer(testTokens.View)}); w.Code != http.StatusNotFound {
		t.Errorf("an unknown run: %d; want 404", w.Code)
	}
	if w := do(t, d, request{path: "/live/runs?bad=1", header: bearer(testTokens.View)}); w.Code != http.StatusBadRequest {
		t.Errorf("a query the page does not take: %d; want 400", w.Code)
	}
}

// TestLiveEscaping reads the live part of every page of the hostile fleet:
// it holds the hostile text escaped, never as markup.
func TestLiveEscaping(t *testing.T) {
	src := hostileFleet()
	d := newDash(t, Config{Source: src, Actions: src})
	run := "r%22%3Cb%3E"
	for _, p := range []string{"/live/", "/live/runs", "/live/runs/" + run, "/live/runs/" + run + "/jobs/1", "/live/workers"} {
		w := do(t, d, request{path: p})
		got := w.Body.String()
		if w.Code != 200 || !strings.Contains(got, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Errorf("%s: %d, the part does not show the hostile command escaped: %q", p, w.Code, got)
		}
		for _, bad := range []string{hostileScript, "<img src=x", "<b>"} {
			if strings.Contains(got, bad) {
				t.Errorf("%s: the part holds %q unescaped", p, bad)
			}
		}
	}
}
