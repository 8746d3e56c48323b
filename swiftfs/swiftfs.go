package swiftfs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ncw/swift/v2"

	"zebra/mapreduce"
)

var (
	_ mapreduce.FS      = (*FS)(nil)
	_ mapreduce.Locator = (*FS)(nil)
)

// Config configures the swift:// file systems that Register creates.
type Config struct {
	// Settings looks up a job setting (a -D key, see the Setting
	// constants); nil means none. It is consulted each time a swift:// URL
	// is resolved, so a caller may point it at a job configuration that is
	// filled in after Register.
	Settings func(key string) string
	// Getenv looks up an environment variable; nil means os.Getenv.
	Getenv func(key string) string
	// LocalNode is the "host:port" of the object server this process runs
	// beside (as list_endpoints names it), or a comma-separated list of
	// storage nodes that includes it. When set, Open reads replicas held
	// there directly from that server (unless zebra.locality is "off").
	LocalNode string
	// Transport carries every request; nil means a default transport.
	Transport http.RoundTripper
	// Retries is the number of attempts of a request that fails with a 5xx
	// answer or a connection error (default 5, or zebra.swift.retries).
	Retries int
	// RetryWait is the first backoff (default 200 ms), doubled after each
	// failed attempt up to 5 s.
	RetryWait time.Duration
	// EndpointsTTL is how long list_endpoints answers are cached (default 1
	// minute).
	EndpointsTTL time.Duration
	// TempDir holds the buffers of files being written beyond 8 MiB
	// (default os.TempDir()).
	TempDir string
	// Logger receives retries and fallbacks at debug and warn level; nil
	// means slog.Default().
	Logger *slog.Logger
}

// Register binds the scheme "swift" in reg to file systems built from cfg:
// one FS per account and set of credentials, created on first use and
// shared afterwards.
func Register(reg *mapreduce.Registry, cfg Config) {
	var (
		mu    sync.Mutex
		cache = map[string]*FS{}
	)
	reg.Register("swift", func(ctx context.Context, _ *url.URL, raw string) (mapreduce.FS, string, error) {
		account, name, err := mapreduce.ParseSwiftURL(raw)
		if err != nil {
			return nil, "", err
		}
		a := cfg.auth()
		key := fmt.Sprintf("%q", []string{account, a.url, a.user, a.key, a.version, a.project, a.userDomain, a.projectDomain, a.region, a.storageURL, a.token, a.endpoints, a.retries, a.locality})
		mu.Lock()
		defer mu.Unlock()
		if f := cache[key]; f != nil {
			return f, name, nil
		}
		f, err := newFS(cfg, a, account)
		if err != nil {
			return nil, "", err
		}
		cache[key] = f
		return f, name, nil
	})
}

// WithToken returns cfg set to act with an existing token on storageURL
// (a tenant's, say): no credentials from settings or the environment.
func WithToken(cfg Config, storageURL, token string) Config {
	cfg.Getenv = func(string) string { return "" }
	cfg.Settings = func(k string) string {
		switch k {
		case mapreduce.KeySwiftStorageURL:
			return storageURL
		case mapreduce.KeySwiftToken:
			return token
		}
		return ""
	}
	return cfg
}

// clean makes name absolute and clean ("/" for the account).
func clean(name string) string { return path.Clean("/" + name) }

// split returns the container and object of an FS name; either may be "".
func split(name string) (container, object string) {
	c, o, _ := strings.Cut(strings.TrimPrefix(clean(name), "/"), "/")
	return c, o
}

// authParams are the effective credentials and options of one FS.
type authParams struct {
	url, user, key, version, project, userDomain, projectDomain, region string
	storageURL, token, endpoints, retries, locality                     string
}

func (cfg Config) auth() authParams {
	getenv := cfg.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	setting := func(k string) string {
		if cfg.Settings == nil {
			return ""
		}
		return cfg.Settings(k)
	}
	pick := func(k string, envs ...string) string {
		if v := setting(k); v != "" {
			return v
		}
		for _, e := range envs {
			if v := getenv(e); v != "" {
				return v
			}
		}
		return ""
	}
	var a authParams
	// Tempauth's ST_* family wins when ST_AUTH is set, else Keystone's OS_*.
	if setting(mapreduce.KeySwiftAuth) == "" && getenv("ST_AUTH") == "" && getenv("OS_AUTH_URL") != "" {
		a.url = getenv("OS_AUTH_URL")
		a.user = pick(mapreduce.KeySwiftUser, "OS_USERNAME")
		a.key = pick(mapreduce.KeySwiftKey, "OS_PASSWORD")
	} else {
		a.url = pick(mapreduce.KeySwiftAuth, "ST_AUTH")
		a.user = pick(mapreduce.KeySwiftUser, "ST_USER", "OS_USERNAME")
		a.key = pick(mapreduce.KeySwiftKey, "ST_KEY", "OS_PASSWORD")
	}
	a.version = pick(mapreduce.KeySwiftAuthVersion, "ST_AUTH_VERSION")
	a.project = pick(mapreduce.KeySwiftProject, "OS_PROJECT_NAME", "OS_TENANT_NAME")
	a.userDomain = pick(mapreduce.KeySwiftUserDomain, "OS_USER_DOMAIN_NAME")
	a.projectDomain = pick(mapreduce.KeySwiftProjectDomain, "OS_PROJECT_DOMAIN_NAME")
	a.region = pick(mapreduce.KeySwiftRegion, "OS_REGION_NAME")
	a.storageURL = pick(mapreduce.KeySwiftStorageURL, "OS_STORAGE_URL")
	a.token = pick(mapreduce.KeySwiftToken, "OS_AUTH_TOKEN")
	a.endpoints = setting(mapreduce.KeySwiftEndpoints)
	a.retries = setting(mapreduce.KeySwiftRetries)
	a.locality = setting(mapreduce.KeyLocality)
	return a
}

// Stats counts how reads were served. All fields are updated atomically.
type Stats struct {
	// DirectReads and ProxyReads count the Opens served by a direct GET to
	// the local object server and through the proxy.
	DirectReads, ProxyReads atomic.Int64
	// Fallbacks counts direct reads that were tried and fell back to the
	// proxy (no local replica, server down, stale replica, manifest).
	Fallbacks atomic.Int64
	// DirectBytes and ProxyBytes count the bytes read each way.
	DirectBytes, ProxyBytes atomic.Int64
	// TailReads counts the ranged GETs that read on past the range asked
	// for with OpenRange (a split's reader finishing its last record).
	TailReads atomic.Int64
	// Resumes counts reads that broke mid-stream (a server died) and went
	// on through the proxy from where they were.
	Resumes atomic.Int64
}

// FS is one Swift account as a mapreduce.FS. It is safe for concurrent use.
type FS struct {
	conn      *swift.Connection
	account   string // explicit account of swift://AUTH_x/... URLs, else ""
	localNode string
	retries   int
	wait      time.Duration
	tempDir   string
	log       *slog.Logger
	http      *http.Client // list_endpoints and direct object-server GETs
	endpoints string       // list_endpoints root, "" to derive
	epTTL     time.Duration

	mu         sync.Mutex
	epCache    map[string]endpointsEntry
	containers map[string]bool // known to exist

	bulkOnce sync.Once
	bulk     bool

	stats Stats
}

// New returns the FS of the account the credentials in cfg (settings, then
// environment) log in to. No request is made until the first operation.
func New(cfg Config) (*FS, error) { return newFS(cfg, cfg.auth(), "") }

// NewAccount is New for another account than the credentials' own (as in
// swift://AUTH_account/...), reached with the same token.
func NewAccount(cfg Config, account string) (*FS, error) { return newFS(cfg, cfg.auth(), account) }

func newFS(cfg Config, a authParams, account string) (*FS, error) {
	if a.url == "" && (a.storageURL == "" || a.token == "") {
		return nil, mapreduce.E("open swift", mapreduce.Invalid, "", errors.New("swift: no credentials: set ST_AUTH, ST_USER and ST_KEY (tempauth), OS_AUTH_URL, OS_USERNAME, OS_PASSWORD and OS_PROJECT_NAME (Keystone), or -D "+mapreduce.KeySwiftAuth+"=URL"))
	}
	f := &FS{
		account: account, localNode: cfg.LocalNode, retries: cfg.Retries, wait: cfg.RetryWait,
		tempDir: cfg.TempDir, log: cfg.Logger, endpoints: a.endpoints, epTTL: cfg.EndpointsTTL,
		epCache: map[string]endpointsEntry{}, containers: map[string]bool{},
	}
	if a.retries != "" {
		n, err := strconv.Atoi(a.retries)
		if err != nil || n < 1 {
			return nil, mapreduce.E("open swift", mapreduce.Invalid, "", fmt.Errorf("%s=%q is not a positive integer", mapreduce.KeySwiftRetries, a.retries))
		}
		f.retries = n
	}
	switch a.locality {
	case "", "on":
	case "off":
		f.localNode = ""
	default:
		return nil, mapreduce.E("open swift", mapreduce.Invalid, "", fmt.Errorf("%s=%q: want on or off", mapreduce.KeyLocality, a.locality))
	}
	if f.retries <= 0 {
		f.retries = 5
	}
	if f.wait <= 0 {
		f.wait = 200 * time.Millisecond
	}
	if f.epTTL <= 0 {
		f.epTTL = time.Minute
	}
	if f.log == nil {
		f.log = slog.Default()
	}
	tr := cfg.Transport
	if tr == nil {
		tr = &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConnsPerHost:   64,
			IdleConnTimeout:       90 * time.Second,
			ExpectContinueTimeout: 5 * time.Second,
			ResponseHeaderTimeout: 2 * time.Minute,
		}
	}
	f.http = &http.Client{Transport: tr}
	version := 0
	if a.version != "" {
		v, err := strconv.Atoi(a.version)
		if err != nil {
			return nil, mapreduce.E("open swift", mapreduce.Invalid, "", fmt.Errorf("auth version %q is not 1, 2 or 3", a.version))
		}
		version = v
	}
	f.conn = &swift.Connection{
		UserName: a.user, ApiKey: a.key, AuthUrl: a.url, AuthVersion: version,
		Tenant: a.project, Domain: a.userDomain, TenantDomain: a.projectDomain, Region: a.region,
		StorageUrl: a.storageURL, AuthToken: a.token,
		Transport: tr,
		// ncw/swift retries only to log in again on 401; FS.do retries the rest.
		Retries: 1,
	}
	if account != "" && a.storageURL != "" {
		f.conn.StorageUrl = withAccount(a.storageURL, account)
	}
	if a.url == "" {
		// A token without a login: ncw/swift's answer to a 401 is to log in
		// again, which this connection cannot; the same token is offered
		// again and the 401 stands (see fail).
		f.conn.Auth = fixedToken{storageURL: f.conn.StorageUrl, token: a.token}
	}
	return f, nil
}

// fixedToken is the swift.Authenticator of a connection made with a token
// and no login: "logging in" yields that token again.
type fixedToken struct{ storageURL, token string }

func (fixedToken) Request(context.Context, *swift.Connection) (*http.Request, error) { return nil, nil }
func (fixedToken) Response(context.Context, *http.Response) error                    { return nil }
func (t fixedToken) StorageUrl(bool) string                                          { return t.storageURL }
func (t fixedToken) Token() string                                                   { return t.token }
func (fixedToken) CdnUrl() string                                                    { return "" }

// Stats returns the live read counters of f.
func (f *FS) Stats() *Stats { return &f.stats }

// URI implements mapreduce.FS: swift://container/object, or
// swift://AUTH_x/container/object for another account.
func (f *FS) URI(name string) string {
	p := strings.TrimPrefix(clean(name), "/")
	switch {
	case f.account != "":
		return "swift://" + f.account + "/" + p
	case p == "":
		return "swift:///" // the account's containers
	}
	return "swift://" + p
}

// storageURL logs in if needed and returns the account's storage URL.
func (f *FS) storageURL(ctx context.Context) (string, error) {
	u, err := f.conn.GetStorageUrl(ctx)
	if err != nil {
		return "", err
	}
	if f.account != "" {
		u = withAccount(u, f.account)
	}
	return u, nil
}

// withAccount replaces the last path element of a storage URL (the
// account) by account.
func withAccount(storageURL, account string) string {
	if i := strings.LastIndexByte(strings.TrimSuffix(storageURL, "/"), '/'); i >= 0 {
		return storageURL[:i+1] + account
	}
	return storageURL
}

// accountName returns the account part of the storage URL (AUTH_test).
func (f *FS) accountName(ctx context.Context) (string, error) {
	u, err := f.storageURL(ctx)
	if err != nil {
		return "", err
	}
	pu, err := url.Parse(u)
	if err != nil {
		return "", err
	}
	return path.Base(pu.Path), nil
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}
