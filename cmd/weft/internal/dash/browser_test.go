package dash

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// The browser tests drive Debian's chromium (package chromium) through
// chromedp. They fail, not skip, when it is missing: CI installs it.

const installChromium = "apt-get install -y chromium fonts-dejavu-core fonts-liberation"

// screenshotDir is where the screenshots of the dashboard are kept, from
// this package's directory.
var screenshotDir = filepath.Join("..", "..", "..", "..", "docs", "dashboard")

// browser starts a headless chromium for t and returns its context; it
// ends with t.
func browser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("the browser tests need chromium, which is not installed: %s", installChromium)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-features", "Translate,MediaRouter,OptimizationHints"),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	if err := chromedp.Do(bctx); err != nil { // start it
		cancelBrowser()
		cancelAlloc()
		t.Fatalf("starting chromium: %v (install: %s)", err, installChromium)
	}
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
	})
	return bctx
}

// tab opens a tab of the browser for one check, and records the
// JavaScript dialogs (alert, confirm) that open in it.
type btab struct {
	ctx     context.Context
	mu      sync.Mutex
	dialogs []string
}

func newTab(t *testing.T, b context.Context) *btab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b)
	t.Cleanup(cancel)
	tb := &btab{ctx: ctx}
	err := chromedp.Listen(ctx, func(ev any) {
		if d, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			tb.mu.Lock()
			tb.dialogs = append(tb.dialogs, d.Message)
			tb.mu.Unlock()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

func (tb *btab) opened() []string {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return append([]string(nil), tb.dialogs...)
}

// do runs steps, bounded in time.
func (tb *btab) do(t *testing.T, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("browser: %v (dialogs opened: %q)", err, tb.opened())
	}
}

func eval[T any](t *testing.T, tb *btab, js string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("browser: evaluating %s: %v (dialogs opened: %q)", js, err, tb.opened())
	}
	return v
}

// waitFor waits until js is true in the page, for at most 20 s. A poll
// cut short by the page navigating (a form sent) is started again in the
// new page.
func (tb *btab) waitFor(t *testing.T, js string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 30*time.Second)
	defer cancel()
	var err error
	for range 5 {
		if _, err = chromedp.Run(ctx, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(20*time.Second))); err == nil {
			return
		}
		if !strings.Contains(err.Error(), "navigated or closed") && !strings.Contains(err.Error(), "context was destroyed") && !strings.Contains(err.Error(), "Cannot find context") {
			break
		}
	}
	t.Fatalf("browser: waiting for %s: %v", js, err)
}

// serveDash serves a dashboard over src on a loopback httptest server.
func serveDash(t *testing.T, cfg Config) (*Dash, *httptest.Server) {
	t.Helper()
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(d)
	t.Cleanup(func() {
		d.Close()
		srv.Close()
	})
	return d, srv
}

func TestBrowser(t *testing.T) {
	b := browser(t)
	tokens := Tokens{View: "view-token-0123456789", Act: "act-token-0123456789"}

	t.Run("login, counts, live update without reload, halt", func(t *testing.T) {
		src := demoFleet(10_000, 5_000)
		_, srv := serveDash(t, Config{Source: src, Actions: src, Tokens: tokens, Refresh: 50 * time.Millisecond, Name: "nats://127.0.0.1:4222"})
		tb := newTab(t, b)
		tb.do(t, chromedp.Navigate(srv.URL+"/?token="+tokens.Act))
		if u := eval[string](t, tb, "location.href"); u != srv.URL+"/" {
			t.Errorf("after login the address is %s; want %s/ (the token taken out)", u, srv.URL)
		}
		row := fmt.Sprintf(`document.querySelector('tr[data-run="%s"]').innerText`, demoRun)
		text := eval[string](t, tb, row)
		s, _ := src.Snapshot(context.Background())
		r := findRun(s, demoRun)
		for _, want := range []string{count(r.Done) + " done", count(r.Failed) + " failed", "15 running", count(r.Queued()) + " queued", "of 10,000"} {
			if !strings.Contains(text, want) {
				t.Errorf("the overview's row of run %s reads %q; want it to contain %q", demoRun, text, want)
			}
		}
		// The live update: the page is not reloaded (a mark left on window
		// stays), and the new counts show.
		tb.waitFor(t, `document.getElementById('live-status').textContent === 'live'`)
		eval[bool](t, tb, `window.__notReloaded = true`)
		src.update(func(s *Snapshot, _ map[string][]Job) {
			s.Runs[0].Done += 1234
			s.Runs[0].Running = 9
		})
		want := count(r.Done+1234) + " done"
		tb.waitFor(t, fmt.Sprintf(`document.querySelector('tr[data-run="%s"]').innerText.includes(%q)`, demoRun, want))
		if !eval[bool](t, tb, `window.__notReloaded === true`) {
			t.Error("the page was reloaded to show the new counts; want it updated in place")
		}
		if got := eval[string](t, tb, `document.getElementById('n-running').textContent`); got != "9" {
			t.Errorf("jobs running reads %q after the update; want 9", got)
		}

		// The run's page: its counts, then a halt through the form.
		tb.do(t, chromedp.Navigate(srv.URL+"/runs/"+demoRun))
		text = eval[string](t, tb, `document.querySelector('main').innerText`)
		for _, want := range []string{want, "9 running", "Download joblog", "Latest failures", "premature end of data segment"} {
			if !strings.Contains(text, want) {
				t.Errorf("the run's page does not show %q", want)
			}
		}
		tb.do(t, chromedp.Click(chromedp.CSS(`#halt summary`)), chromedp.Click(chromedp.CSS(`button[value="now"]`)))
		tb.waitFor(t, `document.querySelector('.head .badge').textContent.startsWith('halting')`)
		if got := src.haltCalls(); len(got) != 1 || got[0] != demoRun+" now" {
			t.Errorf("halts asked of the fleet: %q; want [%q]", got, demoRun+" now")
		}
		if d := tb.opened(); len(d) > 0 {
			t.Errorf("dialogs opened: %q", d)
		}
	})

	t.Run("hostile commands show as text", func(t *testing.T) {
		src := hostileFleet()
		_, srv := serveDash(t, Config{Source: src, Actions: src, Refresh: 50 * time.Millisecond})
		tb := newTab(t, b)
		for _, p := range []string{"/", "/runs", "/runs/" + pathEscape(hostileRun), "/runs/" + pathEscape(hostileRun) + "/jobs/1", "/workers"} {
			tb.do(t, chromedp.Navigate(srv.URL+p))
			// Two live updates, so that the text put in place by the script is checked too.
			tb.waitFor(t, `document.getElementById('live-status').textContent === 'live'`)
			eval[bool](t, tb, `(document.querySelector('main > *').dataset.old = '1', true)`)
			src.update(func(s *Snapshot, _ map[string][]Job) { s.Time = s.Time.Add(time.Minute) })
			tb.waitFor(t, `!document.querySelector('main > *').dataset.old`)
			text := eval[string](t, tb, `document.querySelector('main').innerText`)
			if !strings.Contains(text, hostileScript) && !strings.Contains(text, hostileImg) {
				t.Errorf("%s: the hostile text is not shown as text; the page reads %q", p, text)
			}
			if n := eval[int](t, tb, `document.querySelectorAll('main script, main img, main [onerror]').length`); n != 0 {
				t.Errorf("%s: %d elements made of a job's text (script, img, onerror)", p, n)
			}
			if d := tb.opened(); len(d) > 0 {
				t.Fatalf("%s: a dialog opened: %q", p, d)
			}
		}
	})

	t.Run("ten tabs at once all update", func(t *testing.T) {
		// A browser opens at most six connections to a host over HTTP/1.1:
		// a page that held one open for its updates would leave a seventh
		// tab waiting for ever. Each update is a short request instead.
		src := demoFleet(100, 50)
		_, srv := serveDash(t, Config{Source: src, Actions: src, Tokens: tokens, Refresh: 50 * time.Millisecond})
		login := newTab(t, b)
		login.do(t, chromedp.Navigate(srv.URL+"/?token="+tokens.View))
		var tabs []*btab
		for i := range 10 {
			tb := newTab(t, b)
			tb.do(t, chromedp.Navigate(srv.URL+[]string{"/", "/runs", "/workers", "/runs/" + demoRun}[i%4]))
			tb.waitFor(t, `document.getElementById('live-status').textContent === 'live'`)
			tabs = append(tabs, tb)
		}
		src.update(func(s *Snapshot, _ map[string][]Job) { s.Workers[0].Name = "renamed-worker" })
		for i, tb := range tabs {
			if i%4 == 2 { // the workers page
				tb.waitFor(t, `document.querySelector('main').innerText.includes('renamed-worker')`)
			}
		}
		src.update(func(s *Snapshot, _ map[string][]Job) { s.Runs[0].Running = 7 })
		for i, tb := range tabs {
			if i%4 != 2 {
				tb.waitFor(t, `document.querySelector('main').innerText.includes('7 running')`)
			}
		}
	})

	t.Run("no horizontal overflow at 375 px", func(t *testing.T) {
		src := demoFleet(10_000, 5_000)
		hostile := hostileFleet()
		_, srv := serveDash(t, Config{Source: src, Actions: src, Refresh: time.Hour})
		_, hsrv := serveDash(t, Config{Source: hostile, Actions: hostile, Refresh: time.Hour})
		tb := newTab(t, b)
		tb.do(t, chromedp.EmulateViewport(375, 812, chromedp.EmulateScale(2), chromedp.EmulateMobile))
		for _, u := range []string{srv.URL + "/", srv.URL + "/runs", srv.URL + "/runs/" + demoRun, srv.URL + "/runs/" + demoRun + "/jobs/412",
			srv.URL + "/workers", hsrv.URL + "/runs/" + pathEscape(hostileRun)} {
			tb.do(t, chromedp.Navigate(u))
			w := eval[[]int](t, tb, `[document.documentElement.scrollWidth, document.documentElement.clientWidth, window.innerWidth]`)
			if w[0] > w[1] || w[1] != 375 {
				t.Errorf("%s at 375 px: the page is %d px wide in a %d px window (inner %d); want no horizontal overflow", u, w[0], w[1], w[2])
			}
		}
	})
}

func pathEscape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(s, `"`, "%22"), "<", "%3C"), ">", "%3E")
}

// TestScreenshots checks the screenshots under docs/dashboard. They are
// taken from a real fleet (weft serve --ui, workers, runs) by the weft
// command's browser test: go generate ./cmd/weft, or go test -run
// DashboardInBrowser -args -screenshots there.
func TestScreenshots(t *testing.T) {
	shots := []struct {
		file  string
		width int
	}{
		{"overview.png", 1280},
		{"runs.png", 1280},
		{"run.png", 1280},
		{"run-failures.png", 1280},
		{"workers.png", 1280},
		{"run-phone.png", 750}, // 375 px at twice the pixels
		{"overview-phone.png", 750},
	}
	for _, s := range shots {
		b, err := os.ReadFile(filepath.Join(screenshotDir, s.file))
		if err != nil {
			t.Fatalf("%v (take them with: go generate ./cmd/weft)", err)
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", s.file, err)
		}
		if cfg.Width != s.width || cfg.Height < 400 {
			t.Errorf("%s is %dx%d; want %d wide and at least 400 high", s.file, cfg.Width, cfg.Height, s.width)
		}
	}
}
