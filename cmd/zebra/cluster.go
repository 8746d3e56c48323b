package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"zebra/adapters/hdfs"
	"zebra/adapters/localfs"
	"zebra/jobtracker"
	"zebra/jobtracker/api"
	"zebra/jobtracker/pki"
	"zebra/jobtracker/shuffle"
	"zebra/jobtracker/worker"
	"zebra/jobtracker/zerocloud"
	"zebra/mapreduce"
	"zebra/sandbox"
	"zebra/streaming"
	"zebra/swiftfs"
	"zebra/web"
)

// daemonLogger logs at info level to stderr (a daemon's log file).
func daemonLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// registry is the file systems a zebra process can resolve: local files
// and Swift (credentials from the environment, or from job settings
// through settings, which may be nil); node is the object server the
// process sits beside ("" for none), whose replicas it reads directly.
func registry(settings func(key string) string, node string) *mapreduce.Registry {
	reg := &mapreduce.Registry{}
	localfs.Register(reg, &localfs.FS{Checksums: true})
	swiftfs.Register(reg, swiftfs.Config{Settings: settings, LocalNode: node, Logger: quietLogger()})
	// HDFS acts as the job's user (a worker's settings carry the client's);
	// "" means HADOOP_USER_NAME, else the OS user.
	var user string
	if settings != nil {
		user = settings(mapreduce.KeyUser)
	}
	hdfs.Register(reg, hdfs.Options{User: user})
	zerocloud.RegisterReplyStore(reg)
	return reg
}

// jobtrackerCommand is `zebra jobtracker --listen ADDR --data DIR`.
func jobtrackerCommand(ctx context.Context, args []string) int {
	fl := flag.NewFlagSet("zebra jobtracker", flag.ContinueOnError)
	listen := fl.String("listen", "127.0.0.1:0", "address to serve the HTTP API on (port 0: a free port)")
	data := fl.String("data", "", "directory of the jobtracker's store (required)")
	pollWait := fl.Duration("poll-wait", 2*time.Second, "longest wait of a worker's poll")
	expiry := fl.Duration("worker-expiry", 10*time.Second, "silence after which a worker is lost")
	delay := fl.Duration("locality-delay", time.Second, "how long a map waits for a slot beside its data (negative: never)")
	tokenPath := fl.String("token-file", "", "file holding the cluster token (default DIR/token, made if missing)")
	swiftAuth := fl.String("swift-auth", os.Getenv("ZEBRA_SWIFT_AUTH"), "Swift storage URL up to the account (http://host:8080/v1): accept ACCOUNT:TOKEN Swift tokens")
	publicRead := fl.Bool("public-read", false, "let requests without a token read the job views, not logs (single-tenant clusters only: refused with --swift-auth)")
	tlsCert, tlsKey := tlsFlags(fl)
	gatewayAt := fl.String("gateway", "", "address to serve ZeroCloud's wire protocol on, in front of the --swift-auth proxy (port 0: a free port; its URL goes to DIR/gateway.url)")
	zcTimeout := fl.Duration("zerocloud-timeout", 0, "ZeroCloud's zerovm_timeout: wall-clock limit of the instances of jobs posted to the gateway (0: the sandbox's own)")
	tenantMax := fl.String("tenant-max", os.Getenv("ZEBRA_TENANT_MAX"), "operator maxima of tenants' job settings, KEY=N,... (default: the sandbox's defaults; "+defaultTenantMaxima().String()+")")
	if err := fl.Parse(args); err != nil {
		return 2
	}
	maxima, err := parseTenantMaxima(*tenantMax)
	if err != nil {
		fmt.Fprintln(os.Stderr, "zebra jobtracker:", err)
		return 2
	}
	if err := checkPublicRead(*publicRead, *swiftAuth); err != nil {
		fmt.Fprintln(os.Stderr, "zebra jobtracker:", err)
		return 2
	}
	if *data == "" || fl.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: zebra jobtracker --listen ADDR --data DIR [--poll-wait D] [--worker-expiry D] [--token-file F] [--swift-auth URL] [--gateway ADDR] [--zerocloud-timeout D] [--public-read] [--tenant-max KEY=N,...]")
		return 2
	}
	log := daemonLogger()
	if *tokenPath == "" {
		*tokenPath = filepath.Join(*data, "token")
	}
	token, err := tokenFile(*tokenPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "zebra jobtracker:", err)
		return 1
	}
	// A tenant's job's output is set up, committed and aborted with the
	// tenant's own token (planRegistry); the cluster's own jobs' with the
	// jobtracker's credentials.
	own := registry(nil, "")
	regFor := func(p *api.Plan) *mapreduce.Registry {
		if p.Owner == "" {
			return own
		}
		return planRegistry(p, "", maxima)
	}
	t, err := jobtracker.Open(jobtracker.Config{Data: *data, Registry: own, RegistryFor: regFor, PollWait: *pollWait, Expiry: *expiry, LocalityDelay: *delay, Logger: log})
	if err != nil {
		fmt.Fprintln(os.Stderr, "zebra jobtracker:", err)
		return 1
	}
	defer t.Close()
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(os.Stderr, "zebra jobtracker: listen on %s: %v\n", *listen, err)
		return 1
	}
	url := "http://" + ln.Addr().String()
	if ln, err = serveTLS(ln, *tlsCert, *tlsKey); err != nil {
		fmt.Fprintln(os.Stderr, "zebra jobtracker:", err)
		return 1
	}
	if *tlsCert != "" {
		url = "https://" + ln.Addr().String()
	}
	// The address file lets `zebra up` (and scripts) find a port-0 tracker.
	if err := writeAtomic(filepath.Join(*data, "jobtracker.url"), url+"\n"); err != nil {
		fmt.Fprintln(os.Stderr, "zebra jobtracker:", err)
		return 1
	}
	web.Version = version
	front, err := web.New(web.Config{Tracker: t, Inner: t.Handler(), Logger: log, ZeroCloud: zerocloudCompiler(maxima, t.Slots), ZeroCloudPosted: zerocloudPostedCompiler(maxima, t.Slots), TenantPlan: maxima.checkPlan, Locate: newReplicaLocator(log).Locate,
		Auth: web.AuthConfig{Token: token, SwiftURL: *swiftAuth, PublicRead: *publicRead}})
	if err != nil {
		fmt.Fprintln(os.Stderr, "zebra jobtracker:", err)
		return 1
	}
	if *gatewayAt != "" {
		if err := startGateway(ctx, *gatewayAt, *swiftAuth, *data, *zcTimeout, front, log); err != nil {
			fmt.Fprintln(os.Stderr, "zebra jobtracker:", err)
			return 1
		}
	}
	srv := &http.Server{Handler: front, ReadHeaderTimeout: 10 * time.Second}
	srv.RegisterOnShutdown(front.EndStreams)
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	log.Info("jobtracker serving", "url", url, "ui", url+"/ui/", "data", *data, "token_file", *tokenPath)
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(os.Stderr, "zebra jobtracker:", err)
		return 1
	}
	return 0
}

func writeAtomic(path, content string) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// workerCommand is `zebra worker --jobtracker URL --data DIR`.
func workerCommand(ctx context.Context, args []string) int {
	fl := flag.NewFlagSet("zebra worker", flag.ContinueOnError)
	jt := fl.String("jobtracker", os.Getenv("ZEBRA_JOBTRACKER"), "jobtracker URL (default $ZEBRA_JOBTRACKER)")
	data := fl.String("data", "", "directory for job files, map outputs and logs (required)")
	slots := fl.Int("slots", runtime.NumCPU(), "map instances run at once")
	reduceSlots := fl.Int("reduce-slots", -1, "reduce instances run at once (default: --slots)")
	host, _ := os.Hostname()
	name := fl.String("name", host, "worker name")
	node := fl.String("node", "", "storage node(s) this worker sits beside, comma-separated: Swift object server or HDFS DataNode ip:port (default: --name)")
	shuffleAt := fl.String("shuffle", "tcp://127.0.0.1:*", "ZeroMQ endpoint serving map outputs")
	fetchTimeout := fl.Duration("fetch-timeout", 0, "silence of a map output's worker after which a fetch fails (default 30s)")
	tokenPath := fl.String("token-file", os.Getenv("ZEBRA_TOKEN_FILE"), "file holding the cluster token (default $ZEBRA_TOKEN)")
	logsAt := fl.String("logs", "127.0.0.1:0", "address to serve attempt logs on, for the jobtracker's web UI")
	openTimeout := fl.Duration("open-timeout", 10*time.Second, "longest run of an app opened on an object (GET /open/...)")
	tlsCert, tlsKey := tlsFlags(fl)
	curve := fl.Bool("shuffle-curve", true, "secure the shuffle with ZeroMQ CURVE (false: plain ZeroMQ, any client of the port gets map outputs)")
	curveKey := fl.String("shuffle-key-file", os.Getenv("ZEBRA_SHUFFLE_KEY_FILE"), "file holding the cluster's shuffle CURVE secret key, Z85 (default: derived from the cluster token)")
	tenantMax := fl.String("tenant-max", os.Getenv("ZEBRA_TENANT_MAX"), "operator maxima of tenants' job settings, KEY=N,...: a tenant's job over them is lowered to them (default: the sandbox's defaults)")
	allow := fl.String("sandbox-allow", os.Getenv("ZEBRA_SANDBOX_ALLOW"), "host directories, comma-separated, besides the system directories, that tasks' interpreters may be run from (e.g. /opt/conda,/root/.pyenv/versions/3.11.7; default $ZEBRA_SANDBOX_ALLOW)")
	if err := fl.Parse(args); err != nil {
		return 2
	}
	maxima, err := parseTenantMaxima(*tenantMax)
	if err != nil {
		fmt.Fprintln(os.Stderr, "zebra worker:", err)
		return 2
	}
	if *data == "" || *jt == "" || fl.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: zebra worker --jobtracker URL --data DIR [--slots N] [--reduce-slots N] [--name NAME] [--node NODE] [--tenant-max KEY=N,...]")
		return 2
	}
	if *reduceSlots < 0 {
		*reduceSlots = *slots
	}
	log := daemonLogger()
	token := os.Getenv("ZEBRA_TOKEN")
	if *tokenPath != "" {
		var err error
		if token, err = readToken(*tokenPath); err != nil {
			fmt.Fprintln(os.Stderr, "zebra worker:", err)
			return 1
		}
	}
	shuffleKey, err := shuffleKey(*curve, *curveKey, token)
	if err != nil {
		fmt.Fprintln(os.Stderr, "zebra worker:", err)
		return 1
	}
	logLn, err := net.Listen("tcp", *logsAt)
	if err != nil {
		fmt.Fprintf(os.Stderr, "zebra worker: listen on %s: %v\n", *logsAt, err)
		return 1
	}
	logURL := worker.LogURLFor(logLn, host)
	if logLn, err = serveTLS(logLn, *tlsCert, *tlsKey); err != nil {
		fmt.Fprintln(os.Stderr, "zebra worker:", err)
		return 1
	}
	if *tlsCert != "" {
		logURL = "https://" + strings.TrimPrefix(logURL, "http://")
	}
	boxes := &sandboxes{logger: log, maxima: maxima}
	for _, a := range strings.Split(*allow, ",") {
		if a = strings.TrimSpace(a); a != "" {
			boxes.allow = append(boxes.allow, a)
		}
	}
	if _, err := nativeConfig(nil, boxes.allow, false); err != nil {
		fmt.Fprintln(os.Stderr, "zebra worker: --sandbox-allow:", err)
		return 2
	}
	defer boxes.close()
	storageNode := *node
	if storageNode == "" {
		storageNode = *name
	}
	httpHandler, err := workerHTTP(*data, token, *name, storageNode, *openTimeout, boxes, log)
	if err != nil {
		fmt.Fprintln(os.Stderr, "zebra worker:", err)
		return 1
	}
	go func() {
		if err := worker.ServeHandler(ctx, logLn, httpHandler, log); err != nil {
			log.Error("attempt log server stopped", "err", err)
		}
	}()
	trackerClient, err := api.NewClient(*jt)
	if err != nil {
		fmt.Fprintln(os.Stderr, "zebra worker:", err)
		return 2
	}
	if token != "" {
		trackerClient.Token = token
	}
	channels := newChannelEnv(trackerClient, *shuffleAt, host, shuffleKey)
	build := func(ctx context.Context, p *api.Plan, id mapreduce.JobID, dir string) (*mapreduce.Job, error) {
		scratch := filepath.Join(dir, "scratch")
		if err := os.MkdirAll(scratch, 0o755); err != nil {
			return nil, err
		}
		// Each job resolves its paths with its own credentials: the
		// cluster's jobs with their settings, a tenant's with its token.
		reg := planRegistry(p, storageNode, maxima)
		if p.Kind == zerocloud.Kind {
			return zerocloudJob(ctx, p, id, dir, reg, boxes.chooserFor(p.Owner), boxes.allow, channels, log)
		}
		e := &streaming.Env{Stdout: os.Stderr, Stderr: os.Stderr, Environ: sandbox.ClusterEnviron(os.Environ(), boxes.allow), Registry: reg,
			Sandbox: boxes.chooserFor(p.Owner), WorkDir: scratch, LogDir: filepath.Join(*data, "logs"), Logger: log}
		return streaming.ClusterJob(ctx, p, id, dir, e)
	}
	worker.StartErrorFunc = streaming.StartError
	err = worker.Run(ctx, worker.Config{JobTracker: *jt, Data: *data, Name: *name, Node: *node, MapSlots: *slots,
		ReduceSlots: *reduceSlots, Shuffle: *shuffleAt, FetchTimeout: *fetchTimeout, ShuffleKey: shuffleKey, Build: build, Logger: log,
		LogURL: logURL, Token: token})
	if err != nil {
		fmt.Fprintln(os.Stderr, "zebra worker:", err)
		return 1
	}
	return 0
}

// shuffleKey is a worker's shuffle keypair (nil: plain ZeroMQ): the
// secret key in keyFile, else the one derived from the cluster token, so
// that every daemon of the cluster has it with no set-up (see
// docs/cluster.md).
func shuffleKey(on bool, keyFile, token string) (*shuffle.Curve, error) {
	if !on {
		return nil, nil
	}
	var k shuffle.Curve
	var err error
	switch {
	case keyFile != "":
		var b []byte
		if b, err = os.ReadFile(keyFile); err != nil {
			return nil, fmt.Errorf("read the shuffle key: %w", err)
		}
		if k, err = shuffle.CurveFromSecret(strings.TrimSpace(string(b))); err != nil {
			return nil, fmt.Errorf("shuffle key in %s: %w", keyFile, err)
		}
	case token == "":
		return nil, errors.New("the shuffle's CURVE key is derived from the cluster token, and there is none: set ZEBRA_TOKEN or --token-file, or pass --shuffle-key-file (or --shuffle-curve=false for a plain shuffle)")
	default:
		if k, err = shuffle.DeriveCurve(token); err != nil {
			return nil, err
		}
	}
	return &k, nil
}

// tlsFlags are a daemon's --tls-cert and --tls-key (default
// $ZEBRA_TLS_CERT, $ZEBRA_TLS_KEY).
func tlsFlags(fl *flag.FlagSet) (cert, key *string) {
	cert = fl.String("tls-cert", os.Getenv("ZEBRA_TLS_CERT"), "serve HTTPS with this certificate (PEM; with --tls-key); plain HTTP is then refused")
	key = fl.String("tls-key", os.Getenv("ZEBRA_TLS_KEY"), "the private key of --tls-cert (PEM)")
	return cert, key
}

// serveTLS wraps ln in TLS with cert and key (both "": ln itself).
func serveTLS(ln net.Listener, cert, key string) (net.Listener, error) {
	if cert == "" && key == "" {
		return ln, nil
	}
	if cert == "" || key == "" {
		ln.Close()
		return nil, errors.New("TLS needs both --tls-cert and --tls-key")
	}
	cfg, err := pki.ServerConfig(cert, key)
	if err != nil {
		ln.Close()
		return nil, err
	}
	return tls.NewListener(ln, cfg), nil
}

// shuffleKeyCommand is `zebra shuffle-key`: it prints a new random CURVE
// secret key (Z85) for --shuffle-key-file.
func shuffleKeyCommand(args []string) int {
	if len(args) > 0 {
		fmt.Fprintln(os.Stderr, "usage: zebra shuffle-key > FILE (then: zebra worker --shuffle-key-file FILE on every worker)")
		return 2
	}
	k, err := shuffle.NewCurve()
	if err != nil {
		fmt.Fprintln(os.Stderr, "zebra shuffle-key:", err)
		return 1
	}
	fmt.Println(k.Secret)
	return 0
}
