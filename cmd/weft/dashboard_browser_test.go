package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"image/png"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/weft-dev/weft/cmd/weft/internal/dash"
)

var screenshots = flag.Bool("screenshots", false, "take the dashboard's screenshots under docs/dashboard from a real fleet (go generate ./cmd/weft)")

// screenshotDir is where the screenshots of the dashboard are kept, from
// this package's directory.
var screenshotDir = filepath.Join("..", "..", "docs", "dashboard")

// TestDashboardInBrowser: headless chromium (Debian's chromium, through
// chromedp; the test fails when it is missing, as CI installs it) on the
// dashboard of weft serve --ui, with two weft worker processes. A run of
// 200 jobs, 5 of which fail: the overview's row and the run's page show
// its counts, and the run's page a failed job's stderr, as text. A run
// whose command, output and stderr hold markup (<script>, <img onerror>):
// its pages show them as text, make no element of them and open no
// dialog. A run of jobs that sleep: halted from its page (Halt now), the
// page shows it halted, with nothing running. With -screenshots it takes docs/dashboard/*.png from
// this fleet, with a run in progress.
func TestDashboardInBrowser(t *testing.T) {
	dir := t.TempDir()
	sv := startDashServe(t, dir)
	toks, err := dash.ReadTokens(filepath.Join(dir, "store", "creds", "dashboard.tokens"))
	if err != nil {
		t.Fatal(err)
	}
	startWorker(t, dir, sv.nats, "w1", "-j", "4")
	startWorker(t, dir, sv.nats, "w2", "-j", "4")

	runID := func(o outcome) string {
		t.Helper()
		m := regexp.MustCompile(`weft: run (\w+) `).FindStringSubmatch(o.stderr)
		if m == nil {
			t.Fatalf("the submitter named no run: %s", o.stderr)
		}
		return m[1]
	}
	var inputs []string
	for i := 1; i <= 200; i++ {
		inputs = append(inputs, strconv.Itoa(i))
	}
	o := runWeft(t, dir, "", append([]string{"--nats", sv.nats, "test $(({} % 37)) -ne 0 || { echo job {}: disk full >&2; exit 3; }", ":::"}, inputs...)...)
	if o.status != 5 {
		t.Fatalf("run: status %d; want 5 (failed jobs); stderr %s", o.status, o.stderr)
	}
	failing := runID(o)
	const hostileScript, hostileImg = `<script>alert("out")</script>`, `<img src=x onerror=alert("err")>`
	o = runWeft(t, dir, "", "--nats", sv.nats, `echo '`+hostileScript+`' {}; echo '`+hostileImg+`' >&2; exit 4`, ":::", "a", "b")
	if o.status != 2 || !strings.Contains(o.stdout, hostileScript) {
		t.Fatalf("hostile run: status %d, stdout %q; want 2 failed jobs printing %s", o.status, o.stdout, hostileScript)
	}
	hostile := runID(o)

	client := &http.Client{}
	defer client.CloseIdleConnections()
	apiRun := func(id string) dash.RunSummary {
		t.Helper()
		req, _ := http.NewRequest("GET", sv.base+"/api/runs/"+id, nil)
		req.Header.Set("Authorization", "Bearer "+toks.View)
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var rd dash.RunDetail
		if res.StatusCode == 200 {
			if err := json.NewDecoder(res.Body).Decode(&rd); err != nil {
				t.Fatal(err)
			}
		}
		return rd.Run
	}
	// The dashboard follows the fleet: it has every report soon after the
	// submitter has.
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) { // a bound for a failing test
		a, h := apiRun(failing), apiRun(hostile)
		if a.State == dash.RunFinished && a.Done+a.Failed == 200 && h.State == dash.RunFinished && h.Failed == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the dashboard has %+v and %+v; want both runs finished", a, h)
		}
	}

	b := newBrowser(t)
	tb := newBrowserTab(t, b)
	tb.do(t, chromedp.Navigate(sv.base+"/?token="+toks.Act))
	row := tb.text(t, fmt.Sprintf(`document.querySelector('tr[data-run="%s"]').innerText`, failing))
	for _, want := range []string{"195 done", "5 failed", "of 200"} {
		if !strings.Contains(row, want) {
			t.Errorf("the overview's row of run %s reads %q; want it to contain %q", failing, row, want)
		}
	}
	tb.do(t, chromedp.Navigate(sv.base+"/runs/"+failing))
	text := tb.text(t, `document.querySelector('main').innerText`)
	for _, want := range []string{"195 done", "5 failed", "of 200", "Latest failures", "job 185: disk full", "job 148: disk full"} {
		if !strings.Contains(text, want) {
			t.Errorf("the run's page does not show %q; it reads %q", want, text)
		}
	}

	for _, p := range []string{"/", "/runs", "/runs/" + hostile, "/runs/" + hostile + "/jobs/1", "/workers"} {
		tb.do(t, chromedp.Navigate(sv.base+p))
		tb.waitFor(t, `document.getElementById('live-status').textContent === 'live'`)
		text := tb.text(t, `document.querySelector('main').innerText`)
		if p != "/workers" && !strings.Contains(text, hostileScript) {
			t.Errorf("%s: the run's command is not shown as text; the page reads %q", p, text)
		}
		if strings.HasPrefix(p, "/runs/") && !strings.Contains(text, hostileImg) {
			t.Errorf("%s: the job's stderr is not shown as text; the page reads %q", p, text)
		}
		var n int
		tb.eval(t, `document.querySelectorAll('main script, main img, main [onerror]').length`, &n)
		if n != 0 {
			t.Errorf("%s: %d elements made of a job's text (script, img, onerror)", p, n)
		}
		if d := tb.opened(); len(d) > 0 {
			t.Fatalf("%s: a dialog opened: %q", p, d)
		}
	}

	// A run of jobs that sleep, halted from its page.
	var slow []string
	for i := range 40 {
		slow = append(slow, strconv.Itoa(i))
	}
	sub := exec.Command(weftBin, append([]string{"--nats", sv.nats, "sleep 5; echo {}", ":::"}, slow...)...)
	if *screenshots {
		slow = inputs
		// A run long enough to be seen in progress, of jobs long enough
		// (over a second) that the workers' entries list them running.
		sub = exec.Command(weftBin, append([]string{"--nats", sv.nats, "sleep 1.$(({} % 7 + 2)); test $(({} % 61)) -ne 0 || { echo job {}: disk full >&2; exit 3; }", ":::"}, inputs...)...)
	}
	sub.Dir = dir
	subErr := &lockedBuffer{}
	sub.Stderr = subErr
	if err := sub.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- sub.Wait() }()
	defer func() {
		sub.Process.Kill()
		<-exited
	}()
	var slowRun string
	for deadline := time.Now().Add(20 * time.Second); slowRun == ""; time.Sleep(20 * time.Millisecond) { // a bound for a failing test
		if m := regexp.MustCompile(`weft: run (\w+) `).FindStringSubmatch(subErr.String()); m != nil {
			slowRun = m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("the submitter named no run: %s", subErr)
		}
	}
	tb.do(t, chromedp.Navigate(sv.base+"/runs/"+slowRun))
	tb.waitFor(t, `document.querySelector('main').innerText.includes('running')`)
	if *screenshots {
		tb.waitFor(t, `/([4-9]\d|\d{3}) done/.test(document.querySelector('main').innerText)`)
		takeScreenshots(t, b, sv.base, failing, slowRun)
	}
	tb.do(t, chromedp.Click(chromedp.CSS(`#halt summary`)), chromedp.Click(chromedp.CSS(`button[value="now"]`)))
	tb.waitFor(t, `/^halt/.test(document.querySelector('.head .badge').textContent)`)
	// The workers stop its running jobs and hand the others back unrun:
	// the page says halted, live. (Its submitter, which did not halt it,
	// waits for the jobs handed back, as for a run halted by another
	// submitter: the run can be started again with its ID.)
	tb.waitFor(t, `document.querySelector('.head .badge').textContent.startsWith('halted')`)
	if r := apiRun(slowRun); r.Done+r.Failed >= int64(len(slow)) || r.Halt != dash.HaltNow || r.Running != 0 || r.Skipped == 0 {
		t.Errorf("run %s after Halt now: %+v; want it halted now, nothing running, jobs handed back unrun", slowRun, r)
	}
	if d := tb.opened(); len(d) > 0 {
		t.Errorf("dialogs opened: %q", d)
	}
}

// takeScreenshots writes docs/dashboard/*.png: the overview, runs and
// workers pages, the run in progress, the failing run, and the overview
// and run in progress on a phone's first screen.
func takeScreenshots(t *testing.T, b context.Context, base, failing, running string) {
	t.Helper()
	shots := []struct {
		file, path string
		width      int64
		phone      bool // the first screen of a phone, at twice the pixels
	}{
		{"overview.png", "/", 1280, false},
		{"runs.png", "/runs", 1280, false},
		{"run.png", "/runs/" + running, 1280, false},
		{"run-failures.png", "/runs/" + failing, 1280, false},
		{"workers.png", "/workers", 1280, false},
		{"run-phone.png", "/runs/" + running, 375, true},
		{"overview-phone.png", "/", 375, true},
	}
	for _, s := range shots {
		// A tab per shot, so that each starts from its own viewport.
		tb := newBrowserTab(t, b)
		shot := chromedp.FullScreenshot(100)
		if s.phone {
			tb.do(t, chromedp.EmulateViewport(s.width, 812, chromedp.EmulateScale(2), chromedp.EmulateMobile))
			shot = chromedp.CaptureScreenshot()
		} else {
			tb.do(t, chromedp.EmulateViewport(s.width, 800))
		}
		tb.do(t, chromedp.Navigate(base+s.path))
		tb.waitFor(t, `document.getElementById('live-status').textContent === 'live'`)
		ctx, cancel := context.WithTimeout(tb.ctx, 30*time.Second)
		img, err := chromedp.Run(ctx, shot)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		want := s.width
		if s.phone {
			want *= 2
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(img))
		if err != nil || int64(cfg.Width) != want {
			t.Fatalf("%s: %v, %d px wide", s.file, err, cfg.Width)
		}
		if err := os.WriteFile(filepath.Join(screenshotDir, s.file), img, 0o644); err != nil {
			t.Fatal(err)
		}
		tb.close()
	}
}

// newBrowser starts a headless chromium for t; it ends with t.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("the browser tests need chromium, which is not installed: apt-get install -y chromium fonts-dejavu-core fonts-liberation")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
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
		t.Fatalf("starting chromium: %v", err)
	}
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
	})
	return bctx
}

// browserTab is a tab of the browser, which records the JavaScript
// dialogs (alert, confirm) that open in it.
type browserTab struct {
	ctx     context.Context
	close   func() // closes the tab
	mu      sync.Mutex
	dialogs []string
}

func newBrowserTab(t *testing.T, b context.Context) *browserTab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b)
	t.Cleanup(cancel)
	tb := &browserTab{ctx: ctx, close: cancel}
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

func (tb *browserTab) opened() []string {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return append([]string(nil), tb.dialogs...)
}

// do runs steps, bounded in time.
func (tb *browserTab) do(t *testing.T, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("browser: %v (dialogs opened: %q)", err, tb.opened())
	}
}

// eval evaluates js in the page into v.
func (tb *browserTab) eval(t *testing.T, js string, v *int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 30*time.Second)
	defer cancel()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](js))
	if err != nil {
		t.Fatalf("browser: evaluating %s: %v", js, err)
	}
	*v = n
}

// text evaluates js, a string, in the page.
func (tb *browserTab) text(t *testing.T, js string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 30*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
	if err != nil {
		t.Fatalf("browser: evaluating %s: %v (dialogs opened: %q)", js, err, tb.opened())
	}
	return s
}

// waitFor waits until js is true in the page, for at most 20 s. A poll
// cut short by the page navigating (a form sent) is started again in the
// new page.
func (tb *browserTab) waitFor(t *testing.T, js string) {
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
