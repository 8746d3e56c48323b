package web

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"zebra/jobtracker/api"

	"github.com/gin-gonic/gin"
)

// The run-on-open gateway: GET /open/CONTAINER/OBJECT?app=CONTAINER/APP&…
// (or /open/ACCOUNT/CONTAINER/OBJECT) authenticates the request like every
// other, asks Swift where the object's replicas are (list_endpoints) and
// passes the request on to the worker beside one of them
// (jobtracker/worker's Opener), which runs the app there on the local replica. The
// response is the worker's, streamed. See docs/open.md.
//
// A tenant (ACCOUNT:TOKEN) opens objects of its own account only, with its
// own Swift token, which the worker uses for every Swift request, so Swift
// decides what it may read. The cluster token opens objects with the
// workers' own Swift credentials (the operator's account by default).
//
// The worker is the one beside a replica with the fewest opens in flight
// from this gateway and attempts running (ties: ring order, so repeated
// opens of an object meet a warm app cache); if it cannot be reached or is
// busy, the next one, and at last any other live worker (which reads
// through the proxy).

// opener is the gateway's state.
type opener struct {
	client *http.Client
	mu     sync.Mutex
	flying map[string]*atomic.Int64 // worker URL → opens in flight
}

func newOpener() *opener {
	// A clone of the default transport keeps the TLS trust the process
	// set up (pki.Trust).
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil
	tr.DialContext = (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	tr.MaxIdleConnsPerHost = 64
	tr.IdleConnTimeout = 90 * time.Second
	tr.ResponseHeaderTimeout = 5 * time.Minute
	// A worker's redirect is answered as it is, never followed (with the
	// cluster token) elsewhere.
	noRedirect := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &opener{client: &http.Client{Transport: tr, CheckRedirect: noRedirect}, flying: map[string]*atomic.Int64{}}
}

// openTarget is what an /open path names.
type openTarget struct {
	account, container, object string
}

// openPath splits an /open path: CONTAINER/OBJECT, or ACCOUNT/CONTAINER/OBJECT
// when the first part is the tenant's account or starts with AUTH_. A path
// with a "." or ".." segment is refused: passed on to a worker, it would
// name another of the worker's resources once cleaned (its attempt logs).
func openPath(p Principal, raw string) (openTarget, bool) {
	raw = strings.TrimPrefix(raw, "/")
	for _, seg := range strings.Split(raw, "/") {
		if seg == "." || seg == ".." {
			return openTarget{}, false
		}
	}
	parts := strings.SplitN(raw, "/", 3)
	if len(parts) == 3 && (parts[0] == p.Tenant || strings.HasPrefix(parts[0], "AUTH_")) && parts[2] != "" {
		return openTarget{parts[0], parts[1], parts[2]}, true
	}
	c, o, ok := strings.Cut(raw, "/")
	if !ok || c == "" || o == "" {
		return openTarget{}, false
	}
	return openTarget{container: c, object: o}, true
}

// open serves GET /open/*path.
func (s *Server) open(c *gin.Context) {
	start := time.Now()
	defer func() {
		s.metrics.opens.WithLabelValues(strconv.Itoa(c.Writer.Status())).Inc()
		s.metrics.openTimes.Observe(time.Since(start).Seconds())
	}()
	p := principal(c)
	if p.Anonymous {
		s.deny(c, http.StatusUnauthorized, "authentication required: open needs the cluster token (ZEBRA_TOKEN) or ACCOUNT:SWIFT_TOKEN as X-Auth-Token (the UI's session cookie does not reach /open)")
		return
	}
	t, ok := openPath(p, c.Param("path"))
	if !ok {
		apiError(c, http.StatusBadRequest, "open needs an object: /open/CONTAINER/OBJECT?app=CONTAINER/APP (no \".\" or \"..\" segments)")
		return
	}
	if !p.Admin {
		if t.account != "" && t.account != p.Tenant {
			apiError(c, http.StatusForbidden, fmt.Sprintf("%s may not open objects of account %s (only of its own)", p.Tenant, t.account))
			return
		}
		t.account = p.Tenant
	}
	ctx := c.Request.Context()
	if s.locate == nil {
		apiError(c, http.StatusServiceUnavailable, "open: this jobtracker cannot locate objects (no Swift configured)")
		return
	}
	var cred *api.SwiftCredential
	if !p.Admin {
		surl, tok := s.tenantSwift(p)
		cred = &api.SwiftCredential{StorageURL: surl, Token: tok}
	}
	acct, nodes, err := s.locate(ctx, cred, t.account, "/"+t.container+"/"+t.object)
	var unavailable *Unavailable
	switch {
	case errors.As(err, &unavailable):
		apiError(c, http.StatusServiceUnavailable, "open: "+err.Error())
		return
	case err != nil:
		apiError(c, http.StatusBadGateway, "open: locate the object's replicas: "+err.Error())
		return
	}
	t.account = acct
	cands := s.openCandidates(nodes)
	if len(cands) == 0 {
		apiError(c, http.StatusServiceUnavailable, "open: no live worker to run the app")
		return
	}
	u := "/open/" + url.PathEscape(t.account) + "/" + url.PathEscape(t.container) + "/" + (&url.URL{Path: t.object}).EscapedPath()
	if c.Request.URL.RawQuery != "" {
		u += "?" + c.Request.URL.RawQuery
	}
	var errs []string
	for _, w := range cands {
		resp, err := s.forwardOpen(ctx, w, u, p, t.account, c.Request.Header.Get("Accept"), c.Request.Host)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			errs = append(errs, err.Error())
			continue
		}
		s.relayOpen(c, resp)
		return
	}
	apiError(c, http.StatusServiceUnavailable, "open: no worker could run the app: "+strings.Join(errs, "; "))
}

// tenantSwift is a tenant's storage URL and Swift token.
func (s *Server) tenantSwift(p Principal) (storageURL, token string) {
	_, token, _ = strings.Cut(p.cred, ":")
	return s.auth.cfg.SwiftURL + "/" + p.Tenant, token
}

// openCandidates orders the workers to try: those beside a replica, the
// least loaded first (ties in ring order), then every other live one.
func (s *Server) openCandidates(nodes []string) []string {
	views := s.t.WorkerViews()
	rank := map[string]int{}
	for i, n := range nodes {
		if _, ok := rank[n]; !ok {
			rank[n] = i
		}
	}
	type cand struct {
		url        string
		local      bool
		load, rank int
	}
	var cs []cand
	for _, v := range views {
		if v.LogURL == "" || !v.Healthy {
			continue
		}
		r, local := 0, false // a worker may sit beside several nodes (--node a,b)
		for _, n := range strings.Split(v.Node, ",") {
			if i, ok := rank[strings.TrimSpace(n)]; ok && (!local || i < r) {
				r, local = i, true
			}
		}
		cs = append(cs, cand{url: v.LogURL, local: local, load: int(s.opener.inFlight(v.LogURL).Load()) + v.Running, rank: r})
	}
	slices.SortStableFunc(cs, func(a, b cand) int {
		if a.local != b.local {
			if a.local {
				return -1
			}
			return 1
		}
		if !a.local {
			return cmp.Compare(a.load, b.load)
		}
		return cmp.Or(cmp.Compare(a.load, b.load), cmp.Compare(a.rank, b.rank))
	})
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.url
	}
	return out
}

func (o *opener) inFlight(worker string) *atomic.Int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := o.flying[worker]
	if n == nil {
		n = &atomic.Int64{}
		o.flying[worker] = n
	}
	return n
}

// Unavailable is an error of a Locate function that means the storage
// cannot be asked at all (no credentials, no client), answered with 503;
// any other error of Locate is the storage's answer, 502.
type Unavailable struct{ Err error }

func (u *Unavailable) Error() string { return u.Err.Error() }
func (u *Unavailable) Unwrap() error { return u.Err }

// errBusy is a worker without a free run slot.
var errBusy = errors.New("busy")

// forwardOpen sends an open to a worker. An error means: try another.
func (s *Server) forwardOpen(ctx context.Context, base, path string, p Principal, account, accept, host string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("X-Auth-Token", s.auth.cfg.Token)
	if !p.Admin {
		surl, tok := s.tenantSwift(p)
		req.Header.Set(api.HeaderStorageURL, surl)
		req.Header.Set(api.HeaderSwiftToken, tok)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	// The host the client asked (the app's SERVER_NAME and SERVER_PORT).
	req.Header.Set("X-Forwarded-Host", host)
	n := s.opener.inFlight(base)
	n.Add(1)
	resp, err := s.opener.client.Do(req)
	if err != nil {
		n.Add(-1)
		s.log.Warn("open: worker unreachable, trying another", "worker", base, "err", err)
		return nil, fmt.Errorf("%s: %w", base, err)
	}
	if resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get(api.HeaderBusy) != "" {
		n.Add(-1)
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		resp.Body.Close()
		return nil, fmt.Errorf("%s: %w", base, errBusy)
	}
	resp.Body = &doneBody{ReadCloser: resp.Body, done: func() { n.Add(-1) }}
	return resp, nil
}

// doneBody calls done once when closed.
type doneBody struct {
	io.ReadCloser
	once sync.Once
	done func()
}

func (b *doneBody) Close() error {
	b.once.Do(b.done)
	return b.ReadCloser.Close()
}

// relayedHeaders are the worker's headers passed on.
var relayedHeaders = []string{"Content-Type", "Content-Length", "Cache-Control", "Content-Disposition", "Content-Language",
	"Retry-After", api.HeaderAppCache, api.HeaderWorker, api.HeaderRead}

// openIsolation are the headers every answer of /open carries, whatever
// the worker or the app said. An app's output is a tenant's content served
// from the jobtracker's origin, which is also the UI's: "sandbox" (without
// allow-same-origin) makes a browser run an HTML or SVG answer in a unique
// opaque origin, so its scripts cannot read the UI's pages or the APIs,
// nor the cookies; nosniff keeps the declared type; no-referrer keeps the
// URL (with its parameters) from leaking. The UI's session cookie is not
// sent to /open at all (Path /ui/), and /open ignores it: an open
// authenticates with a header only.
var openIsolation = map[string]string{
	"Content-Security-Policy":    "sandbox",
	"X-Content-Type-Options":     "nosniff",
	"Referrer-Policy":            "no-referrer",
	"Cross-Origin-Opener-Policy": "same-origin",
}

// relayOpen streams a worker's answer to the client. A body cut short
// aborts the client's connection too.
func (s *Server) relayOpen(c *gin.Context, resp *http.Response) {
	defer resp.Body.Close()
	h := c.Writer.Header()
	for _, k := range relayedHeaders {
		if v := resp.Header.Get(k); v != "" {
			h.Set(k, v)
		}
	}
	for k, v := range openIsolation {
		h.Set(k, v)
	}
	c.Status(resp.StatusCode)
	c.Writer.WriteHeaderNow()
	if _, err := io.Copy(c.Writer, resp.Body); err != nil && c.Request.Context().Err() == nil {
		s.log.Warn("open: the worker's answer broke off", "err", err)
		panic(http.ErrAbortHandler)
	}
}
