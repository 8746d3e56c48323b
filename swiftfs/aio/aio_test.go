package aio_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"zebra/swiftfs/aio"

	"zebra/mapreduce/mrtest/suite"
)

// canRun skips t only when the machine cannot install Swift (not root and
// the packages are missing); as root, a failure to start is a failure.
func canRun(t *testing.T) {
	t.Helper()
	suite.Require(t, suite.Swift)
	if os.Geteuid() != 0 {
		if _, err := exec.LookPath("swift-proxy-server"); err != nil {
			t.Skip("not root and Swift is not installed: the all-in-one installs Debian's swift packages with apt-get, which needs root")
		}
	}
}

func dead(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	return err != nil || strings.Contains(string(stat), ") Z ")
}

func healthy(t *testing.T, c *aio.Cluster) {
	t.Helper()
	addrs := append([]string{strings.TrimPrefix(c.ProxyURL, "http://"), c.AccountServer, c.ContainerServer}, c.ObjectServers...)
	for _, a := range addrs {
		resp, err := http.Get("http://" + a + "/healthcheck")
		if err != nil {
			t.Fatalf("healthcheck %s: %v", a, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != "OK" {
			t.Errorf("healthcheck %s: %s %q", a, resp.Status, b)
		}
	}
	req, _ := http.NewRequest("GET", c.AuthURL, nil)
	req.Header.Set("X-Auth-User", c.User)
	req.Header.Set("X-Auth-Key", c.Key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("X-Storage-Url") != c.StorageURL || c.Account != "AUTH_test" {
		t.Errorf("tempauth: %s, storage URL %q (cluster says %q, account %q)", resp.Status, resp.Header.Get("X-Storage-Url"), c.StorageURL, c.Account)
	}
	resp, err = http.Get(c.ProxyURL + "/endpoints/v2/AUTH_test/c/o")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, o := range c.ObjectServers {
		if !strings.Contains(string(b), "http://"+o+"/") {
			t.Errorf("list_endpoints does not name %s: %s", o, b)
		}
	}
}

func TestStartStop(t *testing.T) {
	canRun(t)
	t.Setenv("AIO_PORTS", "free")
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	dir := t.TempDir()

	if _, err := aio.Running(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Running on an empty dir: %v, want fs.ErrNotExist", err)
	}
	start := time.Now()
	c, err := aio.Start(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("cold start (set-up, rings, 7 processes healthy): %.1fs", time.Since(start).Seconds())
	stopped := false
	defer func() {
		if !stopped {
			c.Stop()
		}
	}()
	if len(c.ObjectServers) != 3 || len(slices.Compact(slices.Sorted(slices.Values(c.ObjectServers)))) != 3 {
		t.Errorf("object servers %q, want 3 distinct", c.ObjectServers)
	}
	var pids []int
	for _, n := range aio.Names {
		if c.PIDs[n] == 0 || dead(c.PIDs[n]) {
			t.Errorf("%s: pid %d not running", n, c.PIDs[n])
		}
		pids = append(pids, c.PIDs[n])
	}
	if len(slices.Compact(slices.Sorted(slices.Values(pids)))) != len(aio.Names) {
		t.Errorf("PIDs not distinct: %v", c.PIDs)
	}
	healthy(t, c)
	if env := c.Env(); !slices.Contains(env, "ST_AUTH="+c.AuthURL) || !slices.Contains(env, "ST_KEY=testing") {
		t.Errorf("Env() = %q", env)
	}

	// Running and a second Start reuse the processes.
	r, err := aio.Running(dir)
	if err != nil || r.ProxyURL != c.ProxyURL {
		t.Fatalf("Running: %+v, %v", r, err)
	}
	again, err := aio.Start(ctx, dir)
	if err != nil || again.PIDs["proxy"] != c.PIDs["proxy"] || again.PIDs["object-2"] != c.PIDs["object-2"] {
		t.Errorf("second Start restarted processes: %v -> %v (%v)", c.PIDs, again, err)
	}

	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	stopped = true
	for _, n := range aio.Names {
		if !dead(c.PIDs[n]) {
			t.Errorf("after Stop, %s (pid %d) still runs", n, c.PIDs[n])
		}
	}
	if _, err := aio.Running(dir); err == nil {
		t.Error("Running after Stop succeeded")
	}

	// A port taken by someone else: a clear error, nothing started.
	l, err := net.Listen("tcp", c.ObjectServers[1])
	if err != nil {
		t.Fatal(err)
	}
	_, err = aio.Start(ctx, dir)
	l.Close()
	if err == nil || !strings.Contains(err.Error(), "port "+strings.TrimPrefix(c.ObjectServers[1], "127.0.0.1:")+" for object-2 is taken by another program") {
		t.Errorf("Start with a taken port: %v", err)
	}
	if _, err := aio.Running(dir); err == nil {
		t.Error("a failed Start left the cluster running")
	}

	// Warm start: the same ports and data.
	start = time.Now()
	w, err := aio.Start(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("warm start: %.1fs", time.Since(start).Seconds())
	stopped = false
	c = w
	if !slices.Equal(w.ObjectServers, r.ObjectServers) || w.ProxyURL != r.ProxyURL {
		t.Errorf("warm start moved ports: %q %s -> %q %s", r.ObjectServers, r.ProxyURL, w.ObjectServers, w.ProxyURL)
	}
	healthy(t, w)
	if err := w.Replicate(ctx); err != nil {
		t.Error(err)
	}
	if err := w.Stop(); err != nil {
		t.Fatal(err)
	}
	stopped = true
}
