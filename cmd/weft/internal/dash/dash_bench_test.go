package dash

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkHandlers answers each page and API call over a fake fleet with
// queued jobs waiting and two workers alive. The floor is the least a
// handler could do: take a snapshot and encode it as JSON, with no derived
// values and no HTML. The overview must not grow with the jobs: compare
// queued=10000 with queued=100000.
func BenchmarkHandlers(b *testing.B) {
	for _, queued := range []int{10_000, 100_000} {
		src := demoFleet(queued+5_000, queued)
		d, err := New(Config{Source: src, Actions: src})
		if err != nil {
			b.Fatal(err)
		}
		defer d.Close()
		w := httptest.NewRecorder()
		d.ServeHTTP(w, httptest.NewRequest("GET", "http://127.0.0.1:4223/", nil))
		cookie := w.Result().Cookies()[0]
		for _, pg := range []struct{ name, path string }{
			{"overview", "/"}, {"runs", "/runs"}, {"workers", "/workers"}, {"run", "/runs/" + demoRun},
			{"run-failed", "/runs/" + demoRun + "?state=failed"}, {"run-page300", "/runs/" + demoRun + "?page=300"},
			{"job", "/runs/" + demoRun + "/jobs/412"}, {"api-overview", "/api/overview"}, {"api-run", "/api/runs/" + demoRun},
		} {
			p := pg.path
			b.Run(fmt.Sprintf("queued=%d/impl=dash/page=%s", queued, pg.name), func(b *testing.B) {
				b.ReportAllocs()
				r := httptest.NewRequest("GET", "http://127.0.0.1:4223"+p, nil)
				r.AddCookie(cookie)
				for b.Loop() {
					w := httptest.NewRecorder()
					d.ServeHTTP(w, r)
					if w.Code != http.StatusOK {
						b.Fatalf("GET %s: %d", p, w.Code)
					}
				}
			})
		}
		b.Run(fmt.Sprintf("queued=%d/impl=floor/page=snapshot-json", queued), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				s, err := src.Snapshot(context.Background())
				if err != nil {
					b.Fatal(err)
				}
				w.Header().Set("Content-Type", "application/json")
				if err := json.NewEncoder(w).Encode(s); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
