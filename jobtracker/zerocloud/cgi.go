package zerocloud

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"zebra/jobtracker/api"
)

// Request is what an instance's CGI environment tells of the request
// that started its job (CGIEnvironment.md's "request-based" and
// "header-based" variables). The web layer fills it in for a POSTed job;
// zebra submit for its own.
type Request struct {
	Method     string `json:"method"`
	PathInfo   string `json:"path_info"`
	URI        string `json:"uri"`
	Query      string `json:"query,omitempty"`
	RemoteUser string `json:"remote_user,omitempty"`
	ServerName string `json:"server_name"`
	ServerPort string `json:"server_port"`
	Protocol   string `json:"protocol"`
	// Headers are HTTP_<NAME> variables (name already converted).
	Headers map[string]string `json:"headers,omitempty"`
}

// LocalObject is an instance's attached object (the one its readable
// device reads), as Swift describes it: its CGI LOCAL_* variables.
type LocalObject struct {
	// PathInfo is /<account>/<container>/<object>.
	PathInfo    string
	Size        int64
	ContentType string
	ETag        string
	Timestamp   string
	// Meta are the X-Object-Meta-* values, by the rest of the header name.
	Meta map[string]string
}

// envExcluded are the HTTP_* variables of request headers never passed
// on, matched on the variable name (so that X_Auth_Token, which a proxy
// may treat as X-Auth-Token, is dropped as well): ZeroCloud's
// header_exclusions (Swift's sysmeta and backend headers), the body's
// framing, every credential a client may present to zebra or to Swift
// (and any header naming a token, a password, a secret, a cookie, a
// session or authorization), zebra's internal headers, and the hop-by-hop
// headers (RFC 9110 7.6.1; so are those the Connection header names).
var envExcluded = regexp.MustCompile(`^HTTP_(X_(ACCOUNT|CONTAINER|OBJECT)_SYSMETA_|X_BACKEND|X_ZEBRA_|X_STORAGE_|CONTENT_TYPE$|CONTENT_LENGTH$|` +
	`CONNECTION$|KEEP_ALIVE$|PROXY_|TE$|TRAILERS?$|TRANSFER_ENCODING$|UPGRADE$)|` +
	`AUTH|TOKEN|COOKIE|PASS|SECRET|CREDENTIAL|SESSION|CSRF|XSRF`)

// envName is a header name turned into a variable name's tail; anything
// but letters and digits becomes _.
var envNameBad = regexp.MustCompile(`[^A-Z0-9]`)

// headerVar is the HTTP_* variable of header name k.
func headerVar(k string) string {
	return "HTTP_" + envNameBad.ReplaceAllString(strings.ToUpper(strings.TrimSpace(k)), "_")
}

// Bounds of the headers passed on.
const (
	maxEnvHeaders = 64
	maxEnvValue   = 4096
)

// RequestOf describes r for the CGI environment of the job it starts:
// pathInfo is the Swift path the job was posted to ("/" + account).
func RequestOf(r *http.Request, pathInfo string) *Request {
	q := &Request{Method: r.Method, PathInfo: pathInfo, URI: "/v1" + pathInfo, Query: r.URL.RawQuery,
		RemoteUser: strings.TrimPrefix(pathInfo, "/"), Protocol: r.Proto, Headers: map[string]string{}}
	if q.Query != "" {
		q.URI += "?" + q.Query
	}
	host, port := r.Host, "80"
	if h, p, ok := strings.Cut(r.Host, ":"); ok {
		host, port = h, p
	}
	q.ServerName, q.ServerPort = host, port
	keys := make([]string, 0, len(r.Header))
	for k := range r.Header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	hop := map[string]bool{}
	for _, v := range r.Header.Values("Connection") {
		for _, name := range strings.Split(v, ",") {
			hop[headerVar(name)] = true
		}
	}
	for _, k := range keys {
		v, name := r.Header.Get(k), headerVar(k)
		if envExcluded.MatchString(name) || hop[name] || len(v) > maxEnvValue || strings.ContainsAny(v, "\x00\r\n") || len(q.Headers) >= maxEnvHeaders {
			continue
		}
		q.Headers[name] = v
	}
	if r.Host != "" {
		q.Headers["HTTP_HOST"] = r.Host
	}
	return q
}

// SetRequest records req in a zerocloud plan, for its instances' CGI
// environment.
func SetRequest(pl *api.Plan, req *Request) error {
	var spec Spec
	if err := json.Unmarshal(pl.Spec, &spec); err != nil {
		return fmt.Errorf("read zerocloud spec: %w", err)
	}
	spec.Request = req
	b, err := json.Marshal(spec)
	if err != nil {
		return fmt.Errorf("write zerocloud spec: %w", err)
	}
	pl.Spec = b
	return nil
}

// cgiEnv is the CGI environment of instance name of stage st, as
// ZeroCloud gave it (CGIEnvironment.md): the permanent variables, the
// request's, and LOCAL_* for the attached object (nil: none) shown at
// device.
func cgiEnv(req *Request, st *Stage, name string, local *LocalObject) []string {
	if req == nil {
		req = &Request{Method: "POST", Protocol: "HTTP/1.1", ServerName: "localhost", ServerPort: "80"}
	}
	script := st.Argv0
	if script == "" {
		script = name
	}
	env := []string{
		"GATEWAY_INTERFACE=CGI/1.1",
		"SERVER_SOFTWARE=zerocloud",
		"SERVER_NAME=" + req.ServerName,
		"SERVER_PORT=" + req.ServerPort,
		"SERVER_PROTOCOL=" + req.Protocol,
		"REQUEST_METHOD=" + req.Method,
		"PATH_INFO=" + req.PathInfo,
		"REQUEST_URI=" + req.URI,
		"QUERY_STRING=" + req.Query,
		"REMOTE_USER=" + req.RemoteUser,
		"SCRIPT_NAME=" + script,
		"SCRIPT_FILENAME=" + st.Exe,
	}
	for _, k := range sortedKeys(req.Headers) {
		env = append(env, k+"="+req.Headers[k])
	}
	if local != nil {
		env = append(env, "LOCAL_OBJECT=on", "LOCAL_PATH_INFO="+local.PathInfo,
			"LOCAL_CONTENT_LENGTH="+strconv.FormatInt(local.Size, 10),
			"LOCAL_CONTENT_TYPE="+local.ContentType,
			"LOCAL_DOCUMENT_ROOT=/dev/"+st.Input)
		if local.ETag != "" {
			env = append(env, "LOCAL_HTTP_ETAG="+local.ETag)
		}
		if local.Timestamp != "" {
			env = append(env, "LOCAL_HTTP_X_TIMESTAMP="+local.Timestamp)
		}
		for _, k := range sortedKeys(local.Meta) {
			v := local.Meta[k]
			if strings.ContainsRune(v, 0) {
				continue
			}
			env = append(env, "LOCAL_HTTP_X_OBJECT_META_"+envNameBad.ReplaceAllString(strings.ToUpper(k), "_")+"="+v)
		}
	}
	return env
}

// ObjectFunc describes the object at a split's URI for LOCAL_* (see
// Env.Object).
type ObjectFunc func(ctx context.Context, uri string) (*LocalObject, error)
