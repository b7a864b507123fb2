package dash

import (
	"context"
	"encoding/json"
	"errors"
	"html"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

var testTokens = Tokens{View: "view-token-0123456789", Act: "act-token-0123456789"}

// request is one request to a handler, as a browser or a script sends it.
type request struct {
	method, path string
	header       map[string]string
	form         url.Values
	cookie       *http.Cookie
}

func do(t *testing.T, h http.Handler, rq request) *httptest.ResponseRecorder {
	t.Helper()
	var body io.Reader
	if rq.form != nil {
		body = strings.NewReader(rq.form.Encode())
	}
	if rq.method == "" {
		rq.method = http.MethodGet
	}
	r := httptest.NewRequest(rq.method, "http://127.0.0.1:4223"+rq.path, body)
	if rq.form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range rq.header {
		if k == "Host" {
			r.Host = v
			continue
		}
		r.Header.Set(k, v)
	}
	if rq.cookie != nil {
		r.AddCookie(rq.cookie)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func bearer(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }

func newDash(t *testing.T, cfg Config) *Dash {
	t.Helper()
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	return d
}

// login opens the dashboard with ?token= and returns the session cookie.
func login(t *testing.T, d *Dash, tok string) *http.Cookie {
	t.Helper()
	w := do(t, d, request{path: "/runs/" + demoRun + "?state=failed&token=" + tok})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("login: status %d; want 303", w.Code)
	}
	if loc := w.Header().Get("Location"); loc != "/runs/"+demoRun+"?state=failed" {
		t.Errorf("login redirects to %q; want the same address without the token", loc)
	}
	cs := w.Result().Cookies()
	if len(cs) != 1 {
		t.Fatalf("login set %d cookies; want 1", len(cs))
	}
	return cs[0]
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func csrfOf(t *testing.T, body string) string {
	t.Helper()
	m := csrfRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("the page has no halt form with a CSRF token")
	}
	return m[1]
}

func TestPages(t *testing.T) {
	src := demoFleet(10_000, 5_000)
	d := newDash(t, Config{Source: src, Actions: src, Name: "nats://q:4222"})
	s, _ := src.Snapshot(context.Background())
	r := findRun(s, demoRun)
	for _, tc := range []struct {
		path string
		want []string
	}{
		{"/", []string{"Workers alive", ">2<", "1 gone", "15 of 16 slots busy", ">15<", ">5,000<", count(r.Done) + " done", "Recent failures", "Job 4554 of run", "15 min ago", "nats://q:4222"}},
		{"/runs", []string{demoRun, "c04d11e8", "finished, 3 failed", "halted (now)", "10 skipped", "alice@studio-mac"}},
		{"/runs/" + demoRun, []string{"Run <span class=\"mono\">" + demoRun, "49%", "about 12 min 45 s", "Halt soon", "Halt now", "Download joblog",
			"premature end of data segment", "Jobs 1–25 of 10,000", "page 1 of 400", "Failed <span class=\"n\">22</span>"}},
		{"/runs/" + demoRun + "?state=failed&page=1", []string{"Jobs 1–22 of 22", "IMG_0412", "signal 9"}},
		{"/runs/" + demoRun + "?state=running", []string{"Jobs 1–15 of 15", "running"}},
		{"/runs/" + demoRun + "/jobs/412", []string{"Job 412", "exit 1", "IMG_0412.jpg&#39; @ error/jpeg.c"}},
		{"/workers", []string{"build-01", "build-03", ">gone<", "47 s ago", "8 of 8", "job 4986 of"}},
	} {
		w := do(t, d, request{path: tc.path})
		body := w.Body.String()
		if w.Code != http.StatusOK {
			t.Errorf("GET %s: status %d; want 200: %s", tc.path, w.Code, body)
			continue
		}
		if ct := w.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
			t.Errorf("GET %s: Content-Type %q", tc.path, ct)
		}
		if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
			t.Errorf("GET %s: Content-Security-Policy %q; want scripts from the dashboard only", tc.path, csp)
		}
		for _, want := range tc.want {
			if !strings.Contains(body, want) {
				t.Errorf("GET %s: the page does not contain %q", tc.path, want)
			}
		}
	}
	w := do(t, d, request{path: "/static/dash.js"})
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "data-live") {
		t.Errorf("GET /static/dash.js: status %d", w.Code)
	}
}

func TestAPI(t *testing.T) {
	src := demoFleet(10_000, 5_000)
	d := newDash(t, Config{Source: src, Actions: src})
	get := func(path string, v any) {
		t.Helper()
		w := do(t, d, request{path: path})
		if w.Code != http.StatusOK {
			t.Fatalf("GET %s: status %d: %s", path, w.Code, w.Body)
		}
		if ct := w.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
			t.Errorf("GET %s: Content-Type %q", path, ct)
		}
		if err := json.Unmarshal(w.Body.Bytes(), v); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
	}
	var o Overview
	get("/api/overview", &o)
	if o.Workers != (WorkerCounts{Alive: 2, Gone: 1, Slots: 16, Busy: 15}) || o.Running != 15 || o.Queued != 5000 || len(o.Runs) != 4 || len(o.Failures) != overviewFailures {
		t.Errorf("overview: %+v", o)
	}
	if len(o.Throughput.PerSecond) != 90 || o.Throughput.StepSeconds != 10 {
		t.Errorf("overview throughput: %d steps of %g s; want 90 of 10", len(o.Throughput.PerSecond), o.Throughput.StepSeconds)
	}
	var rd RunDetail
	get("/api/runs/"+demoRun+"?state=failed&page=2", &rd)
	if rd.Run.ID != demoRun || rd.State != JobFailed || rd.Offset != 25 || rd.Matching != 22 || len(rd.Jobs) != 0 {
		t.Errorf("run, failed jobs, page 2: state %q offset %d matching %d, %d jobs; want failed, 25, 22, 0", rd.State, rd.Offset, rd.Matching, len(rd.Jobs))
	}
	get("/api/runs/"+demoRun, &rd)
	if len(rd.Jobs) != 25 || rd.Jobs[0].Seq != 1 || *rd.Jobs[0].Exit != 0 || rd.Run.ETASeconds == nil || len(rd.Failures) != runFailures ||
		rd.Failures[0].StderrTail == nil || !strings.Contains(*rd.Failures[0].StderrTail, "Corrupt JPEG") {
		t.Errorf("run: %+v", rd)
	}
	var jd JobDetail
	get("/api/runs/"+demoRun+"/jobs/1877", &jd)
	if jd.Job.Signal != 9 || *jd.Job.Exit != -1 || jd.Job.State != JobFailed || jd.Job.StderrTail == nil {
		t.Errorf("job 1877: %+v", jd.Job)
	}
	var wl WorkerList
	get("/api/workers", &wl)
	if len(wl.Workers) != 3 || wl.Workers[2].Name != "build-03" || wl.Workers[2].State != "gone" || len(wl.Workers[1].Running) != 8 {
		t.Errorf("workers: %+v", wl)
	}
	var rl RunList
	get("/api/runs", &rl)
	if len(rl.Runs) != 4 || rl.Runs[0].ID != demoRun || rl.Runs[0].State != RunRunning {
		t.Errorf("runs: %+v", rl)
	}
}

func TestTokens(t *testing.T) {
	now := demoNow
	clock := func() time.Time { return now }
	src := demoFleet(100, 50)
	d := newDash(t, Config{Source: src, Actions: src, Tokens: testTokens, Now: clock})
	halt := url.Values{"mode": {"soon"}}
	for _, tc := range []struct {
		name string
		rq   request
		code int
	}{
		{"no token, page", request{path: "/"}, http.StatusUnauthorized},
		{"no token, API", request{path: "/api/overview"}, http.StatusUnauthorized},
		{"no token, static file", request{path: "/static/dash.css"}, http.StatusUnauthorized},
		{"no token, live part", request{path: "/live/"}, http.StatusUnauthorized},
		{"wrong bearer token", request{path: "/api/overview", header: bearer("act-token-0123456788")}, http.StatusUnauthorized},
		{"not a bearer token", request{path: "/api/overview", header: map[string]string{"Authorization": "Basic " + testTokens.Act}}, http.StatusUnauthorized},
		{"wrong token in the address", request{path: "/?token=nope-nope-nope-nope"}, http.StatusUnauthorized},
		{"token in a POST's address", request{method: "POST", path: "/api/runs/" + demoRun + "/halt?token=" + testTokens.Act, form: halt}, http.StatusBadRequest},
		{"forged cookie", request{path: "/", cookie: &http.Cookie{Name: "weft_dash", Value: "act.99999999999.abc.def"}}, http.StatusUnauthorized},
		{"view token reads", request{path: "/api/overview", header: bearer(testTokens.View)}, http.StatusOK},
		{"view token cannot halt", request{method: "POST", path: "/api/runs/" + demoRun + "/halt", header: bearer(testTokens.View), form: halt}, http.StatusForbidden},
		{"act token reads", request{path: "/", header: bearer(testTokens.Act)}, http.StatusOK},
	} {
		w := do(t, d, tc.rq)
		if w.Code != tc.code {
			t.Errorf("%s: status %d; want %d: %s", tc.name, w.Code, tc.code, w.Body)
		}
		if w.Code == http.StatusUnauthorized && !strings.Contains(w.Header().Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s: 401 without WWW-Authenticate: Bearer", tc.name)
		}
	}
	if got := src.haltCalls(); len(got) != 0 {
		t.Fatalf("halts carried out: %q; want none", got)
	}
	w := do(t, d, request{method: "POST", path: "/api/runs/" + demoRun + "/halt", header: bearer(testTokens.Act), form: halt})
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"halt": "soon"`) {
		t.Errorf("act token halts: status %d: %s", w.Code, w.Body)
	}
	if got := src.haltCalls(); len(got) != 1 || got[0] != demoRun+" soon" {
		t.Errorf("halts carried out: %q; want [%s soon]", got, demoRun)
	}

	// A person: the token once in the address, then the cookie.
	c := login(t, d, testTokens.View)
	if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Secure || c.Path != "/" {
		t.Errorf("session cookie %+v; want HttpOnly, SameSite=Strict, Path=/, not Secure without TLS", c)
	}
	if strings.Contains(c.Value, testTokens.View) {
		t.Error("the session cookie holds the token itself")
	}
	w = do(t, d, request{path: "/runs/" + demoRun, cookie: c})
	if w.Code != http.StatusOK || strings.Contains(w.Body.String(), "Halt now") || !strings.Contains(w.Body.String(), "view only") {
		t.Errorf("view session, run page: status %d; want 200, no halt form, marked view only", w.Code)
	}
	tampered := *c
	tampered.Value = strings.Replace(c.Value, "view.", "act.", 1)
	if w := do(t, d, request{path: "/", cookie: &tampered}); w.Code != http.StatusUnauthorized {
		t.Errorf("a view cookie made an act one: status %d; want 401", w.Code)
	}
	now = now.Add(12*time.Hour + time.Second)
	if w := do(t, d, request{path: "/", cookie: c}); w.Code != http.StatusUnauthorized || !strings.Contains(w.Body.String(), "expired") {
		t.Errorf("expired session: status %d; want 401 saying it expired", w.Code)
	}

	// With TLS the cookie is Secure and __Host- prefixed.
	dt := newDash(t, Config{Source: src, Tokens: testTokens, TLS: testTLS(t)})
	w = do(t, dt, request{path: "/?token=" + testTokens.View})
	if cs := w.Result().Cookies(); len(cs) != 1 || !cs[0].Secure || cs[0].Name != "__Host-weft_dash" {
		t.Errorf("TLS session cookie: %+v; want one Secure cookie named __Host-weft_dash", cs)
	}
	// A token from one dashboard does not open another.
	other := newDash(t, Config{Source: src, Tokens: Tokens{Act: "another-act-token-0123"}})
	if w := do(t, other, request{path: "/", cookie: login(t, d, testTokens.Act)}); w.Code != http.StatusUnauthorized {
		t.Errorf("another dashboard's session: status %d; want 401", w.Code)
	}
}

func TestReadOnly(t *testing.T) {
	src := demoFleet(100, 50)
	for _, cfg := range []Config{
		{Source: src, Actions: src, Tokens: testTokens, ReadOnly: true},
		{Source: src, Tokens: testTokens}, // no Actions
		{Source: src, Actions: src, ReadOnly: true},
	} {
		d := newDash(t, cfg)
		hdr := bearer(testTokens.Act)
		if cfg.Tokens.none() {
			hdr = nil
		}
		w := do(t, d, request{path: "/runs/" + demoRun, header: hdr})
		if w.Code != http.StatusOK || strings.Contains(w.Body.String(), "Halt") || !strings.Contains(w.Body.String(), "read-only") {
			t.Errorf("read-only run page: status %d; want 200, no halt form, marked read-only", w.Code)
		}
		w = do(t, d, request{method: "POST", path: "/api/runs/" + demoRun + "/halt", header: hdr, form: url.Values{"mode": {"now"}}})
		if w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "read-only") {
			t.Errorf("read-only halt: status %d: %s; want 403 saying read-only", w.Code, w.Body)
		}
	}
	if got := src.haltCalls(); len(got) != 0 {
		t.Errorf("a read-only dashboard halted %q", got)
	}
}

func TestCSRF(t *testing.T) {
	src := demoFleet(100, 50)
	d := newDash(t, Config{Source: src, Actions: src, Tokens: testTokens})
	c := login(t, d, testTokens.Act)
	page := do(t, d, request{path: "/runs/" + demoRun, cookie: c}).Body.String()
	token := csrfOf(t, page)
	path := "/runs/" + demoRun + "/halt"
	for _, tc := range []struct {
		name   string
		form   url.Values
		header map[string]string
		cookie *http.Cookie
	}{
		{"no CSRF token", url.Values{"mode": {"now"}}, nil, c},
		{"wrong CSRF token", url.Values{"mode": {"now"}, "csrf": {token[:len(token)-2] + "xx"}}, nil, c},
		{"another session's CSRF token", url.Values{"mode": {"now"}, "csrf": {csrfOf(t, do(t, d, request{path: "/runs/" + demoRun, cookie: login(t, d, testTokens.Act)}).Body.String())}}, nil, c},
		{"cross-site, right token", url.Values{"mode": {"now"}, "csrf": {token}}, map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}, c},
		{"other origin, right token", url.Values{"mode": {"now"}, "csrf": {token}}, map[string]string{"Origin": "https://evil.example"}, c},
		{"same-site other host, right token", url.Values{"mode": {"now"}, "csrf": {token}}, map[string]string{"Sec-Fetch-Site": "same-site"}, c},
		{"cross-site with a bearer token", url.Values{"mode": {"now"}}, map[string]string{"Authorization": "Bearer " + testTokens.Act, "Sec-Fetch-Site": "cross-site"}, nil},
	} {
		w := do(t, d, request{method: "POST", path: path, form: tc.form, header: tc.header, cookie: tc.cookie})
		if w.Code != http.StatusForbidden {
			t.Errorf("%s: status %d; want 403: %s", tc.name, w.Code, w.Body)
		}
	}
	if got := src.haltCalls(); len(got) != 0 {
		t.Fatalf("refused requests halted %q", got)
	}
	w := do(t, d, request{method: "POST", path: path, form: url.Values{"mode": {"now"}, "csrf": {token}}, cookie: c,
		header: map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": "http://127.0.0.1:4223"}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/runs/"+demoRun {
		t.Errorf("the page's own form: status %d to %q; want 303 to the run's page: %s", w.Code, w.Header().Get("Location"), w.Body)
	}
	if got := src.haltCalls(); len(got) != 1 || got[0] != demoRun+" now" {
		t.Errorf("halts: %q; want [%s now]", got, demoRun)
	}
}

func TestNoTokenLoopbackOnly(t *testing.T) {
	src := demoFleet(100, 50)
	d := newDash(t, Config{Source: src, Actions: src})
	for _, host := range []string{"evil.example:4223", "evil.example", "10.0.0.8:4223", "127.0.0.1.evil.example"} {
		if w := do(t, d, request{path: "/", header: map[string]string{"Host": host}}); w.Code != http.StatusMisdirectedRequest {
			t.Errorf("Host %s: status %d; want 421", host, w.Code)
		}
	}
	for _, host := range []string{"127.0.0.1:4223", "localhost:4223", "[::1]:4223", "127.0.0.2"} {
		w := do(t, d, request{path: "/runs/" + demoRun, header: map[string]string{"Host": host}})
		if w.Code != http.StatusOK || len(w.Result().Cookies()) != 1 {
			t.Errorf("Host %s: status %d, %d cookies; want 200 and a session cookie", host, w.Code, len(w.Result().Cookies()))
		}
	}
	// Without a token the forms still carry a CSRF token bound to the session.
	w := do(t, d, request{path: "/runs/" + demoRun})
	c := w.Result().Cookies()[0]
	token := csrfOf(t, w.Body.String())
	if w := do(t, d, request{method: "POST", path: "/runs/" + demoRun + "/halt", form: url.Values{"mode": {"soon"}}, cookie: c}); w.Code != http.StatusForbidden {
		t.Errorf("no CSRF token: status %d; want 403", w.Code)
	}
	if w := do(t, d, request{method: "POST", path: "/runs/" + demoRun + "/halt", form: url.Values{"mode": {"soon"}, "csrf": {token}}, cookie: c}); w.Code != http.StatusSeeOther {
		t.Errorf("the page's form: status %d; want 303: %s", w.Code, w.Body)
	}
}

func TestBadInput(t *testing.T) {
	src := demoFleet(100, 50)
	d := newDash(t, Config{Source: src, Actions: src, Tokens: testTokens})
	act := bearer(testTokens.Act)
	halt := "/api/runs/" + demoRun + "/halt"
	for _, tc := range []struct {
		rq   request
		code int
		want string
	}{
		{request{path: "/runs/" + demoRun + "?state=broken"}, 400, `unknown job state "broken" (want all, queued, running, done, failed or skipped)`},
		{request{path: "/runs/" + demoRun + "?page=0"}, 400, `page must be a whole number >= 1, got "0"`},
		{request{path: "/api/runs/" + demoRun + "?page=x"}, 400, `page must be a whole number >= 1, got "x"`},
		{request{path: "/api/runs/" + demoRun + "?sort=seq"}, 400, `unknown query parameter "sort" (this page takes state, page)`},
		{request{path: "/api/overview?verbose=1"}, 400, `unknown query parameter "verbose": this page takes none`},
		{request{path: "/api/runs/nope"}, 404, `run "nope": not found`},
		{request{path: "/runs/nope"}, 404, `run "nope": not found`},
		{request{path: "/api/runs/" + demoRun + "/jobs/0"}, 400, `a job number must be a whole number >= 1, got "0"`},
		{request{path: "/api/runs/" + demoRun + "/jobs/101"}, 404, "not found"},
		{request{path: "/api/runs/nope/joblog"}, 404, "not found"},
		{request{path: "/nothing/here"}, 404, "no such page"},
		{request{method: "POST", path: halt, form: url.Values{"mode": {"later"}}}, 400, `unknown halt mode "later" (want soon or now)`},
		{request{method: "POST", path: halt, form: url.Values{}}, 400, `unknown halt mode ""`},
		{request{method: "POST", path: halt, form: url.Values{"mode": {"now"}, "why": {"x"}}}, 400, `unknown form field "why"`},
		{request{method: "POST", path: "/api/runs/nope/halt", form: url.Values{"mode": {"now"}}}, 404, "not found"},
		{request{method: "POST", path: "/api/runs/e9b2f0a7/halt", form: url.Values{"mode": {"now"}}}, 409, "has finished"},
		{request{method: "POST", path: "/api/runs/5d6e7f80/halt", form: url.Values{"mode": {"soon"}}}, 409, "already halted (now)"},
		{request{method: "DELETE", path: "/api/runs/" + demoRun}, 405, ""},
	} {
		if tc.rq.header == nil {
			tc.rq.header = act
		}
		w := do(t, d, tc.rq)
		if msg := errorOf(w); w.Code != tc.code || !strings.Contains(msg, tc.want) {
			t.Errorf("%s %s: status %d, %q; want %d and %q", tc.rq.method, tc.rq.path, w.Code, msg, tc.code, tc.want)
		}
	}
	src.err = errors.New("nats: connection closed")
	if w := do(t, d, request{path: "/api/overview", header: act}); w.Code != http.StatusBadGateway || !strings.Contains(w.Body.String(), "nats: connection closed") {
		t.Errorf("source down: status %d: %s; want 502 naming the error", w.Code, w.Body)
	}
}

// TestEscaping puts hostile text in every field a job, a submitter or a
// worker controls and reads every page, the API, the live parts
// (TestLiveEscaping) and the joblog.
func TestEscaping(t *testing.T) {
	src := hostileFleet()
	d := newDash(t, Config{Source: src, Actions: src})
	run := url.PathEscape(hostileRun)
	raw := []string{hostileScript, "<img src=x", "<b>"}
	for _, p := range []string{"/", "/runs", "/runs/" + run, "/runs/" + run + "?state=failed", "/runs/" + run + "/jobs/1", "/runs/" + run + "/jobs/2", "/workers"} {
		w := do(t, d, request{path: p})
		body := w.Body.String()
		if w.Code != http.StatusOK {
			t.Errorf("GET %s: status %d", p, w.Code)
		}
		for _, bad := range raw {
			if strings.Contains(body, bad) {
				t.Errorf("GET %s: the page holds %q unescaped", p, bad)
			}
		}
		if !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Errorf("GET %s: the hostile command is not shown escaped", p)
		}
	}
	for _, p := range []string{"/api/overview", "/api/runs", "/api/runs/" + run, "/api/runs/" + run + "/jobs/1", "/api/workers"} {
		w := do(t, d, request{path: p})
		body := w.Body.String()
		for _, bad := range raw {
			if strings.Contains(body, bad) {
				t.Errorf("GET %s: the JSON holds %q unescaped", p, bad)
			}
		}
		if !strings.Contains(body, `\u003cscript\u003ealert(1)\u003c/script\u003e`) {
			t.Errorf("GET %s: the JSON does not hold the command escaped", p)
		}
		if w.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: no X-Content-Type-Options: nosniff", p)
		}
	}

	// The joblog is a download that a browser never renders.
	w := do(t, d, request{path: "/runs/" + run + "/joblog"})
	if ct := w.Header().Get("Content-Type"); ct != "text/tab-separated-values; charset=utf-8" {
		t.Errorf("joblog Content-Type %q", ct)
	}
	disp, params, err := mime.ParseMediaType(w.Header().Get("Content-Disposition"))
	if err != nil || disp != "attachment" || params["filename"] != "weft-r__b_.joblog" {
		t.Errorf("joblog Content-Disposition %q: %s %v %v; want an attachment named weft-r__b_.joblog", w.Header().Get("Content-Disposition"), disp, params, err)
	}
	if w.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Error("joblog: no X-Content-Type-Options: nosniff")
	}
	if lines := strings.Split(strings.TrimSuffix(w.Body.String(), "\n"), "\n"); len(lines) != 2 || !strings.HasSuffix(lines[1], "\t"+hostileScript+" 1 second line") {
		t.Errorf("joblog of the hostile run: %q; want its header and one line, the command's newline made a space", lines)
	}
}

func TestJoblog(t *testing.T) {
	start := time.UnixMilli(1_741_961_366_250)
	jobs := []Job{
		{Seq: 1, Worker: "build-01", Started: start, Elapsed: 1500 * time.Millisecond, Exit: 0, Stdout: 12, Command: "echo a", State: JobDone},
		{Seq: 2, Started: start, Elapsed: 12 * time.Second, Exit: -1, Signal: 9, Command: "sleep 1000\nsecond", State: JobFailed},
	}
	var b strings.Builder
	if err := WriteJoblog(&b, func(yield func(Job, error) bool) {
		for _, j := range jobs {
			if !yield(j, nil) {
				return
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	want := JoblogHeader +
		"1\tbuild-01\t1741961366.250\t     1.500\t0\t12\t0\t0\techo a\n" +
		"2\t:\t1741961366.250\t    12.000\t0\t0\t-1\t9\tsleep 1000 second\n"
	if b.String() != want {
		t.Errorf("joblog:\n%q\nwant\n%q", b.String(), want)
	}

	// Over HTTP: the finished jobs only, in order; a source error after the
	// first line cuts the connection rather than ending the file cleanly.
	src := demoFleet(100, 50)
	d := newDash(t, Config{Source: src})
	srv := httptest.NewServer(d)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/runs/" + demoRun + "/joblog")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(body), "\n"), "\n")
	if len(lines) != 1+35 || !strings.HasPrefix(lines[1], "1\tbuild-02\t") || !strings.HasPrefix(lines[35], "35\t") {
		t.Errorf("joblog of 35 finished jobs: %d lines, %q ... %q", len(lines), lines[1], lines[len(lines)-1])
	}
	src.joblogErr = errors.New("stream lost")
	resp, err = http.Get(srv.URL + "/runs/" + demoRun + "/joblog")
	if err == nil { // the headers may have gone before the error
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	if err == nil {
		t.Error("a joblog cut by a source error was read to a clean end; want the connection aborted")
	}
}

// errorOf is the error message of an answer: the JSON's "error", or the
// error page's text.
func errorOf(w *httptest.ResponseRecorder) string {
	if strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
		var e struct{ Error string }
		json.Unmarshal(w.Body.Bytes(), &e)
		return e.Error
	}
	m := regexp.MustCompile(`(?s)<div class="error-box" role="alert">.*?<p>(.*?)</p>`).FindStringSubmatch(w.Body.String())
	if m == nil {
		return w.Body.String()
	}
	return html.UnescapeString(m[1])
}

func TestCheckQueryNamesTheParameter(t *testing.T) {
	r := httptest.NewRequest("GET", "/?x=1", nil)
	if err := checkQuery(r, "state"); err == nil || !strings.Contains(err.Error(), `"x"`) {
		t.Errorf("checkQuery: %v", err)
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	src := demoFleet(10, 5)
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{}, "Config.Source is required"},
		{Config{Source: src, Refresh: -1}, "Refresh must be >= 0, got -1ns"},
		{Config{Source: src, PageSize: 1001}, "PageSize must be in 0..1000, got 1001"},
		{Config{Source: src, SessionTTL: -time.Second}, "SessionTTL must be >= 0, got -1s"},
		{Config{Source: src, Tokens: Tokens{Act: "short"}}, "a token must be at least 16 characters, got 5"},
		{Config{Source: src, Tokens: Tokens{Act: "has a space in it!!"}}, "printable ASCII only"},
		{Config{Source: src, Tokens: Tokens{Act: "same-token-0123456789", View: "same-token-0123456789"}}, "must differ"},
	} {
		_, err := New(tc.cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "dash: ") {
			t.Errorf("New(%+v): %v; want an error with %q", tc.cfg, err, tc.want)
		}
	}
}
