package dash

import (
	"bytes"
	"context"
	"crypto/tls"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

//go:embed templates static
var files embed.FS

// Config configures a dashboard. Source is required; the zero value of
// every other field is a working default.
type Config struct {
	// Source is where the dashboard reads the fleet's state.
	Source Source
	// Actions carries out halts; nil makes the dashboard read-only.
	Actions Actions
	// ReadOnly hides the actions and refuses them, whatever the token.
	ReadOnly bool
	// Tokens are the credentials asked of every request. With none, the
	// dashboard answers only requests addressed to a loopback name, and
	// Listen refuses any other address.
	Tokens Tokens
	// TLS, when set, makes Serve speak HTTPS with it, and the session
	// cookie Secure. Set it too when a proxy in front terminates TLS.
	TLS *tls.Config
	// Insecure lets Listen take an address other than loopback without
	// TLS (the tokens then cross the network in clear).
	Insecure bool
	// Name is what the pages call the fleet (its NATS URL, say).
	Name string
	// Refresh is how often an open page is updated; 1 s when zero.
	Refresh time.Duration
	// PageSize is how many jobs a run's page lists; 25 when zero, at most
	// 1000.
	PageSize int
	// SessionTTL is how long a login lasts; 12 h when zero.
	SessionTTL time.Duration
	// Now is the clock for sessions; time.Now when nil.
	Now func() time.Time
}

// Dash is the dashboard: an http.Handler for its pages, its API and its
// live updates. It is safe for concurrent use by multiple goroutines.
type Dash struct {
	cfg     Config
	auth    *auth
	cop     *http.CrossOriginProtection
	mux     *http.ServeMux
	pages   map[string]*template.Template
	static  http.Handler
	refresh time.Duration

	mu     sync.Mutex
	closed bool // by Close: live parts are refused
}

// New returns a dashboard for cfg, or an error that names a bad field.
func New(cfg Config) (*Dash, error) {
	if cfg.Source == nil {
		return nil, errors.New("dash: Config.Source is required")
	}
	if err := cfg.Tokens.check(); err != nil {
		return nil, err
	}
	if cfg.Refresh < 0 {
		return nil, fmt.Errorf("dash: Refresh must be >= 0, got %v", cfg.Refresh)
	}
	if cfg.Refresh == 0 {
		cfg.Refresh = time.Second
	}
	if cfg.PageSize < 0 || cfg.PageSize > maxLimit {
		return nil, fmt.Errorf("dash: PageSize must be in 0..%d, got %d", maxLimit, cfg.PageSize)
	}
	if cfg.PageSize == 0 {
		cfg.PageSize = 25
	}
	if cfg.SessionTTL < 0 {
		return nil, fmt.Errorf("dash: SessionTTL must be >= 0, got %v", cfg.SessionTTL)
	}
	if cfg.SessionTTL == 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	a, err := newAuth(cfg.Tokens, cfg.SessionTTL, cfg.TLS != nil, cfg.Now)
	if err != nil {
		return nil, err
	}
	pages, err := parseTemplates()
	if err != nil {
		return nil, err
	}
	static, _ := fs.Sub(files, "static")
	d := &Dash{cfg: cfg, auth: a, cop: http.NewCrossOriginProtection(), pages: pages,
		static: http.StripPrefix("/static/", http.FileServerFS(static)), refresh: cfg.Refresh}
	d.cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d.fail(w, r, http.StatusForbidden, "dash: cross-origin request refused: actions are taken from the dashboard's own pages only")
	}))
	d.routes()
	return d, nil
}

// Close refuses the pages' live parts from now on (503), so that open
// pages say the dashboard is gone. It does not stop the pages and the API.
func (d *Dash) Close() {
	d.mu.Lock()
	d.closed = true
	d.mu.Unlock()
}

type ctxKey struct{}

func (d *Dash) routes() {
	m := http.NewServeMux()
	page := func(p string, h func(http.ResponseWriter, *http.Request, *session)) {
		m.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) {
			h(w, r, r.Context().Value(ctxKey{}).(*session))
		})
	}
	page("GET /{$}", d.servePage)
	page("GET /runs", d.servePage)
	page("GET /runs/{id}", d.servePage)
	page("GET /runs/{id}/jobs/{seq}", d.servePage)
	page("GET /runs/{id}/joblog", d.joblog)
	page("POST /runs/{id}/halt", d.halt)
	page("GET /workers", d.servePage)
	page("POST /logout", d.logout)
	page("GET /api/overview", d.apiOverview)
	page("GET /api/runs", d.apiRuns)
	page("GET /api/runs/{id}", d.apiRun)
	page("GET /api/runs/{id}/jobs/{seq}", d.apiJob)
	page("GET /api/runs/{id}/joblog", d.joblog)
	page("POST /api/runs/{id}/halt", d.halt)
	page("GET /api/workers", d.apiWorkers)
	page("GET /live/{view...}", d.live)
	m.Handle("GET /static/", d.static)
	m.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		d.fail(w, r, http.StatusNotFound, "dash: no such page: "+r.URL.Path)
	})
	d.mux = m
}

// ServeHTTP answers a request: every one, static files included, must
// carry a token or a session (see the package documentation).
func (d *Dash) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	s := d.authenticate(w, r)
	if s == nil {
		return
	}
	d.mux.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, s)))
}

// authenticate returns the session of r, or nil when it answered r itself
// (refused it, or logged it in and redirected).
func (d *Dash) authenticate(w http.ResponseWriter, r *http.Request) *session {
	a := d.auth
	if a.open {
		if !loopbackHost(r.Host) {
			d.fail(w, r, http.StatusMisdirectedRequest, "dash: this dashboard has no token, so it answers only at a loopback address (127.0.0.1 or localhost), not "+strconv.Quote(r.Host))
			return nil
		}
		s, _ := a.fromCookie(r)
		if s == nil {
			s = a.newSession(roleAct)
			a.setCookie(w, s)
		}
		return d.limit(s)
	}
	if h, ok := r.Header["Authorization"]; ok {
		tok, bearer := strings.CutPrefix(h[0], "Bearer ")
		ro := roleNone
		if bearer && len(h) == 1 {
			ro = a.tokenRole(tok)
		}
		if ro == roleNone {
			d.unauthorized(w, r, "dash: wrong token in the Authorization header (want: Authorization: Bearer TOKEN)")
			return nil
		}
		return d.limit(&session{role: ro, via: viaBearer})
	}
	q := r.URL.Query()
	if q.Has("token") {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			d.fail(w, r, http.StatusBadRequest, "dash: a token in the address is taken on a GET only; send Authorization: Bearer TOKEN instead")
			return nil
		}
		ro := a.tokenRole(q.Get("token"))
		if ro == roleNone || len(q["token"]) != 1 {
			a.clearCookie(w)
			d.unauthorized(w, r, "dash: wrong token in the address: open the address that weft serve printed, or ask for a new one")
			return nil
		}
		a.setCookie(w, a.newSession(ro))
		q.Del("token")
		u := url.URL{Path: r.URL.Path, RawQuery: q.Encode()}
		http.Redirect(w, r, u.RequestURI(), http.StatusSeeOther)
		return nil
	}
	s, err := a.fromCookie(r)
	switch {
	case err != nil:
		a.clearCookie(w)
		d.unauthorized(w, r, "dash: your session has expired or its token was changed: open the dashboard's address with ?token=TOKEN again")
		return nil
	case s == nil:
		d.unauthorized(w, r, "dash: this dashboard needs a token: open the address that weft serve printed (it ends in ?token=...), or send Authorization: Bearer TOKEN")
		return nil
	}
	return d.limit(s)
}

// limit takes the act role away in read-only mode.
func (d *Dash) limit(s *session) *session {
	if s.role == roleAct && !d.canAct() {
		c := *s
		c.role = roleView
		c.csrf = s.csrf // still bound to the cookie's role
		return &c
	}
	return s
}

func (d *Dash) canAct() bool { return !d.cfg.ReadOnly && d.cfg.Actions != nil }

func (d *Dash) unauthorized(w http.ResponseWriter, r *http.Request, msg string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="weft dashboard"`)
	d.fail(w, r, http.StatusUnauthorized, msg)
}

// isAPI reports whether r asks for JSON rather than a page.
func isAPI(r *http.Request) bool {
	return strings.HasPrefix(r.URL.Path, "/api/") || strings.HasPrefix(r.URL.Path, "/live/")
}

// fail answers an error: JSON for the API, a page otherwise.
func (d *Dash) fail(w http.ResponseWriter, r *http.Request, code int, msg string) {
	if isAPI(r) {
		writeJSON(w, code, map[string]string{"error": msg})
		return
	}
	d.render(w, code, "error", &view{Title: http.StatusText(code), Status: code, Error: msg, Name: d.cfg.Name})
}

// sourceError answers an error from the Source.
func (d *Dash) sourceError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, ErrNotFound) {
		d.fail(w, r, http.StatusNotFound, "dash: "+err.Error())
		return
	}
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		return // the client went away
	}
	d.fail(w, r, http.StatusBadGateway, "dash: reading the fleet's state: "+err.Error())
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.MarshalIndent(v, "", "  ") // escapes <, > and & as \u003c...
	if err != nil {
		code, b = http.StatusInternalServerError, []byte(`{"error":"dash: encoding the answer failed"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	w.Write(append(b, '\n'))
}

// checkQuery refuses a query parameter that the page does not take, by
// name.
func checkQuery(r *http.Request, allowed ...string) error {
	for k := range r.URL.Query() {
		if !slices.Contains(allowed, k) {
			if len(allowed) == 0 {
				return fmt.Errorf("dash: unknown query parameter %q: this page takes none", k)
			}
			return fmt.Errorf("dash: unknown query parameter %q (this page takes %s)", k, strings.Join(allowed, ", "))
		}
	}
	return nil
}

// runQuery reads a run page's query: ?state=...&page=N.
func (d *Dash) runQuery(r *http.Request) (JobQuery, int, error) {
	if err := checkQuery(r, "state", "page"); err != nil {
		return JobQuery{}, 0, err
	}
	q := r.URL.Query()
	st, err := ParseJobState(q.Get("state"))
	if err != nil {
		return JobQuery{}, 0, err
	}
	page := 1
	if p := q.Get("page"); p != "" {
		page, err = strconv.Atoi(p)
		if err != nil || page < 1 {
			return JobQuery{}, 0, fmt.Errorf("dash: page must be a whole number >= 1, got %q", p)
		}
	}
	return JobQuery{State: st, Offset: int64(page-1) * int64(d.cfg.PageSize), Limit: d.cfg.PageSize}, page, nil
}

func (d *Dash) snapshot(w http.ResponseWriter, r *http.Request) *Snapshot {
	s, err := d.cfg.Source.Snapshot(r.Context())
	if err != nil {
		d.sourceError(w, r, err)
		return nil
	}
	return s
}

func (d *Dash) apiOverview(w http.ResponseWriter, r *http.Request, _ *session) {
	if err := checkQuery(r); err != nil {
		d.fail(w, r, http.StatusBadRequest, err.Error())
		return
	}
	if s := d.snapshot(w, r); s != nil {
		writeJSON(w, http.StatusOK, NewOverview(s))
	}
}

func (d *Dash) apiRuns(w http.ResponseWriter, r *http.Request, _ *session) {
	if err := checkQuery(r); err != nil {
		d.fail(w, r, http.StatusBadRequest, err.Error())
		return
	}
	if s := d.snapshot(w, r); s != nil {
		writeJSON(w, http.StatusOK, NewRunList(s))
	}
}

func (d *Dash) apiWorkers(w http.ResponseWriter, r *http.Request, _ *session) {
	if err := checkQuery(r); err != nil {
		d.fail(w, r, http.StatusBadRequest, err.Error())
		return
	}
	if s := d.snapshot(w, r); s != nil {
		writeJSON(w, http.StatusOK, NewWorkerList(s))
	}
}

func (d *Dash) apiRun(w http.ResponseWriter, r *http.Request, _ *session) {
	q, _, err := d.runQuery(r)
	if err != nil {
		d.fail(w, r, http.StatusBadRequest, err.Error())
		return
	}
	rd, err := LoadRun(r.Context(), d.cfg.Source, r.PathValue("id"), q)
	if err != nil {
		d.sourceError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rd)
}

func (d *Dash) apiJob(w http.ResponseWriter, r *http.Request, _ *session) {
	jd := d.loadJob(w, r)
	if jd != nil {
		writeJSON(w, http.StatusOK, jd)
	}
}

func (d *Dash) loadJob(w http.ResponseWriter, r *http.Request) *JobDetail {
	if err := checkQuery(r); err != nil {
		d.fail(w, r, http.StatusBadRequest, err.Error())
		return nil
	}
	seq, err := strconv.ParseInt(r.PathValue("seq"), 10, 64)
	if err != nil || seq < 1 {
		d.fail(w, r, http.StatusBadRequest, fmt.Sprintf("dash: a job number must be a whole number >= 1, got %q", r.PathValue("seq")))
		return nil
	}
	jd, err := LoadJob(r.Context(), d.cfg.Source, r.PathValue("id"), seq)
	if err != nil {
		d.sourceError(w, r, err)
		return nil
	}
	return jd
}

// halt asks for a run to be halted: a form on the run's page (answered
// with a redirect to it) or the API (answered with JSON).
func (d *Dash) halt(w http.ResponseWriter, r *http.Request, s *session) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := d.allowAction(w, r, s); err != nil {
		return
	}
	for k := range r.PostForm {
		if k != "mode" && k != "csrf" {
			d.fail(w, r, http.StatusBadRequest, fmt.Sprintf("dash: unknown form field %q (a halt takes mode and csrf)", k))
			return
		}
	}
	mode, err := ParseHaltMode(r.PostForm.Get("mode"))
	if err != nil {
		d.fail(w, r, http.StatusBadRequest, err.Error())
		return
	}
	snap := d.snapshot(w, r)
	if snap == nil {
		return
	}
	id := r.PathValue("id")
	run := findRun(snap, id)
	if run == nil {
		d.fail(w, r, http.StatusNotFound, fmt.Sprintf("dash: run %q: not found", id))
		return
	}
	switch st := runState(run, snap.Time); {
	case st == RunFinished:
		d.fail(w, r, http.StatusConflict, fmt.Sprintf("dash: run %s has finished: there is nothing to halt", id))
		return
	case run.Halt == HaltNow || run.Halt == mode:
		d.fail(w, r, http.StatusConflict, fmt.Sprintf("dash: run %s is already halted (%s)", id, run.Halt))
		return
	}
	if err := d.cfg.Actions.Halt(r.Context(), id, mode); err != nil {
		d.sourceError(w, r, err)
		return
	}
	if isAPI(r) {
		writeJSON(w, http.StatusOK, map[string]string{"run": id, "halt": string(mode)})
		return
	}
	http.Redirect(w, r, "/runs/"+url.PathEscape(id), http.StatusSeeOther)
}

// allowAction checks that r may act: same origin, the act role, and, for
// a session cookie, the session's CSRF token in the form field csrf (or
// the header X-CSRF-Token). It answers r itself when not.
func (d *Dash) allowAction(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := d.cop.Check(r); err != nil {
		d.fail(w, r, http.StatusForbidden, "dash: cross-origin request refused: actions are taken from the dashboard's own pages only")
		return err
	}
	if err := r.ParseForm(); err != nil {
		d.fail(w, r, http.StatusBadRequest, "dash: reading the form: "+err.Error())
		return err
	}
	var err error
	switch {
	case d.cfg.ReadOnly || d.cfg.Actions == nil:
		err = errors.New("dash: this dashboard is read-only: it shows runs but cannot halt them")
	case s.role != roleAct:
		err = errors.New("dash: your token can view only: halting a run needs the act token")
	case s.via == viaCookie && !d.auth.checkCSRF(s, firstSet(r.PostForm.Get("csrf"), r.Header.Get("X-CSRF-Token"))):
		err = errors.New("dash: missing or wrong CSRF token: reload the page and try again")
	}
	if err != nil {
		d.fail(w, r, http.StatusForbidden, err.Error())
	}
	return err
}

func firstSet(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (d *Dash) logout(w http.ResponseWriter, r *http.Request, s *session) {
	if err := d.cop.Check(r); err != nil {
		d.fail(w, r, http.StatusForbidden, "dash: cross-origin request refused")
		return
	}
	d.auth.clearCookie(w)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// render executes a page's template into a buffer, then writes it, so that
// a template error is a clean 500, not half a page.
func (d *Dash) render(w http.ResponseWriter, code int, page string, v *view) {
	var b bytes.Buffer
	if err := d.pages[page].ExecuteTemplate(&b, "layout", v); err != nil {
		http.Error(w, "dash: rendering the page failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	w.Write(b.Bytes())
}
