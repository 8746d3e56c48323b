package main

import (
	"archive/zip"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

const shimsUsage = `usage: zebra shims install [--hadoop-home] DIR

Writes the launchers hadoop, mapred, hdfs and yarn into DIR; each runs
'zebra <launcher> ARGS' (see docs/porting.md). With --hadoop-home, DIR is laid
out as a Hadoop installation for tools that look there (HADOOP_HOME=DIR):
the launchers in DIR/bin, the streaming jar (a stand-in that zebra
recognises) in DIR/share/hadoop/tools/lib/hadoop-streaming-` + hadoopVersion + `.jar,
and an empty configuration directory DIR/etc/hadoop.
`

// shimLaunchers are the Hadoop launcher scripts the shims stand in for.
var shimLaunchers = []string{"hadoop", "mapred", "hdfs", "yarn"}

// shimsCommand is `zebra shims install [--hadoop-home] DIR`: it writes
// hadoop, mapred, hdfs and yarn launchers that hand their whole command
// line to this zebra binary (launcherCommand), so unchanged job scripts
// and tools that call them run on zebra.
func shimsCommand(args []string) int {
	home := false
	if len(args) == 3 && args[1] == "--hadoop-home" {
		home, args = true, []string{args[0], args[2]}
	}
	if len(args) != 2 || args[0] != "install" || args[1] == "" {
		fmt.Fprint(os.Stderr, shimsUsage)
		return 2
	}
	dir := args[1]
	self, err := os.Executable()
	if err == nil {
		self, err = filepath.EvalSymlinks(self)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "zebra shims: cannot find the zebra binary:", err)
		return 1
	}
	written, err := installShims(dir, self, home)
	for _, p := range written {
		fmt.Println(p)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "zebra shims:", err)
		return 1
	}
	if home {
		abs, _ := filepath.Abs(dir)
		fmt.Fprintf(os.Stderr, "zebra shims: a Hadoop installation in %s: export HADOOP_HOME=%s PATH=%s:$PATH\n",
			abs, shellQuote(abs), shellQuote(filepath.Join(abs, "bin")))
	}
	return 0
}

// installShims writes the launchers (into dir, or dir/bin with the
// HADOOP_HOME layout) running the zebra binary self, and returns the paths
// it wrote.
func installShims(dir, self string, home bool) ([]string, error) {
	bin := dir
	if home {
		bin = filepath.Join(dir, "bin")
	}
	if err := os.MkdirAll(bin, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", bin, err)
	}
	var written []string
	for _, name := range shimLaunchers {
		p := filepath.Join(bin, name)
		body := "#!/bin/sh\n# zebra shim: Hadoop's '" + name + "' launcher runs on zebra (zebra shims install).\nexec " +
			shellQuote(self) + " " + name + " \"$@\"\n"
		if err := writeFileAtomic(p, []byte(body), 0o755); err != nil {
			return written, err
		}
		written = append(written, p)
	}
	if !home {
		return written, nil
	}
	lib := filepath.Join(dir, "share", "hadoop", "tools", "lib")
	conf := filepath.Join(dir, "etc", "hadoop")
	for _, d := range []string{lib, conf} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return written, fmt.Errorf("create %s: %w", d, err)
		}
	}
	jar, err := streamingStandIn()
	if err != nil {
		return written, err
	}
	p := filepath.Join(lib, "hadoop-streaming-"+hadoopVersion+".jar")
	if err := writeFileAtomic(p, jar, 0o644); err != nil {
		return written, err
	}
	return append(written, p), nil
}

// streamingStandIn is the jar the HADOOP_HOME layout holds: a jar whose
// manifest names the streaming main class, as the real one does, and no
// classes.
func streamingStandIn() ([]byte, error) {
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	w, err := z.Create("META-INF/MANIFEST.MF")
	if err == nil {
		_, err = fmt.Fprintf(w, "Manifest-Version: 1.0\r\nCreated-By: zebra %s (a stand-in: zebra runs streaming jobs itself)\r\nMain-Class: %s\r\n\r\n", version, streamingMain)
	}
	if err == nil {
		err = z.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("build the streaming jar stand-in: %w", err)
	}
	return b.Bytes(), nil
}

// writeFileAtomic replaces path with data (via a temporary file and a
// rename, so a running launcher is never seen half written).
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Chmod(mode)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
