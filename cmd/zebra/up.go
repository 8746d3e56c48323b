package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"zebra/adapters/hdfs/minicluster"
	"zebra/jobtracker"
	"zebra/jobtracker/api"
	"zebra/jobtracker/pki"
	"zebra/swiftfs/aio"
)

// daemon is one process `zebra up` started.
type daemon struct {
	Name string `json:"name"`
	PID  int    `json:"pid"`
	Log  string `json:"log"`
}

// clusterState is what `zebra up` keeps in <state>/cluster.json for
// `zebra down` and for a repeated `zebra up`.
type clusterState struct {
	Daemons []daemon `json:"daemons"`
	Exports []string `json:"exports"`
	// Swift is the directory of the Swift all-in-one `up` started, if any.
	Swift string `json:"swift,omitempty"`
	// HDFS is the directory of the HDFS (`up --hdfs`), if any.
	HDFS string `json:"hdfs,omitempty"`
}

func clusterDir(flagValue string) string {
	dir := flagValue
	if dir == "" {
		dir = filepath.Join(stateDir(), "cluster")
	}
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	return dir
}

// upCommand is `zebra up --no-swift [--workers N]`: a jobtracker and N
// workers on 127.0.0.1, detached, with their data and logs under the state
// directory. It prints `export NAME=value` lines for eval.
func upCommand(ctx context.Context, args []string) int {
	fl := flag.NewFlagSet("zebra up", flag.ContinueOnError)
	noSwift := fl.Bool("no-swift", false, "start no Swift cluster (local files only)")
	withHDFS := fl.Bool("hdfs", false, "also start a single-node HDFS (Apache Hadoop from Maven Central; needs java and mvn) and print ZEBRA_HDFS")
	workers := fl.Int("workers", 3, "number of workers without Swift (with Swift: one beside each of its 3 object servers)")
	slots := fl.Int("slots", max(1, runtime.NumCPU()/2), "map slots per worker (reduce slots: the same)")
	state := fl.String("state", "", "directory for the cluster's data and logs (default $ZEBRA_HOME/cluster)")
	expiry := fl.Duration("worker-expiry", 10*time.Second, "silence after which the jobtracker declares a worker lost")
	fetchTimeout := fl.Duration("fetch-timeout", 0, "silence after which a shuffle fetch fails (default 30s)")
	useTLS := fl.Bool("tls", false, "serve the jobtracker's and the workers' HTTP over TLS, with a CA made in the state directory (tls/; exported as ZEBRA_TLS_CA)")
	tenantMax := fl.String("tenant-max", "", "operator maxima of tenants' job settings, KEY=N,... (see zebra jobtracker --tenant-max)")
	zcTimeout := fl.Duration("zerocloud-timeout", 0, "ZeroCloud's zerovm_timeout for jobs posted to the gateway (see zebra jobtracker --zerocloud-timeout)")
	publicRead := fl.Bool("public-read", false, "let requests without a token read the job views, not logs (single-tenant clusters on a trusted network only: refused with Swift, whose accounts are tenants; needs --no-swift)")
	allow := fl.String("sandbox-allow", os.Getenv("ZEBRA_SANDBOX_ALLOW"), "host directories besides the system directories that tasks' interpreters may run from, comma-separated (passed to every worker; see zebra worker --sandbox-allow)")
	if err := fl.Parse(args); err != nil {
		return 2
	}
	if _, err := parseTenantMaxima(*tenantMax); err != nil {
		fmt.Fprintln(os.Stderr, "zebra up:", err)
		return 2
	}
	if fl.NArg() > 0 || *workers < 1 || *workers > 64 || *slots < 1 {
		fmt.Fprintln(os.Stderr, "usage: zebra up [--no-swift [--workers N (1..64)] [--public-read]] [--hdfs] [--slots N] [--state DIR] [--tenant-max KEY=N,...]")
		return 2
	}
	if !*noSwift {
		// zebra up with Swift takes the Swift accounts' tokens: tenants.
		if err := checkPublicRead(*publicRead, "swift"); err != nil {
			fmt.Fprintln(os.Stderr, "zebra up:", err)
			return 2
		}
	}
	dir := clusterDir(*state)
	if st, err := readClusterState(dir); err == nil && anyAlive(st, dir) {
		fmt.Fprintf(os.Stderr, "zebra up: a cluster is already up in %s (`zebra down` stops it)\n", dir)
		jt := ""
		for _, e := range st.Exports {
			fmt.Println(e)
			if v, ok := strings.CutPrefix(e, "export ZEBRA_JOBTRACKER="); ok {
				jt = v
			}
		}
		printTokenExport(dir)
		if tok, err := readToken(filepath.Join(dir, "token")); err == nil && jt != "" {
			if c, err := api.NewClient(jt); err == nil {
				c.Token = tok
				printLoginLink(ctx, c)
			}
		}
		return 0
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "zebra up:", err)
		return 1
	}
	tokenPath := filepath.Join(dir, "token")
	token, err := tokenFile(tokenPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "zebra up:", err)
		return 1
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, "zebra up: cannot find the zebra binary:", err)
		return 1
	}
	st := &clusterState{}
	var swift *aio.Cluster
	var hdfsCluster *minicluster.Cluster
	fail := func(format string, a ...any) int {
		fmt.Fprintf(os.Stderr, "zebra up: "+format+"\n", a...)
		stopDaemons(st.Daemons, dir, 5*time.Second)
		if swift != nil {
			swift.Stop()
		}
		if hdfsCluster != nil {
			hdfsCluster.Stop()
		}
		os.Remove(filepath.Join(dir, "cluster.json"))
		return 1
	}
	// With Swift (the default): a Swift all-in-one (installed with apt-get
	// when missing), and one worker beside each of its object servers.
	var env, nodes []string
	if !*noSwift {
		fmt.Fprintln(os.Stderr, "zebra up: starting Swift (the first time installs Debian's swift packages; a minute or more)")
		swift, err = aio.Start(ctx, filepath.Join(dir, "swift"))
		if err != nil {
			return fail("start Swift: %v", err)
		}
		st.Swift = filepath.Join(dir, "swift")
		env = swift.Env()
		// The jobtracker accepts the Swift tokens of its accounts (ACCOUNT:TOKEN).
		env = append(env, "ZEBRA_SWIFT_AUTH="+swift.ProxyURL+"/v1")
		nodes = swift.ObjectServers
		*workers = len(nodes)
	}
	// With --hdfs: a NameNode and a DataNode; worker-1 also sits beside
	// the DataNode (its block locations name it), so maps of HDFS inputs
	// are data-local there.
	if *withHDFS {
		if err := minicluster.Available(); err != nil {
			return fail("cannot start HDFS: %v", err)
		}
		fmt.Fprintln(os.Stderr, "zebra up: starting HDFS (the first time fetches Apache Hadoop from Maven Central; a minute or more)")
		hdfsCluster, err = minicluster.Start(ctx, filepath.Join(dir, "hdfs"))
		if err != nil {
			return fail("start HDFS: %v", err)
		}
		st.HDFS = hdfsCluster.Dir
		env = append(env, "ZEBRA_HDFS="+hdfsCluster.URI)
		if nodes == nil {
			nodes = make([]string, *workers)
			for i := range nodes {
				nodes[i] = "worker-" + strconv.Itoa(i+1)
			}
		}
		nodes[0] += "," + hdfsCluster.DataNode
	}
	var tlsArgs []string
	if *useTLS {
		// A CA of this cluster and one certificate for its daemons (they
		// all listen on 127.0.0.1); every zebra command given
		// ZEBRA_TLS_CA trusts it.
		pkiDir := filepath.Join(dir, "tls")
		if err := pki.Init(pkiDir, []string{"127.0.0.1", "localhost"}); err != nil {
			return fail("%v", err)
		}
		ca := filepath.Join(pkiDir, pki.CAFile)
		if err := pki.Trust(ca); err != nil {
			return fail("%v", err)
		}
		env = append(env, "ZEBRA_TLS_CA="+ca)
		tlsArgs = []string{"--tls-cert", filepath.Join(pkiDir, pki.CertFile), "--tls-key", filepath.Join(pkiDir, pki.KeyFile)}
	}
	jtData := filepath.Join(dir, "jobtracker")
	os.Remove(filepath.Join(jtData, "jobtracker.url"))
	jtArgs := append([]string{"jobtracker", "--listen", "127.0.0.1:0", "--data", jtData, "--worker-expiry", expiry.String(), "--token-file", tokenPath}, tlsArgs...)
	if *tenantMax != "" {
		jtArgs = append(jtArgs, "--tenant-max", *tenantMax)
	}
	// With Swift, the jobtracker also serves ZeroCloud's wire protocol
	// in front of the proxy (docs/zerocloud.md, "Wire protocol").
	os.Remove(filepath.Join(jtData, "gateway.url"))
	if swift != nil {
		jtArgs = append(jtArgs, "--gateway", "127.0.0.1:0")
		if *zcTimeout > 0 {
			jtArgs = append(jtArgs, "--zerocloud-timeout", zcTimeout.String())
		}
	}
	if *publicRead {
		jtArgs = append(jtArgs, "--public-read")
	}
	d, err := spawn(self, dir, env, "jobtracker", jtArgs...)
	if err != nil {
		return fail("%v", err)
	}
	st.Daemons = append(st.Daemons, d)
	if err := writeClusterState(dir, st); err != nil {
		return fail("%v", err)
	}
	url, err := waitFile(ctx, filepath.Join(jtData, "jobtracker.url"), d, 30*time.Second)
	if err != nil {
		return fail("the jobtracker did not start: %v (log: %s)", err, d.Log)
	}
	gatewayURL := ""
	if swift != nil {
		if gatewayURL, err = waitFile(ctx, filepath.Join(jtData, "gateway.url"), d, 30*time.Second); err != nil {
			return fail("the jobtracker's ZeroCloud gateway did not start: %v (log: %s)", err, d.Log)
		}
	}
	client, err := api.NewClient(url)
	if err != nil {
		return fail("%v", err)
	}
	client.Token = token
	for i := 1; i <= *workers; i++ {
		name := "worker-" + strconv.Itoa(i)
		args := []string{"worker", "--jobtracker", url, "--data", filepath.Join(dir, name), "--name", name,
			"--slots", strconv.Itoa(*slots), "--token-file", tokenPath}
		args = append(args, tlsArgs...)
		if *tenantMax != "" {
			args = append(args, "--tenant-max", *tenantMax)
		}
		if *allow != "" {
			args = append(args, "--sandbox-allow", *allow)
		}
		if *fetchTimeout > 0 {
			args = append(args, "--fetch-timeout", fetchTimeout.String())
		}
		if nodes != nil {
			args = append(args, "--node", nodes[i-1])
		}
		d, err := spawn(self, dir, env, name, args...)
		if err != nil {
			return fail("%v", err)
		}
		st.Daemons = append(st.Daemons, d)
	}
	st.Exports = []string{"export ZEBRA_JOBTRACKER=" + url, "export ZEBRA_CLUSTER=" + dir}
	for _, kv := range env {
		if gatewayURL != "" && strings.HasPrefix(kv, "ST_AUTH=") {
			// Clients log in through the gateway, so that Swift's
			// auth hands them the gateway's storage URL.
			kv = "ST_AUTH=" + gatewayURL + "/auth/v1.0"
		}
		st.Exports = append(st.Exports, "export "+kv)
	}
	if gatewayURL != "" {
		st.Exports = append(st.Exports, "export ZEBRA_ZEROCLOUD="+gatewayURL)
	}
	if err := writeClusterState(dir, st); err != nil {
		return fail("%v", err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var ws []jobtracker.WorkerInfo
		err := client.Do(ctx, "GET", "/api/v1/cluster/workers", nil, &ws)
		if err == nil && len(ws) >= *workers {
			break
		}
		for _, d := range st.Daemons {
			if !alive(d.PID) {
				return fail("%s exited during start-up; its log %s ends:\n%s", d.Name, d.Log, logTail(d.Log))
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fail("only %d of %d workers registered within 30s (err: %v); logs in %s", len(ws), *workers, err, dir)
		}
		time.Sleep(50 * time.Millisecond)
	}
	fmt.Fprintf(os.Stderr, "zebra up: jobtracker %s and %d workers are up (state and logs in %s; `zebra down` stops them)\n", url, *workers, dir)
	printLoginLink(ctx, client)
	if swift != nil {
		fmt.Fprintf(os.Stderr, "zebra up: Swift proxy %s (account %s, object servers %s); the swift client and swift:// paths work after eval\n",
			swift.ProxyURL, swift.Account, strings.Join(swift.ObjectServers, " "))
		fmt.Fprintf(os.Stderr, "zebra up: ZeroCloud gateway %s (ST_AUTH logs in through it: POST to the storage URL with X-Zerovm-Execute: 1.0 runs a job)\n", gatewayURL)
	}
	for _, e := range st.Exports {
		fmt.Println(e)
	}
	printTokenExport(dir)
	return 0
}

// spawn starts a detached zebra daemon with its output in <dir>/<name>.log
// and env added to its environment.
func spawn(self, dir string, env []string, name string, args ...string) (daemon, error) {
	logPath := filepath.Join(dir, name+".log")
	lf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return daemon{}, fmt.Errorf("start %s: %w", name, err)
	}
	defer lf.Close()
	cmd := exec.Command(self, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = lf, lf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return daemon{}, fmt.Errorf("start %s: %w", name, err)
	}
	go cmd.Wait() // reap it if it dies while we wait
	return daemon{Name: name, PID: cmd.Process.Pid, Log: logPath}, nil
}

// waitFile waits until path exists and returns its trimmed content.
func waitFile(ctx context.Context, path string, d daemon, limit time.Duration) (string, error) {
	deadline := time.Now().Add(limit)
	for {
		if b, err := os.ReadFile(path); err == nil && len(b) > 0 {
			return strings.TrimSpace(string(b)), nil
		}
		if !alive(d.PID) {
			return "", fmt.Errorf("%s exited; its log ends:\n%s", d.Name, logTail(d.Log))
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return "", fmt.Errorf("no %s after %v", path, limit)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func logTail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// alive reports whether pid is a running (not zombie) process.
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// The state follows the parenthesised command name.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i > 0 && i+2 < len(s) && s[i+2] != 'Z'
}

func anyAlive(st *clusterState, dir string) bool {
	for _, d := range st.Daemons {
		if alive(d.PID) && isDaemon(d.PID, dir) {
			return true
		}
	}
	return false
}

// isDaemon reports whether pid runs a zebra jobtracker or worker whose data
// lies under the cluster directory dir (so that a recycled pid is never
// signalled).
func isDaemon(pid int, dir string) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil {
		return false
	}
	args := strings.Split(string(b), "\x00")
	if len(args) < 2 || (args[1] != "jobtracker" && args[1] != "worker") {
		return false
	}
	for i, a := range args {
		if a == "--data" && i+1 < len(args) && strings.HasPrefix(args[i+1], dir+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

func readClusterState(dir string) (*clusterState, error) {
	b, err := os.ReadFile(filepath.Join(dir, "cluster.json"))
	if err != nil {
		return nil, err
	}
	var st clusterState
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("read %s: %w", filepath.Join(dir, "cluster.json"), err)
	}
	return &st, nil
}

func writeClusterState(dir string, st *clusterState) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(filepath.Join(dir, "cluster.json"), string(b)+"\n")
}

// stopDaemons sends SIGTERM to each daemon, waits up to grace for them to
// exit, then kills the rest.
func stopDaemons(ds []daemon, dir string, grace time.Duration) (stopped int) {
	var left []daemon
	for i := len(ds) - 1; i >= 0; i-- { // workers first, the jobtracker last
		d := ds[i]
		if alive(d.PID) && isDaemon(d.PID, dir) {
			syscall.Kill(d.PID, syscall.SIGTERM)
			left = append(left, d)
		}
	}
	deadline := time.Now().Add(grace)
	for _, d := range left {
		for alive(d.PID) && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if alive(d.PID) {
			syscall.Kill(d.PID, syscall.SIGKILL)
		}
		stopped++
	}
	return stopped
}

// downCommand is `zebra down`: it stops what `zebra up` started, by PID.
func downCommand(args []string) int {
	fl := flag.NewFlagSet("zebra down", flag.ContinueOnError)
	state := fl.String("state", os.Getenv("ZEBRA_CLUSTER"), "the cluster's state directory (default $ZEBRA_CLUSTER, else $ZEBRA_HOME/cluster)")
	if err := fl.Parse(args); err != nil {
		return 2
	}
	dir := clusterDir(*state)
	st, err := readClusterState(dir)
	if errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(os.Stderr, "zebra down: no cluster was started in %s\n", dir)
		return 0
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "zebra down:", err)
		return 1
	}
	n := stopDaemons(st.Daemons, dir, 10*time.Second)
	if st.Swift != "" {
		// Stop by the recorded PIDs even if some server already died.
		if err := (&aio.Cluster{Dir: st.Swift}).Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "zebra down: stop Swift:", err)
			return 1
		}
		fmt.Fprintf(os.Stderr, "zebra down: stopped the Swift all-in-one in %s\n", st.Swift)
	}
	if st.HDFS != "" {
		if err := minicluster.Stop(st.HDFS); err != nil {
			fmt.Fprintln(os.Stderr, "zebra down: stop HDFS:", err)
			return 1
		}
		fmt.Fprintf(os.Stderr, "zebra down: stopped HDFS in %s\n", st.HDFS)
	}
	os.Remove(filepath.Join(dir, "cluster.json"))
	fmt.Fprintf(os.Stderr, "zebra down: stopped %d processes\n", n)
	return 0
}
