package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
)

// Authentication and access.
//
// A request presents one credential, as X-Auth-Token, as
// "Authorization: Bearer …" or as HTTP Basic credentials (for stock
// clients such as the JobHistory Server's, which take a user and a
// password: user "zebra" or empty with the credential as the password,
// or a Swift account as the user and its token as the password); the
// UI's pages (/ui/...) also take the session cookie that its login sets
// (below). zebra never asks for Basic credentials (no Basic challenge),
// so that browsers do not keep and replay them, and it refuses an unsafe
// request with Basic credentials from another origin:
//
//   - the cluster token (AuthConfig.Token, which `zebra up` generates and
//     prints as ZEBRA_TOKEN): the cluster's operator and its workers. It
//     sees and kills every job and is the only credential the worker
//     protocol (/internal/v1/...) accepts.
//   - ACCOUNT:TOKEN, a Swift token for a Swift account (AuthConfig.SwiftURL
//     set): valid when Swift answers HEAD SwiftURL/ACCOUNT with that token
//     with 2xx (cached for CacheTTL). The tenant is the account: it
//     submits jobs, and sees, kills and reads the logs of its own jobs only.
//
// A job's owner is the tenant authenticated when it was submitted
// (api.Plan.Owner, set by this package whatever the client sent; "" for
// the cluster token). The plan's User is the client's claim (Hadoop's
// user.name) and is shown, never trusted. With AuthConfig.PublicRead
// a request without a credential may read the job views and the metrics
// (every tenant's, but not logs), and a tenant may read other tenants'
// jobs (but not their logs, nor kill them). A failed job's stderr tail is
// log (Server.statusFor). Nobody, the owner included, is shown the value
// of a sensitive setting (sensitiveConf: passwords, keys, tokens), in the
// configuration or on the command line (redactArgs).
//
// A job another tenant may not read answers 404, as an unknown job does;
// one it may read but not control answers 403.
//
// UI sessions: the login checks the credential and keeps it on the server
// in a session named by a random 256-bit id (crypto/rand); the cookie
// (zebra_session) holds only that id, is HttpOnly, SameSite=Strict, Secure
// when the request came over TLS, and has Path /ui/, so the browser sends
// it to the UI's pages only, never to /open or the APIs (which ignore it
// anyway). A session ends at its expiry (AuthConfig.SessionTTL after the
// login, not extended by use), at logout (POST /ui/logout, which deletes
// it on the server), when the jobtracker restarts (sessions are in
// memory), or when its credential stops being valid (it is checked again
// on every request like a header credential). Each session has its own
// random CSRF token: the UI's forms carry it, and every unsafe request
// authenticated by the cookie must send it back (form field csrf or
// X-CSRF-Token) with no foreign Origin.

// AuthConfig configures authentication.
type AuthConfig struct {
	// Token is the cluster's static token ("" for none).
	Token string
	// SwiftURL is Swift's storage endpoint up to the account, e.g.
	// http://127.0.0.1:8080/v1 ("" accepts no Swift tokens).
	SwiftURL string
	// PublicRead lets requests without a credential read the job views.
	PublicRead bool
	// CacheTTL is how long a Swift answer is trusted (default 30s).
	CacheTTL time.Duration
	// Client makes the Swift requests (default: a client with a 10s
	// timeout).
	Client *http.Client
	// SessionTTL is how long a UI login lasts (default 12h).
	SessionTTL time.Duration
}

// Principal is who a request comes from.
type Principal struct {
	// Tenant is the Swift account ("" for the cluster and anonymous).
	Tenant string
	// Admin is set for the cluster token.
	Admin bool
	// Anonymous is set for a request without a credential (PublicRead).
	Anonymous bool
	// session is the UI session the request came with (nil: the
	// credential came in a header); unsafe requests with a session need
	// its CSRF token. cred is the credential.
	session *session
	cred    string
}

// Name is how pages show the principal.
func (p Principal) Name() string {
	switch {
	case p.Admin:
		return "cluster"
	case p.Anonymous:
		return "anonymous"
	}
	return p.Tenant
}

// OwnerName is how pages show a job's owner.
func OwnerName(owner string) string {
	if owner == "" {
		return "cluster"
	}
	return owner
}

// Access levels of a job.
type access int

const (
	readJob  access = iota // its status, counters, configuration, tasks
	readLogs               // its attempts' logs
	control                // kill it
)

// may reports whether p may do what level needs to a job of owner.
func (p Principal) may(level access, owner string, publicRead bool) bool {
	if p.Admin {
		return true
	}
	own := !p.Anonymous && p.Tenant != "" && p.Tenant == owner
	if level == readJob {
		return own || publicRead
	}
	return own
}

// errAuthUnavailable is returned when Swift cannot be asked.
var errAuthUnavailable = errors.New("the Swift auth service is unavailable")

// authUnavailable is what a client is told when Swift cannot be asked: the
// error's detail names Swift's internal address, so only the log has it.
const authUnavailable = "the Swift auth service is unavailable: try again (the jobtracker's log says why)"

// authenticator checks credentials.
type authenticator struct {
	cfg   AuthConfig
	mu    sync.Mutex
	cache map[string]cached
	// sessions are the UI's logins by id; now is the clock sessions
	// expire by (tests move it).
	sessions map[string]*session
	now      func() time.Time
	// codes are the live one-time login codes (logincode.go).
	codes []loginCode
}

// session is one UI login.
type session struct {
	id, cred, csrf string
	expires        time.Time
}

type cached struct {
	tenant  string
	ok      bool
	expires time.Time
}

var accountPattern = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,255}$`)

func newAuthenticator(cfg AuthConfig) (*authenticator, error) {
	if cfg.CacheTTL <= 0 {
		cfg.CacheTTL = 30 * time.Second
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 10 * time.Second}
	}
	cfg.SwiftURL = strings.TrimRight(cfg.SwiftURL, "/")
	if cfg.SwiftURL != "" {
		if u, err := url.Parse(cfg.SwiftURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("swift auth URL %q: want http(s)://host:port/v1", cfg.SwiftURL)
		}
	}
	if cfg.Token == "" && cfg.SwiftURL == "" {
		return nil, errors.New("authentication needs a cluster token or a Swift URL")
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	return &authenticator{cfg: cfg, cache: map[string]cached{}, sessions: map[string]*session{}, now: time.Now}, nil
}

// maxSessions bounds the sessions kept: a login beyond it drops the
// oldest-expiring ones.
const maxSessions = 100000

// randomID is 32 bytes from crypto/rand, base64url.
func randomID() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("make a session id: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// newSession starts a session for a checked credential.
func (a *authenticator) newSession(cred string) (*session, error) {
	id, err := randomID()
	if err != nil {
		return nil, err
	}
	csrf, err := randomID()
	if err != nil {
		return nil, err
	}
	ss := &session{id: id, cred: cred, csrf: csrf, expires: a.now().Add(a.cfg.SessionTTL)}
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.now()
	for k, v := range a.sessions {
		if !now.Before(v.expires) {
			delete(a.sessions, k)
		}
	}
	for len(a.sessions) >= maxSessions {
		var oldest *session
		for _, v := range a.sessions {
			if oldest == nil || v.expires.Before(oldest.expires) {
				oldest = v
			}
		}
		delete(a.sessions, oldest.id)
	}
	a.sessions[id] = ss
	return ss, nil
}

// session returns the live session of an id (nil: unknown, ended or
// expired).
func (a *authenticator) session(id string) *session {
	a.mu.Lock()
	defer a.mu.Unlock()
	ss := a.sessions[id]
	if ss == nil {
		return nil
	}
	if !a.now().Before(ss.expires) {
		delete(a.sessions, id)
		return nil
	}
	return ss
}

// endSession deletes a session.
func (a *authenticator) endSession(id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.sessions, id)
}

// credential returns the request's header credential, or else the
// session id of its session cookie (on the UI's pages only).
func credential(r *http.Request) (cred, sessionID string) {
	if v := r.Header.Get("X-Auth-Token"); v != "" {
		return v, ""
	}
	if v, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && v != "" {
		return strings.TrimSpace(v), ""
	}
	if user, pass, ok := r.BasicAuth(); ok && pass != "" {
		if user == "" || user == basicUser {
			return pass, ""
		}
		return user + ":" + pass, ""
	}
	if !isUI(r) {
		return "", ""
	}
	if c, err := r.Cookie(cookieName); err == nil && c.Value != "" {
		return "", c.Value
	}
	return "", ""
}

// basicUser is the HTTP Basic user name whose password is the whole
// credential (the cluster token, or ACCOUNT:TOKEN).
const basicUser = "zebra"

// cookieName is the UI session cookie; cookiePath scopes it to the UI.
const (
	cookieName = "zebra_session"
	cookiePath = "/ui/"
)

// check authenticates a credential; ok is false for a wrong one.
func (a *authenticator) check(ctx context.Context, cred string) (p Principal, ok bool, err error) {
	if cred == "" {
		return Principal{}, false, nil
	}
	if a.cfg.Token != "" && subtle.ConstantTimeCompare([]byte(cred), []byte(a.cfg.Token)) == 1 {
		return Principal{Admin: true, cred: cred}, true, nil
	}
	account, token, found := strings.Cut(cred, ":")
	if !found || a.cfg.SwiftURL == "" || !accountPattern.MatchString(account) || token == "" {
		return Principal{}, false, nil
	}
	sum := sha256.Sum256([]byte(cred))
	key := string(sum[:])
	a.mu.Lock()
	c, hit := a.cache[key]
	a.mu.Unlock()
	if hit && time.Now().Before(c.expires) {
		return Principal{Tenant: c.tenant, cred: cred}, c.ok, nil
	}
	valid, err := a.askSwift(ctx, account, token)
	if err != nil {
		return Principal{}, false, err
	}
	a.mu.Lock()
	if len(a.cache) > 10000 {
		a.cache = map[string]cached{}
	}
	a.cache[key] = cached{tenant: account, ok: valid, expires: time.Now().Add(a.cfg.CacheTTL)}
	a.mu.Unlock()
	return Principal{Tenant: account, cred: cred}, valid, nil
}

// askSwift asks Swift whether token is the owner of account: a HEAD of
// the account's storage URL must succeed, and so must a POST without any
// header, which Swift allows only to the account's owners (and holders of
// its "admin" ACL, who may do what owners do), not to tokens that a
// read-only or read-write account ACL lets in. Such a token may read (or
// write) the account's containers in Swift, but it is not the account as
// far as zebra is concerned: its jobs, logs and kills. The empty POST
// changes no metadata.
func (a *authenticator) askSwift(ctx context.Context, account, token string) (bool, error) {
	for _, method := range []string{http.MethodHead, http.MethodPost} {
		req, err := http.NewRequestWithContext(ctx, method, a.cfg.SwiftURL+"/"+url.PathEscape(account), nil)
		if err != nil {
			return false, fmt.Errorf("%w: %w", errAuthUnavailable, err)
		}
		req.Header.Set("X-Auth-Token", token)
		resp, err := a.cfg.Client.Do(req)
		if err != nil {
			return false, fmt.Errorf("%w: %w", errAuthUnavailable, err)
		}
		resp.Body.Close()
		switch {
		case resp.StatusCode/100 == 2:
			continue
		case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusNotFound:
			return false, nil
		}
		return false, fmt.Errorf("%w: %s %s answered %s", errAuthUnavailable, method, req.URL.Redacted(), resp.Status)
	}
	return true, nil
}

const principalKey = "zebra.principal"

// principal is the request's principal (set by authenticate).
func principal(c *gin.Context) Principal {
	p, _ := c.Get(principalKey)
	pp, _ := p.(Principal)
	return pp
}

// authenticate is the middleware of every route that needs a principal:
// it rejects requests without a valid credential (unless PublicRead lets
// anonymous ones read) and cookie-authenticated unsafe requests without
// the CSRF token.
func (s *Server) authenticate(c *gin.Context) {
	cred, sid := credential(c.Request)
	var ss *session
	if sid != "" {
		if ss = s.auth.session(sid); ss == nil {
			s.deny(c, http.StatusUnauthorized, "your session has ended (expired or logged out): log in again")
			return
		}
		cred = ss.cred
	}
	p, ok, err := s.auth.check(c.Request.Context(), cred)
	switch {
	case err != nil:
		s.log.Warn("authentication failed", "err", err)
		s.deny(c, http.StatusServiceUnavailable, authUnavailable)
		return
	case !ok && cred != "":
		s.deny(c, http.StatusUnauthorized, "the token is not valid (or has expired)")
		return
	case !ok && !(s.auth.cfg.PublicRead && safeMethod(c.Request.Method)):
		s.deny(c, http.StatusUnauthorized, "authentication required: send the cluster token (ZEBRA_TOKEN) or ACCOUNT:SWIFT_TOKEN as X-Auth-Token, as a Bearer token, or as the HTTP Basic password of user zebra")
		return
	case !ok:
		p = Principal{Anonymous: true}
	}
	if ok {
		p.session = ss
	}
	if _, _, basic := c.Request.BasicAuth(); basic && !safeMethod(c.Request.Method) && !s.sameOrigin(c.Request) {
		s.deny(c, http.StatusForbidden, "a request with HTTP Basic credentials must not come from another site")
		return
	}
	if p.session != nil && !safeMethod(c.Request.Method) {
		if !s.sameOrigin(c.Request) || subtle.ConstantTimeCompare([]byte(csrfOf(c.Request)), []byte(p.session.csrf)) != 1 {
			s.deny(c, http.StatusForbidden, "missing or wrong CSRF token: reload the page and try again")
			return
		}
	}
	c.Set(principalKey, p)
	c.Next()
}

// csrfOf is the CSRF token a request sends back: the X-CSRF-Token header
// or a URL-encoded form's csrf field (other bodies are never parsed).
func csrfOf(r *http.Request) string {
	if v := r.Header.Get("X-CSRF-Token"); v != "" {
		return v
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		r.Body = http.MaxBytesReader(nil, r.Body, 1<<20)
		return r.PostFormValue("csrf")
	}
	return ""
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// sameOrigin rejects a request whose Origin (when the browser sends one)
// is another site.
func (s *Server) sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" || o == "null" {
		return o == ""
	}
	u, err := url.Parse(o)
	return err == nil && u.Host == r.Host
}

// deny answers an authentication failure: the UI's pages redirect to the
// login page, the APIs answer JSON.
func (s *Server) deny(c *gin.Context, code int, msg string) {
	if code == http.StatusUnauthorized && isUI(c.Request) && safeMethod(c.Request.Method) {
		c.Redirect(http.StatusSeeOther, "/ui/login?next="+url.QueryEscape(c.Request.URL.RequestURI()))
		c.Abort()
		return
	}
	if code == http.StatusUnauthorized {
		c.Header("WWW-Authenticate", `Bearer realm="zebra"`)
	}
	if isUI(c.Request) {
		s.errorPage(c, code, msg)
		c.Abort()
		return
	}
	apiError(c, code, msg)
}

func isUI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/ui/") || r.URL.Path == "/ui" }

// requireAdmin lets only the cluster token through (the worker protocol,
// the tracker's other routes).
func (s *Server) requireAdmin(c *gin.Context) {
	if isUI(c.Request) {
		s.fail(c, http.StatusNotFound, "no page "+c.Request.URL.Path)
		return
	}
	if !principal(c).Admin {
		s.deny(c, http.StatusForbidden, "this endpoint needs the cluster token")
		return
	}
	c.Next()
}

// login is the UI's login: GET shows the form (or, with ?code=, redeems a
// one-time login code, logincode.go: the link `zebra up` prints, unless
// another site sent the browser there, see fromUserOrUI), POST takes the
// form (unless another site posted it). A token in the address (?token=)
// is refused, never checked nor logged: an address is kept in the
// browser's history, in the logs of servers and proxies, and sent on in
// Referer headers, where a long-lived credential must not be.
func (s *Server) login(c *gin.Context) {
	next := c.Query("next")
	if c.Request.Method == http.MethodPost {
		next = c.PostForm("next")
	}
	next = safeNext(next)
	if c.Request.Method == http.MethodPost && !s.sameOrigin(c.Request) {
		s.errorPage(c, http.StatusForbidden, "a login form posted from another site is refused: log in from this site's login page")
		return
	}
	// The login page and the answers to its form carry no Referer
	// anywhere (a code in this page's URL must not travel on).
	c.Header("Referrer-Policy", "no-referrer")
	c.Header("Cache-Control", "no-store")
	if _, ok := c.Request.URL.Query()["token"]; ok {
		s.render(c, http.StatusBadRequest, "login", page{Title: "Log in", Data: map[string]any{"Next": next,
			"Error": "A token in the address is not accepted: addresses are kept in the browser's history and in server and proxy logs, " +
				"and sent on to other sites, so the token could leak. Paste the token below, or run `zebra ui` for a one-time login link. " +
				"If this address was shared or stored, replace the token."}})
		return
	}
	var cred, code string
	if c.Request.Method == http.MethodPost {
		cred, code = strings.TrimSpace(c.PostForm("token")), strings.TrimSpace(c.PostForm("code"))
	} else if code = c.Query("code"); code != "" && !fromUserOrUI(c.Request) {
		s.render(c, http.StatusForbidden, "login", page{Title: "Log in", Data: map[string]any{"Next": next,
			"Error": "A login link followed from another site is refused (it could log you in to someone else's account): " +
				"open the link yourself, from the address bar, or paste the token below."}})
		return
	}
	if code != "" && cred == "" && c.Request.Method != http.MethodPost {
		// The link's GET shows a page whose script posts the code: a
		// link previewer (a chat's unfurler) fetching the link neither
		// uses the code up nor gets the session.
		s.render(c, http.StatusOK, "login", page{Title: "Log in", Data: map[string]any{"Next": next, "Code": code}})
		return
	}
	if code != "" && cred == "" {
		var ok bool
		if cred, ok = s.auth.redeemLoginCode(code); !ok {
			s.render(c, http.StatusUnauthorized, "login", page{Title: "Log in", Data: map[string]any{"Next": next,
				"Error": "That login link is not valid: it was used already, it has expired (links last " + LoginCodeTTL.String() +
					") or it was mistyped. Run `zebra ui` for a new link, or paste the token below."}})
			return
		}
	}
	if cred == "" {
		s.render(c, http.StatusOK, "login", page{Title: "Log in", Data: map[string]any{"Next": next}})
		return
	}
	_, ok, err := s.auth.check(c.Request.Context(), cred)
	if err != nil || !ok {
		msg := "That token is not valid."
		if err != nil {
			s.log.Warn("login failed", "err", err)
			msg = authUnavailable
		}
		s.render(c, http.StatusUnauthorized, "login", page{Title: "Log in", Data: map[string]any{"Next": next, "Error": msg}})
		return
	}
	ss, err := s.auth.newSession(cred)
	if err != nil {
		s.errorPage(c, http.StatusInternalServerError, err.Error())
		return
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: cookieName, Value: ss.id, Path: cookiePath, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: c.Request.TLS != nil, MaxAge: int(s.auth.cfg.SessionTTL / time.Second)})
	c.Redirect(http.StatusSeeOther, next)
}

// fromUserOrUI reports whether a GET is the user's own navigation (the
// address bar, a bookmark, a link opened from a terminal) or comes from
// this origin's pages, as the browser tells: Sec-Fetch-Site none or
// same-origin. A request another site made — a link, a redirect, an
// image, a page served by run on open (an opaque origin) — is
// cross-site, or same-site from another port of the host, and is not.
// A browser without Fetch Metadata is judged by its Referer (another
// origin's: not); a request with neither (a client that is no browser,
// or a user's navigation) is.
func fromUserOrUI(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "none", "same-origin":
		return true
	case "":
		ref := r.Header.Get("Referer")
		if ref == "" {
			return true
		}
		u, err := url.Parse(ref)
		return err == nil && u.Host == r.Host
	}
	return false
}

// logout ends the session on the server and clears the cookie.
func (s *Server) logout(c *gin.Context) {
	if ss := principal(c).session; ss != nil {
		s.auth.endSession(ss.id)
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: cookieName, Value: "", Path: cookiePath, HttpOnly: true, MaxAge: -1,
		SameSite: http.SameSiteStrictMode, Secure: c.Request.TLS != nil})
	c.Redirect(http.StatusSeeOther, "/ui/login")
}

// safeNext is where the login may send the browser afterwards: next if
// it is a path of the UI on this origin, else /ui/. It refuses anything a
// browser or a proxy could read as another place: a scheme or host
// (also scheme-relative //host and /\host), backslashes, control
// characters, "." or ".." segments raw or percent-encoded, an encoded
// slash or backslash, and any path that cleans to something else; what it
// returns is rebuilt from the parsed path and query.
func safeNext(next string) string {
	const home = "/ui/"
	if next == "" || len(next) > 2048 || strings.ContainsAny(next, "\\\x00") || strings.HasPrefix(next, "//") {
		return home
	}
	for _, r := range next {
		if r < 0x20 || r == 0x7f {
			return home
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || u.Fragment != "" {
		return home
	}
	raw := u.EscapedPath()
	lower := strings.ToLower(raw)
	if strings.Contains(lower, "%2e") || strings.Contains(lower, "%2f") || strings.Contains(lower, "%5c") || strings.Contains(lower, "%25") {
		return home
	}
	p := u.Path
	if !strings.HasPrefix(p, home) || strings.Contains(p, "//") {
		return home
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == "." || seg == ".." {
			return home
		}
	}
	if cleaned := path.Clean(p); cleaned != strings.TrimSuffix(p, "/") && cleaned+"/" != p {
		return home
	}
	out := raw
	if u.RawQuery != "" {
		out += "?" + u.RawQuery
	}
	return out
}
