package swiftfs_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"zebra/swiftfs"
	"zebra/swiftfs/aio"

	"zebra/mapreduce/mrtest/suite"
)

// cluster is the Swift all-in-one every test of the package uses, started
// once by TestMain (or reused from $ZEBRA_SWIFT_AIO_DIR when it runs there).
var (
	cluster    *aio.Cluster
	skipReason string
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if ok, why := suite.Enabled(suite.Swift); !ok {
		skipReason = why
		return m.Run()
	}
	if os.Geteuid() != 0 {
		if _, err := exec.LookPath("swift-proxy-server"); err != nil {
			skipReason = "not root and Swift is not installed: these tests install Debian's swift packages with apt-get and need root"
			return m.Run()
		}
	}
	if dir := os.Getenv("ZEBRA_SWIFT_AIO_DIR"); dir != "" {
		if c, err := aio.Running(dir); err == nil {
			cluster = c
			return m.Run()
		}
	}
	dir, err := os.MkdirTemp("", "zebra-swiftfs-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "swiftfs tests:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	// Free ports, so that a `zebra up` cluster on the default ports (or
	// another package's test cluster) is never disturbed.
	os.Setenv("AIO_PORTS", "free")
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	start := time.Now()
	c, err := aio.Start(ctx, dir)
	if err != nil {
		fmt.Fprintf(os.Stderr, "swiftfs tests: cannot start a Swift all-in-one (Debian's swift packages, as root): %v\n", err)
		return 1
	}
	fmt.Fprintf(os.Stderr, "swiftfs tests: Swift all-in-one up in %.1fs at %s (object servers %s)\n", time.Since(start).Seconds(), c.ProxyURL, strings.Join(c.ObjectServers, " "))
	cluster = c
	defer func() {
		if err := c.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "swiftfs tests:", err)
		}
	}()
	return m.Run()
}

// need skips t when the machine cannot run Swift (not root); every test
// that talks to the cluster starts with it.
func need(t *testing.T) {
	t.Helper()
	if skipReason != "" {
		t.Skip(skipReason)
	}
	if cluster == nil {
		t.Fatal("no Swift cluster")
	}
}

// fresh removes the containers a test uses, left over from an earlier run
// on a reused cluster ($ZEBRA_SWIFT_AIO_DIR).
func fresh(t *testing.T, containers ...string) {
	t.Helper()
	f := newFS(t, swiftfs.Config{})
	for _, c := range containers {
		if err := f.RemoveAll(context.Background(), "/"+c); err != nil {
			// A container replica that missed updates while a test had an
			// object server down keeps listing deleted objects until the
			// replicators run.
			if err := cluster.Replicate(context.Background()); err != nil {
				t.Fatal(err)
			}
			if err := f.RemoveAll(context.Background(), "/"+c); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// env returns a Getenv giving the cluster's tempauth credentials only.
func env(key string) func(string) string {
	vals := map[string]string{"ST_AUTH": cluster.AuthURL, "ST_USER": cluster.User, "ST_KEY": key}
	return func(k string) string { return vals[k] }
}

// newFS returns an FS on the cluster's account with cfg's other fields.
func newFS(t *testing.T, cfg swiftfs.Config) *swiftfs.FS {
	t.Helper()
	if cfg.Getenv == nil {
		cfg.Getenv = env(cluster.Key)
	}
	if cfg.RetryWait == 0 {
		cfg.RetryWait = 50 * time.Millisecond
	}
	f, err := swiftfs.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// token logs in with tempauth and returns the token and storage URL, for
// requests the FS does not make (manifests, quotas).
func token(t *testing.T) (string, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", cluster.AuthURL, nil)
	req.Header.Set("X-Auth-User", cluster.User)
	req.Header.Set("X-Auth-Key", cluster.Key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("tempauth: %s", resp.Status)
	}
	return resp.Header.Get("X-Auth-Token"), resp.Header.Get("X-Storage-Url")
}

// raw makes an authenticated request to the storage URL + p and checks
// the status class.
func raw(t *testing.T, method, p string, body io.Reader, hdr map[string]string) *http.Response {
	t.Helper()
	tok, surl := token(t)
	req, err := http.NewRequest(method, surl+p, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Auth-Token", tok)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode/100 != 2 {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		t.Fatalf("%s %s: %s %s", method, p, resp.Status, b)
	}
	return resp
}

// put writes data to name with the FS.
func put(t *testing.T, f *swiftfs.FS, name string, data []byte) {
	t.Helper()
	ctx := context.Background()
	w, err := f.Create(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// get reads name from off with the FS.
func get(t *testing.T, f *swiftfs.FS, name string, off int64) []byte {
	t.Helper()
	r, err := f.Open(context.Background(), name, off)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("read %s from %d: %v", name, off, err)
	}
	return b
}
