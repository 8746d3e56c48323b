package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"zebra/mapreduce/mrtest/suite"
)

// installedShims builds zebra and installs its shims with the HADOOP_HOME
// layout; it returns the layout's directory.
func installedShims(t *testing.T) string {
	t.Helper()
	bin := buildZebra(t)
	home := filepath.Join(t.TempDir(), "hadoop")
	if out, err := exec.Command(bin, "shims", "install", "--hadoop-home", home).CombinedOutput(); err != nil {
		t.Fatalf("zebra shims install: %v\n%s", err, out)
	}
	return home
}

// runIn runs a command in dir with env added and returns its exit code,
// stdout and stderr.
func runIn(t *testing.T, dir string, env []string, name string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return code, out.String(), errb.String()
}

// withoutLog4j drops the JVM's log4j start-up warnings.
func withoutLog4j(s string) string {
	var keep []string
	for _, l := range strings.SplitAfter(s, "\n") {
		if !strings.HasPrefix(l, "log4j:") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "")
}

// TestLauncherAgainstHadoop compares the shims with real Hadoop 3.4's
// classes behind the same launcher commands: VersionInfo (`hadoop
// version`'s first line) and RunJar (`hadoop jar`), including the
// streaming jar given its own main class again, which Hadoop refuses.
func TestLauncherAgainstHadoop(t *testing.T) {
	suite.Require(t, suite.Hadoop)
	root, _ := filepath.Abs("../..")
	oracle := filepath.Join(root, "scripts", "hadoop-oracle.sh")
	if out, err := exec.Command(oracle, "install").CombinedOutput(); err != nil {
		t.Fatalf("hadoop-oracle.sh install: %v\n%s", err, out)
	}
	cpOut, err := exec.Command(oracle, "classpath").Output()
	if err != nil {
		t.Fatal(err)
	}
	cp := strings.TrimSpace(string(cpOut))
	lib := filepath.Dir(cp)
	home := installedShims(t)
	hadoop := filepath.Join(home, "bin", "hadoop")
	java := func(dir string, args ...string) (int, string, string) {
		return runIn(t, dir, nil, "java", append([]string{"-cp", cp}, args...)...)
	}

	_, vout, _ := java(t.TempDir(), "org.apache.hadoop.util.VersionInfo")
	_, zout, _ := runIn(t, t.TempDir(), nil, hadoop, "version")
	if want, got := strings.SplitN(vout, "\n", 2)[0], strings.SplitN(zout, "\n", 2)[0]; got != want || !strings.HasPrefix(want, "Hadoop 3.4.") {
		t.Errorf("hadoop version's first line: zebra %q, Hadoop %q", got, want)
	}

	realJar := filepath.Join(lib, "hadoop-streaming-3.4.1.jar")
	zebraJar := filepath.Join(home, "share", "hadoop", "tools", "lib", "hadoop-streaming-"+hadoopVersion+".jar")
	missing := filepath.Join(t.TempDir(), "nope", "hadoop-examples.jar")
	for _, tc := range []struct {
		name string
		args func(jar string) []string
	}{
		{"no jar", func(string) []string { return nil }},
		{"missing jar", func(string) []string { return []string{missing, "wordcount"} }},
		{"repeated main class", func(jar string) []string {
			return []string{jar, streamingMain, "-input", "in.txt", "-output", "out", "-mapper", "cat"}
		}},
		{"streaming option error", func(jar string) []string {
			return []string{jar, "-input", "in.txt", "-mapper", "cat"}
		}},
	} {
		hdir, zdir := t.TempDir(), t.TempDir()
		for _, d := range []string{hdir, zdir} {
			os.WriteFile(filepath.Join(d, "in.txt"), []byte("a b\n"), 0o644)
		}
		hcode, hout, herr := java(hdir, append([]string{"org.apache.hadoop.util.RunJar"}, tc.args(realJar)...)...)
		zcode, zout, zerr := runIn(t, zdir, []string{"HADOOP_CONF_DIR="}, hadoop, append([]string{"jar"}, tc.args(zebraJar)...)...)
		herr = withoutLog4j(herr)
		if zcode != hcode || zout != hout || zerr != herr {
			t.Errorf("%s: zebra exit %d stdout %q stderr %q; Hadoop exit %d stdout %q stderr %q", tc.name, zcode, zout, zerr, hcode, hout, herr)
		}
	}
}

// TestLauncherConfig: `hadoop --config DIR jar …` and $HADOOP_CONF_DIR
// load DIR's site files under the command line's settings, as a Hadoop
// client loads its configuration directory.
func TestLauncherConfig(t *testing.T) {
	suite.Require(t, suite.Cluster) // builds zebra and runs jobs
	home := installedShims(t)
	hadoop := filepath.Join(home, "bin", "hadoop")
	jar := filepath.Join(home, "share", "hadoop", "tools", "lib", "hadoop-streaming-"+hadoopVersion+".jar")
	conf := t.TempDir()
	os.WriteFile(filepath.Join(conf, "mapred-site.xml"), []byte(`<?xml version="1.0"?>
<configuration>
  <property><name>mapreduce.job.reduces</name><value>3</value></property>
</configuration>
`), 0o644)
	work := t.TempDir()
	os.WriteFile(filepath.Join(work, "in.txt"), []byte("a\nb\nc\nd\ne\nf\n"), 0o644)
	env := []string{"ZEBRA_HOME=" + t.TempDir(), "ZEBRA_JOBTRACKER=", "HADOOP_CONF_DIR="}
	parts := func(out string) int {
		m, _ := filepath.Glob(filepath.Join(work, out, "part-*"))
		return len(m)
	}
	for _, tc := range []struct {
		name  string
		env   []string
		args  []string
		parts int
	}{
		{"no configuration", nil, []string{"jar", jar}, 1},
		{"--config", nil, []string{"--config", conf, "jar", jar}, 3},
		{"HADOOP_CONF_DIR", []string{"HADOOP_CONF_DIR=" + conf}, []string{"jar", jar}, 3},
		{"-D over --config", nil, []string{"--config", conf, "--loglevel", "WARN", "jar", jar, "-D", "mapreduce.job.reduces=2"}, 2},
	} {
		out := strings.ReplaceAll(tc.name, " ", "_")
		args := append(tc.args, "-input", "in.txt", "-output", out, "-mapper", "cat", "-reducer", "cat")
		code, _, errs := runIn(t, work, append(env, tc.env...), hadoop, args...)
		if code != 0 || parts(out) != tc.parts {
			t.Errorf("%s: exit %d, %d part files, want %d\n%s", tc.name, code, parts(out), tc.parts, errs)
		}
	}
}
