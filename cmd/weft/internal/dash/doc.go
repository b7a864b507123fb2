// Package dash is the fleet's web dashboard, and the text and JSON views
// that `weft status` prints: an overview (workers alive, jobs running and
// queued, jobs per second over the last 15 minutes, the runs, the latest
// failures), the runs, a run (its progress, its jobs page by page, its
// failures with their stderr, its joblog, halting it), a job, and the
// workers (alive or gone, what each runs now).
//
// It reads the fleet through a Source and acts on it through Actions, two
// small interfaces it owns, so that whoever holds the fleet's state
// (JetStream) implements them and nothing else:
//
//	d, err := dash.New(dash.Config{Source: src, Actions: acts, Tokens: tokens, Name: natsURL})
//	ln, err := d.Listen("127.0.0.1:4223")
//	fmt.Println(d.URL(ln)) // http://127.0.0.1:4223/?token=...
//	err = d.Serve(ctx, ln)
//
// and for `weft status`:
//
//	o, err := dash.LoadOverview(ctx, src)
//	o.WriteText(os.Stdout) // or json.NewEncoder(os.Stdout).Encode(o), as GET /api/overview
//
// # Pages and API
//
// GET / (overview), /runs, /runs/{id}?state=S&page=N, /runs/{id}/jobs/{seq},
// /runs/{id}/joblog (GNU parallel's format, as `weft --joblog` writes it),
// /workers; POST /runs/{id}/halt (mode=soon|now). The same under /api/ as
// JSON (Overview, RunList, RunDetail, JobDetail, WorkerList: the documents
// `weft status --json` prints), and POST /api/runs/{id}/halt. A run's jobs
// come 25 to a page (Config.PageSize), one state at a time if asked; the
// overview, the runs and the workers are built from one Snapshot, so their
// cost does not grow with the number of jobs.
//
// Pages are rendered on the server by html/template, with the stylesheet,
// a small script and the icon embedded in the binary; no framework, no
// build step. The jobs-per-second chart and the progress bars are inline
// SVG drawn on the server. Each page's live part is also served alone
// (/live/ followed by the page's address), with an ETag: every
// Config.Refresh, while the page is visible, the script asks for it with
// If-None-Match and puts it in place when it changed (304 otherwise), so
// the page updates without a reload. Each ask is a short request, so any
// number of tabs share a browser's six connections to the host (a stream
// held open per page would leave a seventh tab waiting). Without
// JavaScript the page reloads itself every 10 s.
//
// # Security
//
// Tokens: Config.Tokens holds a view token (every page and the API) and an
// act token (also halting runs). With no token the dashboard serves only a
// loopback address (Listen refuses any other), and answers only requests
// whose Host is a loopback name or address, which defeats DNS rebinding.
// Any other address needs tokens, and TLS (Config.TLS, or LoadTLS for
// PEM files) unless Config.Insecure says otherwise. Token files
// (WriteTokens, ReadTokens, LoadOrCreateTokens) are mode 0600, and one
// that others can read is refused.
//
// Every request, static files included, is checked. A script sends
// Authorization: Bearer TOKEN on each request. A person opens the address
// once with ?token=TOKEN (the address URL returns, which `weft serve` prints): the answer sets a session
// cookie and redirects to the same address without the token (so it
// leaves the address bar and the history; Referrer-Policy is no-referrer).
// The cookie (HttpOnly, SameSite=Strict, Secure and __Host- prefixed under
// TLS) holds the role, an expiry (Config.SessionTTL, 12 h), a random nonce
// and an HMAC-SHA256 of them under a key derived from the role's token: no
// session table, sessions survive a restart, and changing a token ends its
// sessions. Tokens are compared as SHA-256 hashes in constant time, both
// always.
//
// Actions are POSTs, checked three ways: http.CrossOriginProtection
// (Sec-Fetch-Site, or Origin against Host) refuses cross-origin requests;
// the session must have the act role, and the dashboard must not be
// read-only (Config.ReadOnly, or no Actions: the buttons are not shown and
// the POST is refused with 403); and a request authenticated by its cookie
// must carry the session's CSRF token (an HMAC of the session's nonce) in
// the form field csrf or the header X-CSRF-Token. The origin check alone
// stops modern browsers; the token covers browsers that send neither
// header, and SameSite=Strict keeps the cookie off any cross-site request.
// A bearer request needs no CSRF token: a browser never adds that header
// by itself.
//
// Escaping: everything a job, a submitter or a worker controls (commands,
// stderr, names, run IDs) goes through html/template on the pages and in
// the live parts, through encoding/json (which
// escapes <, > and &) in the API, and through control-character escaping
// in the text views. The Content-Security-Policy allows scripts and styles
// from the dashboard alone, no inline script, handler or style. The joblog
// is an attachment of type text/tab-separated-values, with nosniff.
package dash
