package swiftfs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"zebra/mapreduce"
)

// Replica is one primary replica of an object, as list_endpoints names it.
type Replica struct {
	// Node is the object server's "host:port".
	Node string
	// URL is the object's URL on that server (no token needed).
	URL string
	// Headers must accompany a direct request to URL
	// (X-Backend-Storage-Policy-Index).
	Headers map[string]string
}

type endpointsEntry struct {
	replicas []Replica
	expires  time.Time
}

// maxCached bounds the list_endpoints cache; it is emptied when full.
const maxCached = 100000

// Replicas returns where the primary replicas of the object name are, in
// ring order, from the proxy's list_endpoints middleware (cached for
// Config.EndpointsTTL). The ring places replicas whether or not the object
// exists; a replica missing from its server is a 404 there.
func (f *FS) Replicas(ctx context.Context, name string) ([]Replica, error) {
	name = clean(name)
	container, object := split(name)
	if object == "" {
		return nil, mapreduce.E("locate", mapreduce.Invalid, f.URI(name), errors.New("swift: a container is not an object"))
	}
	f.mu.Lock()
	e, ok := f.epCache[name]
	f.mu.Unlock()
	if ok && time.Now().Before(e.expires) {
		return e.replicas, nil
	}
	base, err := f.endpointsBase(ctx)
	if err != nil {
		return nil, f.fail("locate", name, err)
	}
	account, err := f.accountName(ctx)
	if err != nil {
		return nil, f.fail("locate", name, err)
	}
	u := base + "v2" + (&url.URL{Path: "/" + account + "/" + container + "/" + object}).EscapedPath()
	var answer struct {
		Endpoints []string          `json:"endpoints"`
		Headers   map[string]string `json:"headers"`
	}
	err = f.retry(ctx, "locate", name, func() error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return err
		}
		resp, err := f.http.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			io.Copy(io.Discard, resp.Body)
			return &statusError{code: resp.StatusCode, url: u}
		}
		return json.NewDecoder(resp.Body).Decode(&answer)
	})
	if err != nil {
		if statusOf(err) == http.StatusNotFound {
			return nil, f.fail("locate", name, fmt.Errorf("is list_endpoints in the proxy pipeline (or the container missing)? %w", err))
		}
		return nil, f.fail("locate", name, err)
	}
	reps := make([]Replica, 0, len(answer.Endpoints))
	for _, ep := range answer.Endpoints {
		pu, err := url.Parse(ep)
		if err != nil {
			return nil, f.fail("locate", name, fmt.Errorf("list_endpoints answered a bad URL %q: %w", ep, err))
		}
		reps = append(reps, Replica{Node: pu.Host, URL: ep, Headers: answer.Headers})
	}
	f.mu.Lock()
	if len(f.epCache) >= maxCached {
		f.epCache = map[string]endpointsEntry{}
	}
	f.epCache[name] = endpointsEntry{replicas: reps, expires: time.Now().Add(f.epTTL)}
	f.mu.Unlock()
	return reps, nil
}

// Locate implements mapreduce.Locator: the object servers ("host:port")
// holding the primary replicas of name, in ring order (every replica holds
// every byte, so off and n do not matter). Workers must register their
// storage node under the same "host:port" as list_endpoints names it.
func (f *FS) Locate(ctx context.Context, name string, off, n int64) ([]string, error) {
	reps, err := f.Replicas(ctx, name)
	if err != nil {
		return nil, err
	}
	hosts := make([]string, len(reps))
	for i, r := range reps {
		hosts[i] = r.Node
	}
	return hosts, nil
}

// endpointsBase is the list_endpoints root, ending in "/".
func (f *FS) endpointsBase(ctx context.Context) (string, error) {
	if f.endpoints != "" {
		return strings.TrimSuffix(f.endpoints, "/") + "/", nil
	}
	s, err := f.storageURL(ctx)
	if err != nil {
		return "", err
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", err
	}
	return u.Scheme + "://" + u.Host + "/endpoints/", nil
}

// localReplica is the replica among reps held by an object server this
// process sits beside (Config.LocalNode, a comma-separated list).
func (f *FS) localReplica(reps []Replica) (*Replica, error) {
	for i := range reps {
		if slices.Contains(strings.Split(f.localNode, ","), reps[i].Node) {
			return &reps[i], nil
		}
	}
	return nil, fmt.Errorf("%s holds no replica", f.localNode)
}

// openDirect reads name from the local object server, if it holds a
// primary replica of the newest version. Any error means: use the proxy.
func (f *FS) openDirect(ctx context.Context, name string, off, end int64) (*reader, error) {
	reps, err := f.Replicas(ctx, name)
	if err != nil {
		return nil, err
	}
	local, err := f.localReplica(reps)
	if err != nil {
		return nil, err
	}
	// The newest version's ETag, so a stale local replica (one that missed
	// an overwrite while its server was down) is refused with 412.
	h, err := f.headObject(ctx, "open", name, true)
	if err != nil {
		return nil, err
	}
	if isManifest(h) {
		return nil, errors.New("a large object manifest: its segments are read through the proxy")
	}
	return f.getDirect(ctx, name, local.URL, local.Headers, off, end, etagOf(h["Etag"]))
}

// getDirect GETs bytes [off, end) (to the end if end is 0) of the version
// etag of name from an object server's url with headers.
func (f *FS) getDirect(ctx context.Context, name, url string, headers map[string]string, off, end int64, etag string) (*reader, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	if rh := rangeHeader(off, end); rh != "" {
		req.Header.Set("Range", rh)
	}
	req.Header.Set("If-Match", etag)
	resp, err := f.http.Do(req)
	if err != nil {
		return nil, err
	}
	switch resp.StatusCode {
	case http.StatusOK, http.StatusPartialContent:
	case http.StatusRequestedRangeNotSatisfiable:
		resp.Body.Close()
		return f.emptyReader(ctx, name, off, true), nil
	default:
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		return nil, &statusError{code: resp.StatusCode, url: url}
	}
	return &reader{f: f, ctx: ctx, name: name, off: off, end: end, size: objectSize(resp.Header.Get("Content-Range")),
		etag: etag, direct: true, url: url, headers: headers, body: resp.Body}, nil
}
