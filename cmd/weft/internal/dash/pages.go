package dash

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// view is what a page's template gets.
type view struct {
	Title     string
	Nav       string // the menu entry to mark
	Name      string // the fleet's name
	Live      string // the address of the page's live part
	RefreshMs int64  // how often the page asks for it
	CanAct    bool
	CSRF      string
	Note      string // what the visitor may not do: "view only", "read-only"
	Logout    bool
	Now       time.Time
	Status    int
	Error     string

	Overview *Overview
	Runs     *RunList
	Run      *RunDetail
	Workers  *WorkerList
	Job      *JobDetail
	Tabs     []tab
	Pager    *pager
}

type tab struct {
	State   JobState
	Label   string
	Count   int64
	Href    string
	Current bool
	Class   string
}

type pager struct {
	First, Last, Matching int64
	Prev, Next            string
	Page, Pages           int64
}

// errPage is an error with the HTTP status to answer it with.
type errPage struct {
	code int
	msg  string
}

func (e *errPage) Error() string { return e.msg }

func badRequest(err error) error { return &errPage{http.StatusBadRequest, err.Error()} }

// servePage answers GET for a page.
func (d *Dash) servePage(w http.ResponseWriter, r *http.Request, s *session) {
	name, v, err := d.build(r.Context(), r, s, r.URL.EscapedPath())
	if err != nil {
		var ep *errPage
		switch {
		case errors.As(err, &ep):
			d.fail(w, r, ep.code, ep.msg)
		default:
			d.sourceError(w, r, err)
		}
		return
	}
	d.render(w, http.StatusOK, name, v)
}

// build reads what the page at path (escaped) shows, for a page or for its
// live update.
func (d *Dash) build(ctx context.Context, r *http.Request, s *session, path string) (string, *view, error) {
	seg := strings.Split(strings.Trim(path, "/"), "/")
	for i, p := range seg {
		u, err := url.PathUnescape(p)
		if err != nil {
			return "", nil, badRequest(fmt.Errorf("dash: bad address %q", path))
		}
		seg[i] = u
	}
	v := &view{Name: d.cfg.Name, CanAct: s.role == roleAct, CSRF: s.csrf, Logout: !d.auth.open && s.via == viaCookie}
	switch {
	case d.cfg.ReadOnly || d.cfg.Actions == nil:
		v.Note = "read-only"
	case s.role == roleView:
		v.Note = "view only"
	}
	v.Live = "/live" + path
	if r.URL.RawQuery != "" {
		v.Live += "?" + r.URL.RawQuery
	}
	v.RefreshMs = d.refresh.Milliseconds()
	var name string
	switch {
	case path == "/" || path == "":
		if err := checkQuery(r); err != nil {
			return "", nil, badRequest(err)
		}
		snap, err := d.cfg.Source.Snapshot(ctx)
		if err != nil {
			return "", nil, err
		}
		name, v.Title, v.Nav, v.Overview, v.Now = "overview", "Overview", "overview", NewOverview(snap), snap.Time
	case len(seg) == 1 && seg[0] == "runs":
		if err := checkQuery(r); err != nil {
			return "", nil, badRequest(err)
		}
		snap, err := d.cfg.Source.Snapshot(ctx)
		if err != nil {
			return "", nil, err
		}
		name, v.Title, v.Nav, v.Runs, v.Now = "runs", "Runs", "runs", NewRunList(snap), snap.Time
	case len(seg) == 1 && seg[0] == "workers":
		if err := checkQuery(r); err != nil {
			return "", nil, badRequest(err)
		}
		snap, err := d.cfg.Source.Snapshot(ctx)
		if err != nil {
			return "", nil, err
		}
		name, v.Title, v.Nav, v.Workers, v.Now = "workers", "Workers", "workers", NewWorkerList(snap), snap.Time
	case len(seg) == 2 && seg[0] == "runs":
		q, page, err := d.runQuery(r)
		if err != nil {
			return "", nil, badRequest(err)
		}
		rd, err := LoadRun(ctx, d.cfg.Source, seg[1], q)
		if err != nil {
			return "", nil, err
		}
		name, v.Title, v.Nav, v.Run, v.Now = "run", "Run "+rd.Run.ID, "runs", rd, rd.Time
		v.Tabs, v.Pager = runTabs(rd, int64(page), int64(d.cfg.PageSize))
	case len(seg) == 4 && seg[0] == "runs" && seg[2] == "jobs":
		if err := checkQuery(r); err != nil {
			return "", nil, badRequest(err)
		}
		n, err := strconv.ParseInt(seg[3], 10, 64)
		if err != nil || n < 1 {
			return "", nil, badRequest(fmt.Errorf("dash: a job number must be a whole number >= 1, got %q", seg[3]))
		}
		jd, err := LoadJob(ctx, d.cfg.Source, seg[1], n)
		if err != nil {
			return "", nil, err
		}
		name, v.Title, v.Nav, v.Job, v.Now = "job", fmt.Sprintf("Job %d of run %s", n, jd.Run.ID), "runs", jd, jd.Time
	default:
		return "", nil, &errPage{http.StatusNotFound, "dash: no such page: " + path}
	}
	return name, v, nil
}

// runTabs are the state tabs of a run's jobs, and the pager of the one
// shown.
func runTabs(rd *RunDetail, page, size int64) ([]tab, *pager) {
	r := &rd.Run
	base := "/runs/" + url.PathEscape(r.ID)
	href := func(st JobState, page int64) string {
		q := url.Values{}
		if st != "" {
			q.Set("state", string(st))
		}
		if page > 1 {
			q.Set("page", strconv.FormatInt(page, 10))
		}
		if len(q) == 0 {
			return base
		}
		return base + "?" + q.Encode()
	}
	tabs := []tab{{Label: "All", Count: r.Total, State: ""}}
	for _, t := range []struct {
		st JobState
		n  int64
	}{{JobRunning, r.Running}, {JobFailed, r.Failed}, {JobQueued, r.Queued}, {JobDone, r.Done}, {JobSkipped, r.Skipped}} {
		if t.n > 0 || rd.State == t.st {
			tabs = append(tabs, tab{Label: strings.ToUpper(string(t.st[:1])) + string(t.st[1:]), Count: t.n, State: t.st})
		}
	}
	for i := range tabs {
		tabs[i].Href = href(tabs[i].State, 1)
		tabs[i].Current = tabs[i].State == rd.State
		tabs[i].Class = "t-" + string(tabs[i].State)
	}
	p := &pager{Matching: rd.Matching, Page: page, Pages: max((rd.Matching+size-1)/size, 1)}
	if n := int64(len(rd.Jobs)); n > 0 {
		p.First, p.Last = rd.Offset+1, rd.Offset+n
	}
	if page > 1 {
		p.Prev = href(rd.State, min(page-1, p.Pages))
	}
	if page < p.Pages {
		p.Next = href(rd.State, page+1)
	}
	return tabs, p
}

// renderLive writes a page's live part, for its updates.
func (d *Dash) renderLive(w io.Writer, name string, v *view) error {
	return d.pages[name].ExecuteTemplate(w, "live", v)
}

var pageNames = []string{"overview", "runs", "run", "job", "workers", "error"}

func parseTemplates() (map[string]*template.Template, error) {
	base, err := template.New("").Funcs(funcs).ParseFS(files, "templates/layout.html", "templates/parts.html")
	if err != nil {
		return nil, fmt.Errorf("dash: templates: %w", err)
	}
	out := map[string]*template.Template{}
	for _, n := range pageNames {
		t, err := template.Must(base.Clone()).ParseFS(files, "templates/"+n+".html")
		if err != nil {
			return nil, fmt.Errorf("dash: templates: %w", err)
		}
		out[n] = t
	}
	return out, nil
}

// runRows is a list of runs for the runs table, and the time to measure
// their ages from.
type runRows struct {
	Runs []RunSummary
	Now  time.Time
}

// The template functions take values, as a template's range yields them.
var funcs = template.FuncMap{
	"ago":        ago,
	"count":      count,
	"rate":       rate,
	"percent":    percent,
	"eta":        eta,
	"duration":   duration,
	"pathEsc":    url.PathEscape,
	"chart":      chart,
	"statusText": http.StatusText,
	"words":      func(r RunSummary) string { return stateWords(&r) },
	"exit":       func(j JobInfo) string { return exitText(&j) },
	"total":      func(r RunSummary) string { return total(&r) },
	"segments":   func(r RunSummary) []segment { return segments(&r) },
	"parts":      func(r RunSummary) []countPart { return countParts(&r) },
	"ended":      func(j JobInfo, now time.Time) string { return endedAgo(&j, now) },
	"active":     func(r RunSummary) bool { return active(r.State) },
	"rows":       func(runs []RunSummary, now time.Time) runRows { return runRows{runs, now} },
	"stamp":      func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") },
	"tail": func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	},
	"stateClass": func(r RunSummary) string {
		if r.State == RunFinished && r.Failed > 0 {
			return "s-failed"
		}
		return "s-" + string(r.State)
	},
}

// segment is one coloured part of a run's progress bar, in a viewBox 1000
// wide.
type segment struct {
	Class string
	X, W  float64
}

func segments(r *RunSummary) []segment {
	if r.Total <= 0 {
		return nil
	}
	var out []segment
	x := 0.0
	for _, p := range []struct {
		class string
		n     int64
	}{{"b-done", r.Done}, {"b-failed", r.Failed}, {"b-skipped", r.Skipped}, {"b-running", r.Running}} {
		if p.n <= 0 {
			continue
		}
		w := 1000 * float64(p.n) / float64(r.Total)
		w = min(w, 1000-x)
		out = append(out, segment{Class: p.class, X: round1(x), W: round1(w)})
		x += w
	}
	return out
}

func round1(f float64) float64 { return float64(int64(f*10+0.5)) / 10 }

// countPart is one count of a run, with the class that colours it.
type countPart struct {
	Class, Text string
}

func countParts(r *RunSummary) []countPart {
	out := []countPart{{"c-done", count(r.Done) + " done"}}
	if r.Failed > 0 {
		out = append(out, countPart{"c-failed", count(r.Failed) + " failed"})
	}
	if r.Running > 0 {
		out = append(out, countPart{"c-running", count(r.Running) + " running"})
	}
	if r.Queued > 0 {
		out = append(out, countPart{"c-queued", count(r.Queued) + " queued"})
	}
	if r.Skipped > 0 {
		out = append(out, countPart{"c-skipped", count(r.Skipped) + " skipped"})
	}
	return out
}
