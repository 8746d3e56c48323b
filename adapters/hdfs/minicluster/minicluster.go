// Package minicluster starts and stops a real single-node HDFS (an Apache
// Hadoop 3.4.1 NameNode and DataNode on 127.0.0.1) through
// scripts/hdfs-cluster.sh, for tests, benchmarks and `zebra up --hdfs`.
//
// The first start fetches the Hadoop jars from Maven Central into
// ${ZEBRA_CACHE:-~/.cache/zebra}/hadoop-3.4.1 (the streaming oracle's cache);
// it needs java (17) and mvn. A start then takes 10–30 s on two cores.
package minicluster

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// Cluster is a running HDFS.
type Cluster struct {
	// Dir holds the daemons' state, configuration, logs and PIDs.
	Dir string
	// URI is the default FS, hdfs://127.0.0.1:PORT (what the script prints
	// as `export ZEBRA_HDFS=…`).
	URI string
	// NameNode is the NameNode's RPC address, NameNodeHTTP its web address.
	NameNode, NameNodeHTTP string
	// DataNode is the DataNode's data transfer address "127.0.0.1:PORT":
	// the name block locations use, so a worker registered with
	// `--node <DataNode>` gets data-local maps.
	DataNode string
	// ConfDir is a Hadoop client configuration for the cluster
	// (HADOOP_CONF_DIR).
	ConfDir string
	// Took is how long Start took (including a first install of the jars).
	Took time.Duration
}

// Script finds scripts/hdfs-cluster.sh: $ZEBRA_HDFS_SCRIPT, else in the
// zebra module above the working directory, else beside this package's
// source (a binary built from a checkout).
func Script() (string, error) {
	if s := os.Getenv("ZEBRA_HDFS_SCRIPT"); s != "" {
		return s, nil
	}
	var roots []string
	if wd, err := os.Getwd(); err == nil {
		for d := wd; ; d = filepath.Dir(d) {
			roots = append(roots, d)
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	if _, file, _, ok := runtime.Caller(0); ok {
		roots = append(roots, filepath.Join(filepath.Dir(file), "..", "..", ".."))
	}
	for _, r := range roots {
		s := filepath.Join(r, "scripts", "hdfs-cluster.sh")
		if _, err := os.Stat(s); err == nil {
			if mod, err := os.ReadFile(filepath.Join(r, "go.mod")); err == nil && bytes.HasPrefix(mod, []byte("module zebra")) {
				return s, nil
			}
		}
	}
	return "", errors.New("scripts/hdfs-cluster.sh not found (run from the zebra checkout, or set ZEBRA_HDFS_SCRIPT)")
}

// Available reports why a cluster cannot be started here, or nil: java is
// needed, and mvn unless the jars are installed already.
func Available() error {
	if _, err := exec.LookPath("java"); err != nil {
		if jh := os.Getenv("JAVA_HOME"); jh == "" || !executable(filepath.Join(jh, "bin", "java")) {
			return errors.New("java not found: HDFS needs a Java 17 runtime (apt-get install default-jre-headless)")
		}
	}
	if _, err := Script(); err != nil {
		return err
	}
	return nil
}

func executable(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode()&0o111 != 0
}

func script(ctx context.Context, args ...string) (stdout, stderr []byte, err error) {
	s, err := Script()
	if err != nil {
		return nil, nil, err
	}
	cmd := exec.CommandContext(ctx, "bash", append([]string{s}, args...)...)
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	cmd.WaitDelay = 5 * time.Second
	err = cmd.Run()
	return so.Bytes(), se.Bytes(), err
}

// Start formats (the first time) and starts HDFS with its state in dir, and
// returns once the NameNode has left safe mode and the DataNode has space.
// A cluster already running in dir is returned as is.
func Start(ctx context.Context, dir string) (*Cluster, error) {
	t0 := time.Now()
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	_, se, err := script(ctx, "start", abs)
	if err != nil {
		return nil, fmt.Errorf("start HDFS in %s: %v\n%s", abs, err, strings.TrimSpace(string(se)))
	}
	c, err := read(abs)
	if err != nil {
		return nil, err
	}
	c.Took = time.Since(t0)
	return c, nil
}

// Status returns the cluster running in dir, or an error saying it is not.
func Status(ctx context.Context, dir string) (*Cluster, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	_, se, err := script(ctx, "status", abs)
	if err != nil {
		return nil, fmt.Errorf("no HDFS running in %s: %s", abs, strings.TrimSpace(string(se)))
	}
	return read(abs)
}

// Stop stops the daemons of the cluster in dir, by their recorded PIDs.
func Stop(dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, se, err := script(ctx, "stop", abs)
	if err != nil {
		return fmt.Errorf("stop HDFS in %s: %v\n%s", abs, err, strings.TrimSpace(string(se)))
	}
	return nil
}

// Stop stops the cluster.
func (c *Cluster) Stop() error { return Stop(c.Dir) }

// Env is the cluster's environment for clients: ZEBRA_HDFS and
// HADOOP_CONF_DIR.
func (c *Cluster) Env() []string {
	return []string{"ZEBRA_HDFS=" + c.URI, "HADOOP_CONF_DIR=" + c.ConfDir}
}

// read parses dir/hdfs.env, written by the script.
func read(dir string) (*Cluster, error) {
	f, err := os.Open(filepath.Join(dir, "hdfs.env"))
	if err != nil {
		return nil, fmt.Errorf("HDFS in %s: %w", dir, err)
	}
	defer f.Close()
	c := &Cluster{Dir: dir}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if !ok {
			continue
		}
		switch k {
		case "ZEBRA_HDFS":
			c.URI = v
		case "HDFS_NAMENODE":
			c.NameNode = v
		case "HDFS_NAMENODE_HTTP":
			c.NameNodeHTTP = v
		case "HDFS_DATANODE":
			c.DataNode = v
		case "HDFS_CONF_DIR":
			c.ConfDir = v
		}
	}
	if c.URI == "" || c.NameNode == "" || c.DataNode == "" {
		return nil, fmt.Errorf("HDFS in %s: incomplete %s", dir, f.Name())
	}
	return c, sc.Err()
}
