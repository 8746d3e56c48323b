// Package gateway serves ZeroCloud's wire protocol in front of a Swift
// proxy: a POST to a Swift storage URL (/v1/<account>[/<container>/<object>])
// with X-Zerovm-Execute and the account's bare Swift X-Auth-Token runs a
// job (a JSON description, a "#!" script or a tar image holding
// boot/system.map, or the object X-Zerovm-Source names), and every other
// request passes through to the proxy unchanged (streamed both ways, the
// Host header and the path kept), so that Swift clients given the
// gateway's URL (python-swiftclient, zpm) work as they did against
// ZeroCloud's proxy. Because the Host header is kept, Swift's tempauth
// answers a login made through the gateway with the gateway's own storage
// URL ($HOST/v1/AUTH_...), and the clients stay on the gateway.
//
// The gateway authorizes, reads the request's job (Read) and defers; the
// job is compiled, run and answered by Config.Run (the jobtracker's web
// front, which owns the reply).
package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Config configures a Gateway.
type Config struct {
	// Proxy is the Swift proxy's root URL (http://127.0.0.1:8080).
	Proxy *url.URL
	// Authorize reports whether token is a Swift token of the owner of
	// account (a wrong token, or another account's: false); an error
	// means Swift could not be asked.
	Authorize func(ctx context.Context, account, token string) (bool, error)
	// Run compiles, runs and answers the job of an authorized request:
	// JobOf(r.Context()) is the job Read made of it.
	Run http.Handler
	// Client makes the gateway's own Swift requests (X-Zerovm-Source,
	// deferred results); default: a client without a timeout (bodies
	// are streamed).
	Client *http.Client
	// Interactive is how long X-Zerovm-Deferred: auto waits for the job
	// to end before deferring (ZeroCloud's interactive_timeout; default
	// 11 s, ZeroCloud's 10 s zerovm_timeout and its grace).
	Interactive time.Duration
	// Timeout, if positive, is ZeroCloud's zerovm_timeout: posted jobs
	// get it as their instances' wall-clock limit, and apps see it as
	// HTTP_X_ZEROVM_TIMEOUT (seconds), as ZeroCloud set it.
	Timeout time.Duration
	Logger  *slog.Logger
}

// Gateway is the http.Handler of ZeroCloud's wire protocol.
type Gateway struct {
	cfg   Config
	proxy *httputil.ReverseProxy
	log   *slog.Logger
}

// New checks cfg and builds the gateway.
func New(cfg Config) (*Gateway, error) {
	if cfg.Proxy == nil || (cfg.Proxy.Scheme != "http" && cfg.Proxy.Scheme != "https") || cfg.Proxy.Host == "" {
		return nil, errors.New("zerocloud gateway: the Swift proxy's URL (http://host:port) is required")
	}
	if cfg.Authorize == nil || cfg.Run == nil {
		return nil, errors.New("zerocloud gateway: Authorize and Run are required")
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{}
	}
	if cfg.Interactive <= 0 {
		cfg.Interactive = 11 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	target := &url.URL{Scheme: cfg.Proxy.Scheme, Host: cfg.Proxy.Host}
	g := &Gateway{cfg: cfg, log: cfg.Logger.With("component", "zerocloud-gateway")}
	g.proxy = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			// Swift builds URLs it answers (tempauth's storage URL)
			// from the Host the client used: the gateway's.
			pr.Out.Host = pr.In.Host
		},
		// Stream: never hold a response body back.
		FlushInterval: -1,
		// Bodies go through in large pieces (fewer system calls than
		// the default 32 KiB copies and 4 KiB transport buffers).
		BufferPool: bufferPool{},
		Transport:  passTransport(),
		ErrorLog:   slog.NewLogLogger(g.log.Handler(), slog.LevelWarn),
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if r.Context().Err() != nil {
				return // the client went away
			}
			g.log.Warn("swift proxy request failed", "method", r.Method, "path", r.URL.Path, "err", err)
			http.Error(w, "the Swift proxy could not be reached", http.StatusBadGateway)
		},
	}
	return g, nil
}

// copyBuffer is the size of the pass-through's copy buffers.
const copyBuffer = 256 << 10

var copyBuffers = sync.Pool{New: func() any { b := make([]byte, copyBuffer); return &b }}

// bufferPool lends the reverse proxy its copy buffers.
type bufferPool struct{}

func (bufferPool) Get() []byte  { return *copyBuffers.Get().(*[]byte) }
func (bufferPool) Put(b []byte) { copyBuffers.Put(&b) }

// passTransport is http.DefaultTransport's settings with large buffers.
func passTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.WriteBufferSize, t.ReadBufferSize = copyBuffer, copyBuffer
	t.MaxIdleConnsPerHost = 64
	return t
}

// Target names the account (and object, if any) a request's URL names.
type Target struct {
	// Version is the URL's first segment (v1).
	Version string
	// Account, Container and Object are the rest ("" when absent);
	// Object may hold slashes.
	Account, Container, Object string
}

// accountName is what zebra accepts as a Swift account name (as the
// jobtracker's authentication does).
var accountName = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,255}$`)

// parseTarget splits /VERSION/ACCOUNT[/CONTAINER[/OBJECT]] (as Swift's
// split_path with 1 to 4 segments, the last keeping its slashes).
func parseTarget(p string) (Target, error) {
	if !strings.HasPrefix(p, "/") {
		return Target{}, errors.New("the path must start with /")
	}
	parts := strings.SplitN(p[1:], "/", 4)
	var t Target
	t.Version = parts[0]
	if len(parts) < 2 || parts[1] == "" {
		return Target{}, errors.New("the path names no account: POST to /v1/<account>")
	}
	t.Account = parts[1]
	if !accountName.MatchString(t.Account) {
		return Target{}, fmt.Errorf("%q is not an account name", t.Account)
	}
	if len(parts) > 2 {
		t.Container = parts[2]
		if len(parts) > 3 {
			t.Object = parts[3]
		}
		if t.Container == "" || (len(parts) > 3 && t.Object == "") || (len(parts) == 3 && strings.HasSuffix(p, "/")) {
			return Target{}, errors.New("the path has an empty container or object name")
		}
		for _, seg := range strings.Split(t.Container+"/"+t.Object, "/") {
			if seg == "." || seg == ".." {
				return Target{}, errors.New(`the path has a "." or ".." segment`)
			}
		}
	}
	if t.Container != "" && t.Object == "" {
		// ZeroCloud ran nothing on a container: it is neither the
		// account nor an object.
		return Target{}, errors.New("POST to /v1/<account> or /v1/<account>/<container>/<object>, not to a container")
	}
	return t, nil
}

// ServeHTTP runs a request with X-Zerovm-Execute as a job and passes any
// other to the Swift proxy.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if len(r.Header.Values("X-Zerovm-Execute")) == 0 {
		g.proxy.ServeHTTP(w, r)
		return
	}
	g.execute(w, r)
}

// execute handles a request with X-Zerovm-Execute.
func (g *Gateway) execute(w http.ResponseWriter, r *http.Request) {
	if v := strings.ToLower(r.Header.Get("X-Zerovm-Execute")); v == "open/1.0" || v == "api/1.0" {
		// ZeroCloud's other controllers: run on open is the
		// jobtracker's /open; REST endpoints are not served.
		fail(w, http.StatusNotImplemented, fmt.Sprintf("X-Zerovm-Execute: %s is not served here: run an app on an object with the jobtracker's GET /open/<account>/<container>/<object>", v))
		return
	}
	t, err := parseTarget(r.URL.Path)
	if err != nil {
		// ZeroCloud answered 412 "Bad URL".
		fail(w, http.StatusPreconditionFailed, "Bad URL: "+err.Error())
		return
	}
	if r.Method != http.MethodPost {
		fail(w, http.StatusNotImplemented, r.Method+" with X-Zerovm-Execute is not implemented: POST the job")
		return
	}
	token := r.Header.Get("X-Auth-Token")
	if token == "" {
		fail(w, http.StatusUnauthorized, "X-Auth-Token is missing: send the account's Swift token")
		return
	}
	ok, err := g.cfg.Authorize(r.Context(), t.Account, token)
	switch {
	case err != nil:
		// The detail names Swift's internal address: logged, not shown.
		g.log.Warn("authorization failed", "account", t.Account, "err", err)
		fail(w, http.StatusServiceUnavailable, "the token could not be checked: Swift's auth service did not answer (the gateway's log says why); try again")
		return
	case !ok:
		fail(w, http.StatusUnauthorized, "the token is not a valid token of account "+t.Account)
		return
	}
	if g.cfg.Timeout > 0 {
		// As ZeroCloud's proxy: the session timeout, whatever the
		// client sent (apps see it as HTTP_X_ZEROVM_TIMEOUT).
		r.Header.Set("X-Zerovm-Timeout", fmt.Sprint(int64(g.cfg.Timeout/time.Second)))
	} else {
		r.Header.Del("X-Zerovm-Timeout")
	}
	job, err := g.Read(r, t, token)
	if err != nil {
		var he *Error
		if errors.As(err, &he) {
			fail(w, he.Code, he.Msg)
			return
		}
		// The detail names the gateway's files: logged, not shown.
		g.log.Warn("read the posted job", "account", t.Account, "err", err)
		fail(w, http.StatusInternalServerError, "the job could not be read on the gateway (its log says why)")
		return
	}
	defer job.Close()
	job.Timeout = g.cfg.Timeout
	ctx := context.WithValue(r.Context(), jobKey{}, job)
	switch mode := deferMode(r.Header.Get("X-Zerovm-Deferred")); mode {
	case deferNever:
		defer g.release(t, token, job)
		g.cfg.Run.ServeHTTP(w, r.WithContext(ctx))
	default:
		g.deferred(w, r.WithContext(ctx), t, token, job, mode)
	}
}

// Error is a refusal of a request, with its HTTP status.
type Error struct {
	Code int
	Msg  string
}

func (e *Error) Error() string { return e.Msg }

func refuse(code int, format string, a ...any) error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, a...)}
}

// fail answers a refusal as ZeroCloud did: the reason as text/plain.
func fail(w http.ResponseWriter, code int, msg string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	fmt.Fprintln(w, msg)
}

type jobKey struct{}

// JobOf returns the job the gateway read from the request whose context
// is ctx (nil: not a gateway request).
func JobOf(ctx context.Context) *Job {
	j, _ := ctx.Value(jobKey{}).(*Job)
	return j
}
