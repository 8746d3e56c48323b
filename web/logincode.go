package web

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// One-time login codes.
//
// The link `zebra up` prints (and `zebra ui` prints again) logs a browser
// in with one click without the long-lived credential ever being in a
// URL, where it would outlive the login in the browser's history, in
// Referer headers and in proxies' logs. A holder of a credential asks
// POST /api/v1/login-codes for a code: 256 random bits (crypto/rand),
// base64url, that stands for that credential for LoginCodeTTL (5 minutes)
// and for one exchange only. GET /ui/login?code=CODE answers a page whose
// script (static/login.js; the page's CSP allows only this origin's
// scripts) posts the code back at once: one click for the user, while a
// link previewer that fetches the URL and runs no script neither uses the
// code up nor gets a session. That same-origin POST exchanges the code
// for the ordinary session cookie and deletes it, so the URL is useless
// afterwards: a replay, an expired code and a wrong one all get the login
// form again with the same message. A code is compared with every live code in
// constant time (subtle.ConstantTimeCompare of SHA-256 sums, which are
// all the same length, with no early exit), so the time a wrong code
// takes tells nothing about the live ones. The server keeps at most
// maxLoginCodes live codes (minting beyond that drops the oldest); they
// are in memory and end with the jobtracker. The request log has paths
// only, never the query, so codes are not logged.

// LoginCodeTTL is how long a one-time login code stays valid.
const LoginCodeTTL = 5 * time.Minute

// maxLoginCodes bounds the live codes.
const maxLoginCodes = 64

// loginCode is one live code: the SHA-256 of the code, the credential it
// stands for, and when it expires.
type loginCode struct {
	sum     [sha256.Size]byte
	cred    string
	expires time.Time
}

// LoginCode is the answer of POST /api/v1/login-codes.
type LoginCode struct {
	// Code is the one-time code.
	Code string `json:"code"`
	// Path is the login link's path and query on this server.
	Path string `json:"path"`
	// Expires is when the code stops working (RFC 3339).
	Expires time.Time `json:"expires"`
}

// newLoginCode mints a code for a checked credential.
func (a *authenticator) newLoginCode(cred string) (LoginCode, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return LoginCode{}, fmt.Errorf("make a login code: %w", err)
	}
	code := base64.RawURLEncoding.EncodeToString(b)
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.now()
	live := a.codes[:0]
	for _, c := range a.codes {
		if now.Before(c.expires) {
			live = append(live, c)
		}
	}
	if len(live) >= maxLoginCodes {
		live = live[len(live)-maxLoginCodes+1:]
	}
	lc := loginCode{sum: sha256.Sum256([]byte(code)), cred: cred, expires: now.Add(LoginCodeTTL)}
	a.codes = append(live, lc)
	return LoginCode{Code: code, Path: "/ui/login?code=" + code, Expires: lc.expires.UTC()}, nil
}

// redeemLoginCode returns the credential a live code stands for and
// deletes the code; ok is false for an unknown, used or expired one.
// Every live code is compared, in constant time, whatever matches.
func (a *authenticator) redeemLoginCode(code string) (cred string, ok bool) {
	sum := sha256.Sum256([]byte(code))
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.now()
	match := -1
	for i := range a.codes {
		eq := subtle.ConstantTimeCompare(sum[:], a.codes[i].sum[:])
		match = subtle.ConstantTimeSelect(eq, i, match)
	}
	if match < 0 {
		return "", false
	}
	c := a.codes[match]
	a.codes = append(a.codes[:match], a.codes[match+1:]...)
	if !now.Before(c.expires) {
		return "", false
	}
	return c.cred, true
}

// apiLoginCode mints a one-time login code for the request's own
// credential (anonymous requests get none).
func (s *Server) apiLoginCode(c *gin.Context) {
	p := principal(c)
	if p.Anonymous || p.cred == "" {
		apiError(c, http.StatusUnauthorized, "a login code stands for a credential: send the cluster token or ACCOUNT:SWIFT_TOKEN")
		return
	}
	lc, err := s.auth.newLoginCode(p.cred)
	if err != nil {
		apiError(c, http.StatusInternalServerError, err.Error())
		return
	}
	c.JSON(http.StatusCreated, lc)
}
