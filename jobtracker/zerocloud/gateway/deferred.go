package gateway

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Deferral modes of X-Zerovm-Deferred.
const (
	deferNever  = iota // answer when the job has ended (ZeroCloud's "never", the default)
	deferAlways        // answer once the job has started ("always"; "1", "true", "yes", "on")
	deferAuto          // answer when it ends, or defer after Config.Interactive ("auto")
)

func deferMode(v string) int {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "always", "1", "true", "yes", "on":
		return deferAlways
	case "auto":
		return deferAuto
	}
	return deferNever
}

// ResultContainer is where a deferred job's result goes when the request
// named no object (ZeroCloud's registry container).
const ResultContainer = ".zvm"

type deferralKey struct{}

// Submitted tells the gateway that the job of a request whose context is
// ctx has started as job id: a deferred request is answered now (with the
// swift:// URL its result will be stored at), and the rest of what the
// handler writes goes there. For other requests it does nothing. Run
// calls it once its job is submitted, and then waits for the job with
// ctx, which a deferred request's client does not cancel.
func Submitted(ctx context.Context, id string) {
	if d, ok := ctx.Value(deferralKey{}).(*deferral); ok {
		d.once.Do(func() {
			d.started <- id
			<-d.decided // where Run's answer goes, if decided now (always)
		})
	}
}

// deferral is the ResponseWriter of a deferred request's Run: what Run
// writes before its job starts (a refusal) goes to the client; after it,
// the reply goes to the client if it comes while the client still waits
// (auto), else into the result objects in Swift.
type deferral struct {
	g       *Gateway
	t       Target
	token   string
	client  http.ResponseWriter
	started chan string
	decided chan struct{}
	once    sync.Once

	mu       sync.Mutex
	deferred bool   // the client has been answered; the reply goes to Swift
	wrote    bool   // Run has begun its answer
	url      string // swift://ACCOUNT/CONTAINER/OBJECT of the result
	cont     string
	obj      string
	header   http.Header
	status   int
	pw       *io.PipeWriter
	putDone  chan error
}

// Header is Run's own header map, whoever the answer goes to: the
// client's is copied from it when Run's answer goes there, so that the
// gateway's answer to a deferred request never shares a map with Run.
func (d *deferral) Header() http.Header { return d.header }

func (d *deferral) WriteHeader(code int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.deferred {
		d.toClient(code)
		return
	}
	if d.status != 0 {
		return
	}
	d.status = code
	d.startPut()
}

// toClient sends Run's status and headers to the client, once (d.mu
// held).
func (d *deferral) toClient(code int) {
	if d.wrote {
		return
	}
	d.wrote = true
	h := d.client.Header()
	for k, v := range d.header {
		h[k] = append([]string(nil), v...)
	}
	d.client.WriteHeader(code)
}

func (d *deferral) Write(b []byte) (int, error) {
	d.mu.Lock()
	if !d.deferred {
		d.toClient(http.StatusOK)
		d.mu.Unlock()
		return d.client.Write(b)
	}
	if d.status == 0 {
		d.status = http.StatusOK
		d.startPut()
	}
	pw := d.pw
	d.mu.Unlock()
	if pw == nil {
		return 0, errors.New("the deferred result could not be stored")
	}
	return pw.Write(b)
}

// Flush flushes what goes to the client (nothing to do for Swift).
func (d *deferral) Flush() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if f, ok := d.client.(http.Flusher); ok && !d.deferred {
		f.Flush()
	}
}

// Hijack takes the client's connection over, as Run does to break a
// reply off; a deferred reply has no connection (Run then aborts, and
// finish stores nothing).
func (d *deferral) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if hj, ok := d.client.(http.Hijacker); ok && !d.deferred {
		return hj.Hijack()
	}
	return nil, nil, errors.New("a deferred reply has no connection")
}

// startPut starts storing the reply (d.mu held): the container is made if
// missing, and the object is PUT with If-None-Match: * (an existing
// object is never overwritten).
func (d *deferral) startPut() {
	ctx := context.Background()
	if resp, err := d.g.swift(ctx, http.MethodPut, d.token, d.t.Account, d.cont, "", nil, nil); err == nil {
		resp.Body.Close()
	}
	pr, pw := io.Pipe()
	d.pw, d.putDone = pw, make(chan error, 1)
	h := http.Header{"If-None-Match": {"*"}}
	if ct := d.header.Get("Content-Type"); ct != "" {
		h.Set("Content-Type", ct)
	}
	go func() {
		resp, err := d.g.swift(ctx, http.MethodPut, d.token, d.t.Account, d.cont, d.obj, pr, h)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode/100 != 2 {
				err = fmt.Errorf("PUT %s: Swift answered %s", d.url, resp.Status)
			}
		}
		pr.CloseWithError(err)
		d.putDone <- err
	}()
}

// finish ends the stored reply: the result object, then its headers as
// the JSON object <result>.headers (as ZeroCloud stored them, with the
// status added as "Status"). aborted means Run broke the reply off: the
// result object is not stored whole, so it is not stored at all.
func (d *deferral) finish(aborted bool) {
	d.mu.Lock()
	if !d.deferred {
		d.mu.Unlock()
		return
	}
	if d.status == 0 {
		d.status = http.StatusOK
		d.startPut()
	}
	pw, done, status := d.pw, d.putDone, d.status
	hdr := map[string]string{}
	for k, v := range d.header {
		hdr[k] = strings.Join(v, ",")
	}
	hdr["Status"] = fmt.Sprintf("%d %s", status, http.StatusText(status))
	d.mu.Unlock()
	if aborted {
		pw.CloseWithError(errors.New("the reply broke off"))
	} else {
		pw.Close()
	}
	if err := <-done; err != nil || aborted {
		d.g.log.Warn("deferred result not stored", "url", d.url, "err", err, "aborted", aborted)
		if aborted {
			return
		}
	}
	b, _ := json.Marshal(hdr)
	resp, err := d.g.swift(context.Background(), http.MethodPut, d.token, d.t.Account, d.cont, d.obj+".headers", bytes.NewReader(b),
		http.Header{"Content-Type": {"application/json"}, "If-None-Match": {"*"}})
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			err = fmt.Errorf("PUT %s.headers: Swift answered %s", d.url, resp.Status)
		}
	}
	if err != nil {
		d.g.log.Warn("deferred result headers not stored", "url", d.url+".headers", "err", err)
	}
}

// deferred runs a request with X-Zerovm-Deferred: Run goes on in the
// background with a context the client does not cancel; the client is
// answered 200 with the result's swift:// URL as soon as the job has
// started (always), or if it has not ended within Config.Interactive
// (auto). A refusal before the job starts is answered as without
// deferral. The result is stored at the request's object (ZeroCloud's
// POST /v1/a/jobs/my_job stores it at swift://a/jobs/my_job) when that
// object does not exist yet, else at job-<job id> in the request's
// container, or in .zvm for a request to the account.
func (g *Gateway) deferred(w http.ResponseWriter, r *http.Request, t Target, token string, job *Job, mode int) {
	d := &deferral{g: g, t: t, token: token, client: w, started: make(chan string, 1), decided: make(chan struct{}), header: http.Header{}}
	ctx := context.WithValue(context.WithoutCancel(r.Context()), deferralKey{}, d)
	done := make(chan struct{})
	// The job's files (removed when the request ends) are compiled
	// into its bundle before it starts.
	go func() {
		aborted := true
		defer func() {
			if p := recover(); p != nil && p != http.ErrAbortHandler {
				g.log.Error("panic running a deferred job", "err", p)
			}
			d.finish(aborted)
			g.release(t, token, job)
			close(done)
		}()
		g.cfg.Run.ServeHTTP(d, r.WithContext(ctx))
		aborted = false
	}()
	decide := sync.OnceFunc(func() { close(d.decided) })
	defer decide()
	var id string
	select {
	case <-done:
		return // answered (refused) before the job started
	case id = <-d.started:
	}
	if mode == deferAuto {
		// Run goes on; its answer goes to the client if it comes
		// before the timer.
		decide()
		timer := time.NewTimer(g.cfg.Interactive)
		defer timer.Stop()
		select {
		case <-done:
			return
		case <-timer.C:
		}
	}
	// (always: Run waits in Submitted until its answer goes to Swift.)
	d.mu.Lock()
	if d.wrote {
		// The reply has begun for the client: it is answered there.
		d.mu.Unlock()
		decide()
		<-done
		return
	}
	d.cont, d.obj = t.Container, t.Object
	if d.cont == "" {
		d.cont = ResultContainer
	}
	if d.obj == "" || g.exists(r.Context(), token, t) {
		d.obj = "job-" + id
	}
	d.url = "swift://" + t.Account + "/" + d.cont + "/" + d.obj
	d.deferred = true
	d.mu.Unlock()
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Zebra-Job", id)
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, d.url)
}

// exists reports whether the request's object exists (or cannot be
// told: then it is not used as the result's name).
func (g *Gateway) exists(ctx context.Context, token string, t Target) bool {
	resp, err := g.swift(ctx, http.MethodHead, token, t.Account, t.Container, t.Object, nil, nil)
	if err != nil {
		return true
	}
	resp.Body.Close()
	return resp.StatusCode != http.StatusNotFound
}
