// Package aio starts and stops a real OpenStack Swift all-in-one on
// 127.0.0.1 for tests and `zebra up`: memcached, an account server, a
// container server, 3 object servers (one device each, so every object has
// one replica on each) and a proxy with tempauth and list_endpoints. It runs
// the embedded script swift-aio.sh (see its header), which installs the
// Debian packages that are missing (as root), sets a base directory up on
// first use and records every process's PID there.
//
// The credentials are tempauth's test:tester / testing (account AUTH_test);
// alice:alice / alicepass (AUTH_alice) and bob:bob / bobpass (AUTH_bob) are
// two more tenants, each admin of its own account only.
package aio

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

//go:embed swift-aio.sh
var script []byte

// Script returns the text of swift-aio.sh, for callers that want to run it
// themselves (e.g. to print how to stop a cluster by hand).
func Script() []byte { return bytes.Clone(script) }

// Names are the processes of a cluster, in start order; PIDs are keyed by them.
var Names = []string{"memcached", "account", "container", "object-1", "object-2", "object-3", "proxy"}

// Cluster is a running all-in-one.
type Cluster struct {
	// Dir is the base directory holding everything of the cluster.
	Dir string
	// AuthURL (tempauth v1), User and Key are what ST_AUTH, ST_USER and
	// ST_KEY should be set to.
	AuthURL, User, Key string
	// ProxyURL is the proxy's root (http://127.0.0.1:PORT); StorageURL its
	// account URL (…/v1/AUTH_test) and Account the account (AUTH_test).
	ProxyURL, StorageURL, Account string
	// ObjectServers are the object servers as "127.0.0.1:PORT", in the
	// order object-1, object-2, object-3; AccountServer, ContainerServer
	// and Memcached likewise.
	ObjectServers                             []string
	AccountServer, ContainerServer, Memcached string
	// PIDs maps each of Names to its process id.
	PIDs map[string]int
}

// Env returns ST_AUTH, ST_USER and ST_KEY as NAME=value strings, for the
// swift command-line client and swiftfs.
func (c *Cluster) Env() []string {
	return []string{"ST_AUTH=" + c.AuthURL, "ST_USER=" + c.User, "ST_KEY=" + c.Key}
}

// Start starts the cluster under dir (created if needed) and returns once
// every process answers its health check. Processes already running from
// an earlier Start are kept, so Start also restarts a killed server. Ports
// are chosen on first use: Swift's defaults if all are free, else free
// ports; set AIO_PORTS=free in the environment to always take free ports.
// Installing the packages needs root. If the cluster does not come up
// healthy, Start stops every process of it, so nothing is left running.
func Start(ctx context.Context, dir string) (*Cluster, error) {
	if _, err := run(ctx, dir, "start"); err != nil {
		if _, serr := run(context.Background(), dir, "stop"); serr != nil {
			err = errors.Join(err, serr)
		}
		return nil, fmt.Errorf("start swift all-in-one in %s: %w", dir, err)
	}
	c, err := load(dir)
	if err != nil {
		return nil, fmt.Errorf("start swift all-in-one in %s: %w", dir, err)
	}
	return c, nil
}

// Running returns the cluster started under dir if every one of its
// processes runs and answers its health check (within 30 s). It fails with
// fs.ErrNotExist when dir holds no cluster state.
func Running(dir string) (*Cluster, error) {
	c, err := load(dir)
	if err != nil {
		return nil, fmt.Errorf("swift all-in-one in %s: %w", dir, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := run(ctx, dir, "status"); err != nil {
		return nil, fmt.Errorf("swift all-in-one in %s is not running: %w", dir, err)
	}
	return c, nil
}

// Stop stops every process of the cluster by its recorded PID (SIGTERM,
// then SIGKILL after 15 s). The base directory and its data stay, so a
// later Start is warm.
func (c *Cluster) Stop() error {
	if _, err := run(context.Background(), c.Dir, "stop"); err != nil {
		return fmt.Errorf("stop swift all-in-one in %s: %w", c.Dir, err)
	}
	return nil
}

// Replicate runs every object server's replicator once, which repairs
// replicas that missed writes while their server was down.
func (c *Cluster) Replicate(ctx context.Context) error {
	if _, err := run(ctx, c.Dir, "replicate"); err != nil {
		return fmt.Errorf("replicate swift all-in-one in %s: %w", c.Dir, err)
	}
	return nil
}

// run writes the script into dir and runs it with cmd.
func run(ctx context.Context, dir, cmd string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, "swift-aio.sh")
	if old, err := os.ReadFile(path); err != nil || !bytes.Equal(old, script) {
		if err := os.WriteFile(path, script, 0o755); err != nil {
			return "", err
		}
	}
	var stdout, stderr bytes.Buffer
	c := exec.CommandContext(ctx, "bash", path, cmd, dir)
	c.Stdout, c.Stderr = &stdout, &stderr
	c.WaitDelay = 5 * time.Second // in case a child keeps our pipes open
	if err := c.Run(); err != nil {
		msg := strings.TrimSpace(stdout.String() + "\n" + stderr.String())
		if len(msg) > 4000 {
			msg = "…" + msg[len(msg)-4000:]
		}
		return "", fmt.Errorf("swift-aio.sh %s: %w\n%s", cmd, err, msg)
	}
	return stdout.String(), nil
}

// load reads dir/aio.env and the PID files.
func load(dir string) (*Cluster, error) {
	f, err := os.Open(filepath.Join(dir, "aio.env"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no cluster state (aio.env): %w", fs.ErrNotExist)
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	kv := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			kv[k] = strings.Trim(v, `"`)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	c := &Cluster{
		Dir: dir, AuthURL: kv["AUTH_URL"], User: kv["USER"], Key: kv["KEY"],
		ProxyURL: kv["PROXY_URL"], StorageURL: kv["STORAGE_URL"], Account: kv["ACCOUNT"],
		ObjectServers: strings.Fields(kv["OBJECT_SERVERS"]),
		AccountServer: kv["ACCOUNT_SERVER"], ContainerServer: kv["CONTAINER_SERVER"], Memcached: kv["MEMCACHED"],
		PIDs: map[string]int{},
	}
	if c.AuthURL == "" || len(c.ObjectServers) != 3 {
		return nil, fmt.Errorf("aio.env in %s is incomplete", dir)
	}
	for _, n := range Names {
		b, err := os.ReadFile(filepath.Join(dir, "run", n+".pid"))
		if err != nil {
			continue
		}
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
			c.PIDs[n] = pid
		}
	}
	return c, nil
}
