package dash

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// streamWriter records what a live stream writes.
type streamWriter struct {
	mu     sync.Mutex
	header http.Header
	code   int
	buf    strings.Builder
}

func (w *streamWriter) Header() http.Header { return w.header }
func (w *streamWriter) WriteHeader(code int) {
	w.mu.Lock()
	w.code = code
	w.mu.Unlock()
}
func (w *streamWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}
func (w *streamWriter) Flush() {}

// take returns what was written since the last take.
func (w *streamWriter) take() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := w.buf.String()
	w.buf.Reset()
	return s
}

// openStream starts a live stream of path on d, in the bubble.
func openStream(t *testing.T, d *Dash, path string, hdr map[string]string) (*streamWriter, context.CancelFunc, chan struct{}) {
	ctx, cancel := context.WithCancel(context.Background())
	r := httptest.NewRequestWithContext(ctx, "GET", "http://127.0.0.1:4223"+path, nil)
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	w := &streamWriter{header: http.Header{}}
	done := make(chan struct{})
	go func() {
		defer close(done)
		d.ServeHTTP(w, r)
	}()
	synctest.Wait()
	return w, cancel, done
}

func TestLiveStream(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src := demoFleet(100, 50)
		d, err := New(Config{Source: src, Actions: src, Refresh: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		w, cancel, done := openStream(t, d, "/events/runs/"+demoRun+"?state=running", nil)
		defer cancel()
		if got := w.take(); got != "retry: 2000\n\n" || w.code != 200 || w.header.Get("Content-Type") != "text/event-stream; charset=utf-8" {
			t.Fatalf("stream start: %d %q %q", w.code, w.header.Get("Content-Type"), got)
		}
		// Nothing changed: nothing is sent.
		time.Sleep(5 * time.Second)
		synctest.Wait()
		if got := w.take(); got != "" {
			t.Errorf("unchanged state sent %q; want nothing", got)
		}
		// A change is sent at the next tick, as the page's live part.
		src.update(func(s *Snapshot, jobs map[string][]Job) {
			s.Runs[0].Running = 3
			jobs[demoRun][99].State = JobRunning
			jobs[demoRun][99].Worker = "build-09"
		})
		time.Sleep(time.Second)
		synctest.Wait()
		got := w.take()
		if !strings.HasPrefix(got, "event: update\ndata: ") || !strings.HasSuffix(got, "\n\n") || strings.Count(got, "\n\n") != 1 {
			t.Fatalf("update: %q; want one update event", got)
		}
		for _, want := range []string{"3 running", "build-09", "Running <span class=\"n\">3</span>"} {
			if !strings.Contains(got, want) {
				t.Errorf("update does not contain %q", want)
			}
		}
		// Silence for 15 s sends a comment, to keep the connection open.
		time.Sleep(pingEvery)
		synctest.Wait()
		if got := w.take(); got != ": ping\n\n" {
			t.Errorf("after %v of silence: %q; want a ping", pingEvery, got)
		}
		// The source failing shows on the page, and recovers.
		src.mu.Lock()
		src.err = context.DeadlineExceeded
		src.mu.Unlock()
		time.Sleep(time.Second)
		synctest.Wait()
		if got := w.take(); !strings.Contains(got, "reading the fleet&#39;s state: context deadline exceeded (retrying)") {
			t.Errorf("source error: %q", got)
		}
		// Close ends the stream.
		d.Close()
		<-done
		_, _, done2 := openStream(t, d, "/events/", nil)
		<-done2
	})
}

func TestLiveStreamEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		now := time.Now() // the bubble's clock
		src := demoFleet(10, 5)
		d, err := New(Config{Source: src, Tokens: testTokens, SessionTTL: time.Minute, Refresh: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		// The client going away ends it.
		_, cancel, done := openStream(t, d, "/events/workers", bearer(testTokens.View))
		cancel()
		<-done
		// A session that expires ends it with an "expired" event.
		s := d.auth.newSession(roleView)
		w, cancel, done := openStream(t, d, "/events/", map[string]string{"Cookie": d.auth.cookieName + "=" + d.auth.cookieValue(s)})
		defer cancel()
		w.take()
		time.Sleep(s.expires.Sub(now))
		<-done
		if got := w.take(); !strings.HasSuffix(got, "event: expired\ndata: the session expired\n\n") {
			t.Errorf("at expiry: %q; want an expired event", got)
		}
		// A stream of a page that does not exist is refused.
		w, _, done = openStream(t, d, "/events/runs/nope", bearer(testTokens.View))
		<-done
		if w.code != 404 {
			t.Errorf("stream of an unknown run: status %d; want 404", w.code)
		}
	})
}

func TestWriteEventLines(t *testing.T) {
	var b strings.Builder
	writeEvent(&b, "update", []byte("a\r\nb\rc\nevent: x\rdata: y"))
	want := "event: update\ndata: a\ndata: b\ndata: c\ndata: event: x\ndata: data: y\n\n"
	if b.String() != want {
		t.Errorf("writeEvent: %q; want %q", b.String(), want)
	}
}

// TestLiveEscaping reads the live stream of every page of the hostile
// fleet: its events hold the hostile text escaped, and no line of the
// stream is anything but an event, a data line or a blank line.
func TestLiveEscaping(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src := hostileFleet()
		d, err := New(Config{Source: src, Actions: src, Refresh: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		run := "r%22%3Cb%3E"
		for _, p := range []string{"/events/", "/events/runs", "/events/runs/" + run, "/events/runs/" + run + "/jobs/1", "/events/workers"} {
			w, cancel, done := openStream(t, d, p, nil)
			w.take()
			src.update(func(s *Snapshot, _ map[string][]Job) { s.Time = s.Time.Add(time.Minute) })
			time.Sleep(time.Second)
			synctest.Wait()
			got := w.take()
			cancel()
			<-done
			if !strings.Contains(got, "&lt;script&gt;alert(1)&lt;/script&gt;") {
				t.Errorf("%s: the update does not show the hostile command escaped: %q", p, got)
			}
			for _, bad := range []string{hostileScript, "<img src=x", "<b>"} {
				if strings.Contains(got, bad) {
					t.Errorf("%s: the update holds %q unescaped", p, bad)
				}
			}
			for _, line := range strings.Split(got, "\n") {
				if line != "" && line != "event: update" && !strings.HasPrefix(line, "data: ") {
					t.Errorf("%s: stream line %q is not a data line", p, line)
				}
				if strings.ContainsRune(line, '\r') {
					t.Errorf("%s: stream line %q holds a CR", p, line)
				}
			}
		}
	})
}
