package dash

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// How a request proves who it is (see the package documentation):
//
//   - Authorization: Bearer TOKEN, for scripts: checked on every request,
//     no cookie, no CSRF token (a browser never adds this header by itself).
//   - ?token=TOKEN on a GET, once, for a person: the answer sets a session
//     cookie and redirects to the same address without the token.
//   - the session cookie: ROLE.EXPIRY.NONCE.MAC, where MAC is an
//     HMAC-SHA256 under a key derived from the role's token, so it needs no
//     server-side table, survives a restart, and dies when the token
//     changes or the session expires.
//
// With no tokens at all (a loopback address only), every visitor gets a
// session cookie under a key made at start-up, so that forms still carry a
// CSRF token bound to it.

type role int

const (
	roleNone role = iota
	roleView
	roleAct
)

func (r role) String() string {
	switch r {
	case roleView:
		return "view"
	case roleAct:
		return "act"
	}
	return "none"
}

type via int

const (
	viaCookie via = iota
	viaBearer
)

// session is who made a request.
type session struct {
	role    role
	via     via
	nonce   string // binds the CSRF token to the session
	expires time.Time
	csrf    string
}

type auth struct {
	open       bool // no tokens
	view, act  [32]byte
	hasView    int // 1 when there is a view token
	hasAct     int
	keys       [3][]byte // session keys by role
	ttl        time.Duration
	secure     bool
	cookieName string
	now        func() time.Time
}

func newAuth(t Tokens, ttl time.Duration, secure bool, now func() time.Time) (*auth, error) {
	a := &auth{open: t.none(), ttl: ttl, secure: secure, now: now, cookieName: "weft_dash"}
	if secure {
		// The __Host- prefix makes the browser refuse the cookie unless it
		// is Secure, for this host only, with Path=/.
		a.cookieName = "__Host-weft_dash"
	}
	if a.open {
		k := make([]byte, 32)
		if _, err := rand.Read(k); err != nil {
			return nil, err
		}
		a.keys[roleView], a.keys[roleAct] = k, k
		return a, nil
	}
	if t.View != "" {
		a.view, a.hasView = sha256.Sum256([]byte(t.View)), 1
		a.keys[roleView] = derive(t.View, "view")
	}
	if t.Act != "" {
		a.act, a.hasAct = sha256.Sum256([]byte(t.Act)), 1
		a.keys[roleAct] = derive(t.Act, "act")
	}
	return a, nil
}

func derive(token, role string) []byte {
	m := hmac.New(sha256.New, []byte(token))
	m.Write([]byte("weft dash session v1 " + role))
	return m.Sum(nil)
}

// tokenRole returns the role tok gives, comparing it with both tokens in
// constant time (hashes of equal length, both compared whatever the
// first answer).
func (a *auth) tokenRole(tok string) role {
	h := sha256.Sum256([]byte(tok))
	act := subtle.ConstantTimeCompare(h[:], a.act[:]) & a.hasAct
	view := subtle.ConstantTimeCompare(h[:], a.view[:]) & a.hasView
	switch {
	case act == 1:
		return roleAct
	case view == 1:
		return roleView
	}
	return roleNone
}

func (a *auth) newSession(r role) *session {
	b := make([]byte, 16)
	rand.Read(b)
	s := &session{role: r, via: viaCookie, nonce: base64.RawURLEncoding.EncodeToString(b), expires: a.now().Add(a.ttl).Truncate(time.Second)}
	s.csrf = a.csrfToken(s)
	return s
}

func (a *auth) mac(r role, payload string) string {
	m := hmac.New(sha256.New, a.keys[r])
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (a *auth) csrfToken(s *session) string { return a.mac(s.role, "csrf."+s.nonce) }

func (a *auth) cookieValue(s *session) string {
	p := s.role.String() + "." + strconv.FormatInt(s.expires.Unix(), 10) + "." + s.nonce
	return p + "." + a.mac(s.role, p)
}

func (a *auth) setCookie(w http.ResponseWriter, s *session) {
	http.SetCookie(w, &http.Cookie{Name: a.cookieName, Value: a.cookieValue(s), Path: "/",
		MaxAge: int(a.ttl / time.Second), HttpOnly: true, Secure: a.secure, SameSite: http.SameSiteStrictMode})
}

func (a *auth) clearCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: a.cookieName, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: a.secure, SameSite: http.SameSiteStrictMode})
}

var errBadSession = errors.New("session expired or not valid")

// fromCookie returns the session of r's cookie, nil when there is none, or
// errBadSession.
func (a *auth) fromCookie(r *http.Request) (*session, error) {
	c, err := r.Cookie(a.cookieName)
	if err != nil {
		return nil, nil
	}
	f := strings.Split(c.Value, ".")
	if len(f) != 4 {
		return nil, errBadSession
	}
	var ro role
	switch f[0] {
	case "view":
		ro = roleView
	case "act":
		ro = roleAct
	default:
		return nil, errBadSession
	}
	if a.keys[ro] == nil {
		return nil, errBadSession
	}
	want := a.mac(ro, f[0]+"."+f[1]+"."+f[2])
	if !hmac.Equal([]byte(want), []byte(f[3])) {
		return nil, errBadSession
	}
	exp, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil || !a.now().Before(time.Unix(exp, 0)) {
		return nil, errBadSession
	}
	s := &session{role: ro, via: viaCookie, nonce: f[2], expires: time.Unix(exp, 0)}
	s.csrf = a.csrfToken(s)
	return s, nil
}

// checkCSRF reports whether a form or header token matches s's.
func (a *auth) checkCSRF(s *session, got string) bool {
	return got != "" && hmac.Equal([]byte(got), []byte(s.csrf))
}

// loopbackHost reports whether the Host of a request names this machine
// by a loopback name or address. A dashboard without tokens answers only
// such requests: a page elsewhere that makes its own name resolve to
// 127.0.0.1 (DNS rebinding) sends its own name as Host.
func loopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
