package worker

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"mime"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"zebra/jobtracker/api"
	"zebra/mapreduce"
	"zebra/swiftfs"
)

// Run on open: GET-time execution of an app on an object, served by each
// worker beside its object server and reached through the jobtracker's
// gateway (web/open.go), which authenticates the client and picks the
// worker beside a replica of the object:
//
//	GET /open/{account}/{container}/{object...}?app=CONTAINER/OBJECT&arg=A&k=v
//	GET /open-stats    the counters (OpenStats) as JSON
//
// Both need the cluster token as X-Auth-Token. The tenant's Swift token
// and storage URL come as api.HeaderSwiftToken and api.HeaderStorageURL; without
// them the worker uses its own Swift credentials (the operator's). Every
// read of the object and of the app is authorized by Swift (a HEAD through
// the proxy with those credentials); the object's bytes then come from the
// local replica when it holds the version the HEAD reported.
//
// The app (see apps.go) runs with the object as stdin: a wasm app sees no
// file and no socket at all, a bundle runs in the native sandbox (no
// network, only its own bundle, the system directories and the object,
// read-only at /dev/input as ZeroCloud's open apps read it). Without
// ?app= the app is the one the object's account registered for its
// Content-Type (template.go). Its stdout is the response (see output.go for the content
// type and the CGI form). docs/open.md is the user's reference.

// prepareTimeout bounds the HEADs and an app's validation.
const prepareTimeout = 2 * time.Minute

// WasmRunner runs WebAssembly apps (sandbox/wasm.Runner).
type WasmRunner interface {
	mapreduce.Runner
	// Prepare compiles and checks a module (and caches it).
	Prepare(path string) error
}

// OpenConfig configures an Opener.
type OpenConfig struct {
	// Token is the cluster token every request must carry ("" for none).
	Token string
	// Name is the worker's name (api.HeaderWorker); Node the "host:port" of
	// the object server beside it, whose replicas it reads directly.
	Name, Node string
	// Dir holds the validated apps; it is emptied when the Opener starts.
	Dir string
	// Wasm runs .wasm apps (nil: they are refused).
	Wasm WasmRunner
	// Native returns the native sandbox for script bundles (nil: they are
	// refused).
	Native func() (mapreduce.Runner, error)
	// Swift is the base configuration of the Swift clients (LocalNode is
	// set from Node).
	Swift swiftfs.Config
	// Timeout bounds one run (default 10 s, ZeroCloud's zerovm_timeout).
	Timeout time.Duration
	// MaxInput bounds the object a script bundle finds at /dev/input,
	// which is copied to the worker's disk (default 1 GiB, ZeroCloud's
	// zerovm_maxinput): a larger one is refused with 413.
	MaxInput int64
	// MaxRunning bounds the apps running at once (default 2 per CPU);
	// MaxQueued the opens waiting for one (default MaxRunning). Past both an
	// open answers 503 with api.HeaderBusy.
	MaxRunning, MaxQueued int
	Logger                *slog.Logger
}

// OpenStats are an Opener's counters since it started.
type OpenStats struct {
	// Validations counts app versions downloaded and validated; AppHits
	// the opens that found their app's version validated already.
	Validations int64 `json:"validations"`
	AppHits     int64 `json:"app_hits"`
	// Runs counts the apps started, Failed those that failed or timed out,
	// Running those running now, Busy the opens refused for want of a slot.
	Runs    int64 `json:"runs"`
	Failed  int64 `json:"failed"`
	Running int64 `json:"running"`
	Busy    int64 `json:"busy"`
}

// Opener serves run-on-open requests.
type Opener struct {
	cfg  OpenConfig
	log  *slog.Logger
	apps *appCache
	slot chan struct{}
	runs string // directory of the bundles' working directories

	queued                          atomic.Int64
	nRuns, nFailed, nRunning, nBusy atomic.Int64
	runSeq                          atomic.Int64

	mu  sync.Mutex
	fss map[string]*swiftfs.FS
}

// NewOpener returns an Opener; its app directory is emptied.
func NewOpener(cfg OpenConfig) (*Opener, error) {
	if cfg.Dir == "" {
		return nil, errors.New("open: an app directory is required")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.MaxInput <= 0 {
		cfg.MaxInput = defaultMaxInput
	}
	if cfg.MaxRunning <= 0 {
		cfg.MaxRunning = 2 * runtime.NumCPU()
	}
	if cfg.MaxQueued <= 0 {
		cfg.MaxQueued = cfg.MaxRunning
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	var prepare func(string) error
	if cfg.Wasm != nil {
		prepare = cfg.Wasm.Prepare
	}
	apps, err := newAppCache(filepath.Join(cfg.Dir, "apps"), prepare)
	if err != nil {
		return nil, err
	}
	runs := filepath.Join(cfg.Dir, "runs")
	if err := os.MkdirAll(runs, 0o755); err != nil {
		return nil, fmt.Errorf("open: %w", err)
	}
	return &Opener{cfg: cfg, log: cfg.Logger.With("component", "open"), apps: apps,
		slot: make(chan struct{}, cfg.MaxRunning), runs: runs, fss: map[string]*swiftfs.FS{}}, nil
}

// Stats returns the counters.
func (o *Opener) Stats() OpenStats {
	return OpenStats{Validations: o.apps.validations.Load(), AppHits: o.apps.hits.Load(), Runs: o.nRuns.Load(),
		Failed: o.nFailed.Load(), Running: o.nRunning.Load(), Busy: o.nBusy.Load()}
}

// Register adds the Opener's routes to mux.
func (o *Opener) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /open/{account}/{container}/{object...}", o.serveOpen)
	mux.HandleFunc("GET /open-stats", func(w http.ResponseWriter, r *http.Request) {
		if !o.authorized(w, r) {
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(o.Stats())
	})
}

func (o *Opener) authorized(w http.ResponseWriter, r *http.Request) bool {
	if o.cfg.Token != "" && subtle.ConstantTimeCompare([]byte(r.Header.Get("X-Auth-Token")), []byte(o.cfg.Token)) != 1 {
		openError(w, http.StatusUnauthorized, "a valid X-Auth-Token (the cluster token) is required")
		return false
	}
	return true
}

// openError answers an error as the API does ({"error": msg}).
func openError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(api.Error{Error: msg})
}

var paramName = regexp.MustCompile(`[^A-Z0-9_]`)

// serveOpen runs an app on an object.
func (o *Opener) serveOpen(w http.ResponseWriter, r *http.Request) {
	if !o.authorized(w, r) {
		return
	}
	account, container, object := r.PathValue("account"), r.PathValue("container"), r.PathValue("object")
	q := r.URL.Query()
	appName := strings.Trim(q.Get("app"), "/")
	switch {
	case object == "" || strings.HasSuffix(object, "/"):
		openError(w, http.StatusBadRequest, "open needs an object: /open/CONTAINER/OBJECT?app=CONTAINER/APP")
		return
	case appName != "" && !strings.Contains(appName, "/"):
		openError(w, http.StatusBadRequest, "app "+appName+" is not CONTAINER/OBJECT")
		return
	}
	fs, err := o.fsFor(r, account)
	if err != nil {
		openError(w, http.StatusBadRequest, err.Error())
		return
	}
	if !o.acquire(r.Context()) {
		o.nBusy.Add(1)
		w.Header().Set(api.HeaderBusy, "1")
		w.Header().Set("Retry-After", "1")
		openError(w, http.StatusServiceUnavailable, "worker "+o.cfg.Name+" is running as many apps as it may; try again")
		return
	}
	defer func() { <-o.slot }()

	// The bytes of the local replica are fetched while Swift authorizes
	// the reads (they are used only if the HEAD allows it and reports the
	// same version).
	rctx, rcancel := context.WithCancel(r.Context())
	defer rcancel()
	objPath := "/" + container + "/" + object
	local := make(chan localRead, 1)
	go func() {
		rc, etag, err := fs.OpenLocal(rctx, objPath)
		local <- localRead{rc, etag, err}
	}()
	var body io.ReadCloser
	defer func() {
		if body != nil {
			body.Close()
		}
	}()
	// Validating a new app takes a while (compiling a Go module, seconds):
	// the run's timeout starts after it.
	pctx, pcancel := context.WithTimeout(rctx, prepareTimeout)
	defer pcancel()
	var appArgs []string
	if appName == "" {
		// No ?app=: the template registered for the object's type.
		info, err := fs.Head(pctx, objPath)
		if err != nil {
			o.swiftError(w, err, "object "+container+"/"+object)
			return
		}
		var code int
		var msg string
		appName, appArgs, code, msg = templateApp(pctx, fs, account, info.ContentType, "swift://"+account+objPath, q)
		if code != 0 {
			openError(w, code, msg)
			return
		}
	}
	appArgs = append(appArgs, q["arg"]...)
	objInfo, appInfo, code, msg := o.head(pctx, fs, objPath, "/"+appName, appName)
	l := <-local
	if l.err == nil {
		body = l.rc // closed by the deferred function
	}
	if code != 0 {
		openError(w, code, msg)
		return
	}
	a, hit, err := o.apps.get(pctx, fs, account, appInfo)
	if err != nil {
		if isAppError(err) {
			openError(w, http.StatusUnprocessableEntity, err.Error())
			return
		}
		o.swiftError(w, err, "read app "+appName)
		return
	}
	outType := appInfo.Meta["Output-Content-Type"]
	if outType == "" {
		outType = a.manifest.ContentType
	}
	if outType == "" {
		outType = cgiContentType
	}
	if _, _, err := mime.ParseMediaType(outType); err != nil {
		openError(w, http.StatusUnprocessableEntity, fmt.Sprintf("app %s declares the output type %q, which is not a media type: %v", appName, outType, err))
		return
	}

	ctx, cancel := context.WithTimeout(rctx, o.cfg.Timeout)
	defer cancel()
	direct := l.err == nil && objInfo.ETag != "" && strings.EqualFold(l.etag, objInfo.ETag)
	if !direct {
		if body != nil {
			body.Close()
		}
		if body, direct, err = fs.OpenVersion(ctx, objInfo); err != nil {
			body = nil
			o.swiftError(w, err, "read "+container+"/"+object)
			return
		}
	}
	// A read blocked on the object server ends with the run.
	defer context.AfterFunc(ctx, func() { body.Close() })()
	extra := http.Header{api.HeaderWorker: {o.cfg.Name}, api.HeaderAppCache: {map[bool]string{true: "hit", false: "miss"}[hit]},
		api.HeaderRead: {map[bool]string{true: "direct", false: "proxy"}[direct]}, "Cache-Control": {"no-store"}}
	out := newOutput(w, outType, extra)
	stderr := &tailBuffer{max: 4 << 10}
	docRoot := "/dev/stdin"
	if a.kind == bundleApp {
		docRoot = "/dev/input"
	}
	env := openEnv(r, q, account, container, object, appName, docRoot, objInfo)
	cmd := mapreduce.Command{Env: env, Stdin: body, Stdout: out, Stderr: stderr}
	var runner mapreduce.Runner
	switch a.kind {
	case wasmApp:
		if o.cfg.Wasm == nil {
			openError(w, http.StatusUnprocessableEntity, "app "+appName+" is a WebAssembly module, but this worker has no wasm sandbox")
			return
		}
		runner, cmd.Args = o.cfg.Wasm, append([]string{a.path}, appArgs...)
	case bundleApp:
		if o.cfg.Native == nil {
			openError(w, http.StatusUnprocessableEntity, "app "+appName+" is a script bundle, but this worker has no native sandbox")
			return
		}
		if runner, err = o.cfg.Native(); err != nil {
			openError(w, http.StatusServiceUnavailable, "app "+appName+" is a script bundle, and the native sandbox cannot run here: "+err.Error())
			return
		}
		dir, err := o.bundleDir(a.path)
		if err != nil {
			openError(w, http.StatusInternalServerError, err.Error())
			return
		}
		defer os.RemoveAll(dir)
		cmd.Dir, cmd.Args, cmd.ReadOnly = dir, bundleArgs(a.manifest, appArgs), []string{a.path}
		// ZeroCloud's open apps read the object at /dev/input (random
		// access) as well as on stdin: the object is kept in a file of the
		// run's directory, shown read-only at /dev/input, and fed to stdin.
		input, err := spoolInput(ctx, body, filepath.Join(dir, "input"), objInfo.Size, o.cfg.MaxInput)
		if err != nil {
			if mapreduce.IsKind(err, mapreduce.Invalid) {
				openError(w, http.StatusRequestEntityTooLarge, "app "+appName+" is a script bundle: "+err.Error())
				return
			}
			o.swiftError(w, err, "read "+container+"/"+object)
			return
		}
		defer input.Close()
		cmd.Stdin = input
		cmd.Mounts = append(cmd.Mounts, mapreduce.Mount{Host: input.Name(), Guest: "/dev/input"})
	}

	o.nRuns.Add(1)
	o.nRunning.Add(1)
	start := time.Now()
	p, err := runner.Start(ctx, cmd)
	if err == nil {
		err = p.Wait()
	}
	o.nRunning.Add(-1)
	if err != nil {
		o.nFailed.Add(1)
	}
	ok := out.finish(err, func(cgiErr error) {
		switch {
		case cgiErr != nil:
			openError(w, http.StatusBadGateway, "app "+appName+" "+cgiErr.Error())
		case errors.Is(ctx.Err(), context.DeadlineExceeded) && r.Context().Err() == nil:
			openError(w, http.StatusGatewayTimeout, fmt.Sprintf("app %s did not finish within %v (stopped)", appName, o.cfg.Timeout))
		default:
			msg := fmt.Sprintf("app %s failed: %v", appName, err)
			if tail := stderr.String(); tail != "" {
				msg += "; its stderr ends:\n" + tail
			}
			openError(w, http.StatusBadGateway, msg)
		}
	})
	o.log.Debug("open", "object", account+objPath, "app", appName, "cache", extra.Get(api.HeaderAppCache),
		"read", extra.Get(api.HeaderRead), "ok", ok, "err", err, "took", time.Since(start).Round(time.Microsecond))
}

// localRead is the outcome of reading the local replica.
type localRead struct {
	rc   io.ReadCloser
	etag string
	err  error
}

// acquire takes a run slot, waiting in the queue if it is not full.
func (o *Opener) acquire(ctx context.Context) bool {
	select {
	case o.slot <- struct{}{}:
		return true
	default:
	}
	if o.queued.Add(1) > int64(o.cfg.MaxQueued) {
		o.queued.Add(-1)
		return false
	}
	defer o.queued.Add(-1)
	select {
	case o.slot <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	}
}

// head HEADs the object and the app at once; a non-zero code is the
// answer to give instead.
func (o *Opener) head(ctx context.Context, fs *swiftfs.FS, objPath, appPath, appName string) (obj, app swiftfs.ObjectInfo, code int, msg string) {
	var appErr error
	var wg sync.WaitGroup
	wg.Go(func() { app, appErr = fs.Head(ctx, appPath) })
	obj, objErr := fs.Head(ctx, objPath)
	wg.Wait()
	switch {
	case objErr != nil:
		code, msg = swiftStatus(objErr), "object "+strings.TrimPrefix(objPath, "/")+": "+objErr.Error()
	case appErr != nil && mapreduce.IsKind(appErr, mapreduce.NotExist):
		code, msg = http.StatusNotFound, "app "+appName+" not found: "+appErr.Error()
	case appErr != nil:
		code, msg = swiftStatus(appErr), "app "+appName+": "+appErr.Error()
	}
	return obj, app, code, msg
}

// swiftStatus is the status answering a Swift failure.
func swiftStatus(err error) int {
	switch mapreduce.KindOf(err) {
	case mapreduce.NotExist:
		return http.StatusNotFound
	case mapreduce.Permission:
		return http.StatusForbidden
	case mapreduce.Canceled:
		return http.StatusGatewayTimeout
	}
	return http.StatusBadGateway
}

func (o *Opener) swiftError(w http.ResponseWriter, err error, what string) {
	openError(w, swiftStatus(err), what+": "+err.Error())
}

// fsFor returns the Swift client of a request: the tenant's credentials
// from the gateway's headers, else the worker's own for account.
func (o *Opener) fsFor(r *http.Request, account string) (*swiftfs.FS, error) {
	surl, tok := r.Header.Get(api.HeaderStorageURL), r.Header.Get(api.HeaderSwiftToken)
	if tok != "" && path.Base(strings.TrimRight(surl, "/")) != account {
		return nil, fmt.Errorf("the storage URL %q is not that of account %s", surl, account)
	}
	key := surl + "\x00" + tok + "\x00" + account
	o.mu.Lock()
	defer o.mu.Unlock()
	if fs := o.fss[key]; fs != nil {
		return fs, nil
	}
	cfg := o.cfg.Swift
	cfg.LocalNode = o.cfg.Node
	var fs *swiftfs.FS
	var err error
	if tok != "" {
		fs, err = swiftfs.New(swiftfs.WithToken(cfg, surl, tok))
	} else {
		fs, err = swiftfs.NewAccount(cfg, account)
	}
	if err != nil {
		return nil, err
	}
	if len(o.fss) >= 256 {
		clear(o.fss)
	}
	o.fss[key] = fs
	return fs, nil
}

// bundleDir makes a fresh working directory for a run of the bundle
// unpacked at bundle: empty but for the link app → bundle (the command
// names the bundle among its read-only paths, which the native sandbox
// mounts).
func (o *Opener) bundleDir(bundle string) (string, error) {
	dir := filepath.Join(o.runs, strconv.FormatInt(o.runSeq.Add(1), 10))
	os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("make a working directory: %w", err)
	}
	if err := os.Symlink(bundle, filepath.Join(dir, "app")); err != nil {
		return "", fmt.Errorf("make a working directory: %w", err)
	}
	return dir, nil
}

// openEnv is an app's environment: CGI/1.1 variables, ZeroCloud's LOCAL_*
// ones for the object, and one ZEBRA_PARAM_<NAME> per query parameter.
func openEnv(r *http.Request, q map[string][]string, account, container, object, app, docRoot string, obj swiftfs.ObjectInfo) []string {
	env := []string{
		"GATEWAY_INTERFACE=CGI/1.1",
		"REQUEST_METHOD=" + r.Method,
		"SCRIPT_NAME=/open",
		"PATH_INFO=/" + container + "/" + object,
		"QUERY_STRING=" + r.URL.RawQuery,
		"SERVER_SOFTWARE=zebra",
		"LOCAL_OBJECT=on",
		"LOCAL_PATH_INFO=/" + account + "/" + container + "/" + object,
		"LOCAL_CONTENT_TYPE=" + obj.ContentType,
		"LOCAL_CONTENT_LENGTH=" + strconv.FormatInt(obj.Size, 10),
		"LOCAL_HTTP_ETAG=" + strings.Trim(obj.ETag, `"`),
		"LOCAL_HTTP_X_TIMESTAMP=" + obj.Timestamp,
		"LOCAL_DOCUMENT_ROOT=" + docRoot,
		"SERVER_PROTOCOL=" + r.Proto,
		"REQUEST_URI=" + r.URL.RequestURI(),
		"REMOTE_USER=" + account,
		"SCRIPT_FILENAME=swift://" + account + "/" + app,
		"ZEBRA_APP=" + app,
	}
	// The host the client asked the gateway (never this worker's own
	// address, which is not the tenant's business).
	host, port := r.Header.Get("X-Forwarded-Host"), "80"
	if h, p, err := net.SplitHostPort(host); err == nil {
		host, port = h, p
	}
	if host == "" || strings.ContainsAny(host, "\x00\r\n") {
		host = "localhost"
	}
	env = append(env, "SERVER_NAME="+host, "SERVER_PORT="+port)
	for _, k := range slices.Sorted(maps.Keys(obj.Meta)) {
		v := obj.Meta[k]
		if strings.ContainsRune(v, 0) {
			continue
		}
		env = append(env, "LOCAL_HTTP_X_OBJECT_META_"+paramName.ReplaceAllString(strings.ToUpper(k), "_")+"="+v)
	}
	if v := r.Header.Get("Accept"); v != "" {
		env = append(env, "HTTP_ACCEPT="+v)
	}
	for k, vs := range q {
		if k == "app" || k == "arg" || len(vs) == 0 {
			continue
		}
		name := paramName.ReplaceAllString(strings.ToUpper(k), "_")
		if name == "" || strings.ContainsRune(vs[0], 0) {
			continue
		}
		env = append(env, "ZEBRA_PARAM_"+name+"="+vs[0])
	}
	return env
}

// ServeHandler serves h on ln until ctx ends (the worker's HTTP server:
// attempt logs and run on open).
func ServeHandler(ctx context.Context, ln net.Listener, h http.Handler, log *slog.Logger) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	if log != nil {
		log.Info("serving attempt logs and run on open", "addr", ln.Addr().String())
	}
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve attempt logs and run on open: %w", err)
	}
	return nil
}

// defaultMaxInput is OpenConfig.MaxInput's default.
const defaultMaxInput = 1 << 30

// spoolInput copies the object (size bytes, as its HEAD said) from body
// into the file p and returns it opened for reading from the start; an
// object larger than max is refused (kind Invalid) before anything is
// read or written.
func spoolInput(ctx context.Context, body io.Reader, p string, size, max int64) (*os.File, error) {
	if size > max {
		return nil, mapreduce.E("keep the object for /dev/input", mapreduce.Invalid, "",
			fmt.Errorf("the object has %d bytes, more than the %d bytes /dev/input may hold (ZeroCloud's zerovm_maxinput; zebra worker's open configuration)", size, max))
	}
	f, err := os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_RDWR, 0o644)
	if err != nil {
		return nil, mapreduce.E("keep the object for /dev/input", mapreduce.Infra, filepath.Base(p), err)
	}
	n, err := io.Copy(f, io.LimitReader(body, size+1))
	if err == nil && n != size {
		err = fmt.Errorf("read %d bytes, the object has %d", n, size)
	}
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		f.Close()
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return nil, mapreduce.E("read the object", mapreduce.Transient, filepath.Base(p), err)
	}
	return f, nil
}
