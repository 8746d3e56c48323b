package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// launch runs the launcher in process and returns its exit code, stdout
// and stderr.
func launch(t *testing.T, prog string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := launcherCommand(context.Background(), prog, args, &out, &errb)
	return code, out.String(), errb.String()
}

// TestLauncherRefusals: what zebra lacks ends with exit code 1 (Hadoop's
// for a failed command) and one line naming it; what Hadoop itself does
// not know is Hadoop's "not COMMAND nor fully qualified CLASSNAME".
func TestLauncherRefusals(t *testing.T) {
	t.Setenv("HADOOP_CONF_DIR", "")
	for _, tc := range []struct {
		prog string
		args []string
		want string
	}{
		{"hadoop", []string{"distcp", "a", "b"}, "hadoop (zebra): 'hadoop distcp' is not supported by zebra; it has: "},
		{"hdfs", []string{"fsck", "/"}, "hdfs (zebra): 'hdfs fsck' is not supported by zebra; it has: "},
		{"yarn", []string{"node", "-list"}, "yarn (zebra): 'yarn node' is not supported by zebra; it has: "},
		{"mapred", []string{"historyserver"}, "mapred (zebra): 'mapred historyserver' is not supported by zebra; it has: "},
		{"hadoop", []string{"org.example.WordCount", "in"}, "hadoop (zebra): class org.example.WordCount is not supported by zebra; it has: "},
		{"hadoop", []string{"frobnicate"}, "ERROR: frobnicate is not COMMAND nor fully qualified CLASSNAME.\n"},
		{"hadoop", []string{"--config"}, "ERROR: No parameter provided for --config\n"},
		{"hadoop", []string{"--config", "/nonexistent/conf", "version"}, "ERROR: Cannot find configuration directory \"/nonexistent/conf\"\n"},
	} {
		code, out, errs := launch(t, tc.prog, tc.args...)
		if code != 1 || out != "" || !strings.HasPrefix(errs, tc.want) {
			t.Errorf("%s %q: exit %d, stdout %q, stderr %q; want exit 1 and stderr starting %q", tc.prog, tc.args, code, out, errs, tc.want)
		}
		if strings.Contains(tc.want, "zebra") && strings.Count(errs, "\n") != 1 {
			t.Errorf("%s %q: want one line, got %q", tc.prog, tc.args, errs)
		}
	}
	// No subcommand: the usage, exit 1.
	if code, _, errs := launch(t, "yarn"); code != 1 || !strings.Contains(errs, "Usage: yarn") {
		t.Errorf("bare yarn: %d %q", code, errs)
	}
	// RunJar's own checks.
	if code, _, errs := launch(t, "hadoop", "jar"); code != 255 || errs != "RunJar jarFile [mainClass] args...\n" {
		t.Errorf("hadoop jar: %d %q", code, errs)
	}
	missing := filepath.Join(t.TempDir(), "wordcount.jar")
	if code, _, errs := launch(t, "hadoop", "jar", missing); code != 255 || errs != "JAR does not exist or is not a normal file: "+missing+"\n" {
		t.Errorf("hadoop jar (missing): %d %q", code, errs)
	}
}

// TestLauncherVersion: mrjob and luigi read the release from the first
// line; the launcher options before the subcommand are taken.
func TestLauncherVersion(t *testing.T) {
	conf := t.TempDir()
	for _, args := range [][]string{{"version"}, {"--loglevel", "DEBUG", "--config", conf, "version"}} {
		code, out, _ := launch(t, "hadoop", args...)
		lines := strings.Split(out, "\n")
		if code != 0 || lines[0] != "Hadoop "+hadoopVersion || !strings.HasPrefix(lines[1], "zebra "+version+" ") {
			t.Errorf("hadoop %q: exit %d\n%s", args, code, out)
		}
	}
	if code, out, _ := launch(t, "hadoop", "--config", conf, "classpath"); code != 0 || out != conf+"\n" {
		t.Errorf("hadoop classpath: %d %q", code, out)
	}
}

// TestApplicationIDs: YARN application ids are job ids (both ways); other
// words are refused before they reach a path.
func TestApplicationIDs(t *testing.T) {
	for in, want := range map[string]string{
		"application_1733500000000_0007": "job_1733500000000_0007",
		"job_local123_0001":              "job_local123_0001",
		"application_local123_0001":      "job_local123_0001",
	} {
		if got, ok := jobOfApp(in); !ok || got != want {
			t.Errorf("jobOfApp(%q) = %q %v, want %q", in, got, ok, want)
		}
		if appOfJob(want) != "application_"+strings.TrimPrefix(want, "job_") {
			t.Errorf("appOfJob(%q) = %q", want, appOfJob(want))
		}
	}
	for _, bad := range []string{"application_../../etc_1", "job_1_x", "container_1_1", "application_1_1/..", ""} {
		if got, ok := jobOfApp(bad); ok {
			t.Errorf("jobOfApp(%q) = %q, want refused", bad, got)
		}
	}
}

// TestLocalYarnLogs: `yarn logs -applicationId` prints a local runner
// job's attempt logs from the state directory.
func TestLocalYarnLogs(t *testing.T) {
	home := t.TempDir()
	t.Setenv("ZEBRA_HOME", home)
	t.Setenv("ZEBRA_JOBTRACKER", "")
	t.Setenv("HADOOP_CONF_DIR", "")
	att := filepath.Join(home, "logs", "job_local42_0001", "attempt_local42_0001_m_000000_0")
	os.MkdirAll(att, 0o755)
	os.WriteFile(filepath.Join(att, "stderr"), []byte("Traceback: boom\n"), 0o644)
	code, out, errs := launch(t, "yarn", "logs", "-applicationId", "application_local42_0001")
	if code != 0 || !strings.Contains(out, "Container: attempt_local42_0001_m_000000_0 on localhost\n") ||
		!strings.Contains(out, "LogType:stderr\nLogLength:16\nLog Contents:\nTraceback: boom\nEnd of LogType:stderr\n") {
		t.Errorf("yarn logs: %d\n%s\n%s", code, out, errs)
	}
	if code, _, errs := launch(t, "yarn", "logs", "-applicationId", "application_local42_0002"); code != 255 ||
		!strings.Contains(errs, "Can not find the logs for the application: application_local42_0002") {
		t.Errorf("yarn logs (unknown): %d %q", code, errs)
	}
}

// TestShimsInstall: the four launchers run this binary; the HADOOP_HOME
// layout holds a streaming jar whose manifest names HadoopStreaming, at the
// path and name mrjob's search (hadoop*streaming*.jar) finds.
func TestShimsInstall(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "it's home")
	self := "/opt/zebra's/bin/zebra"
	written, err := installShims(dir, self, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(written) != 5 {
		t.Fatalf("wrote %v", written)
	}
	for _, name := range shimLaunchers {
		b, err := os.ReadFile(filepath.Join(dir, "bin", name))
		if err != nil {
			t.Fatal(err)
		}
		// The shim hands its arguments on unchanged, through /bin/sh's quoting.
		script := strings.Replace(string(b), shellQuote(self), "printf '%s|'", 1)
		out, err := exec.Command("sh", "-c", script, name, "a b", "", "$x", "'q'").Output()
		if err != nil || string(out) != name+"|a b||$x|'q'|" {
			t.Errorf("%s shim: %v %q\n%s", name, err, out, b)
		}
	}
	jar := filepath.Join(dir, "share", "hadoop", "tools", "lib", "hadoop-streaming-"+hadoopVersion+".jar")
	if main, err := manifestMainClass(jar); err != nil || main != streamingMain {
		t.Errorf("stand-in jar's Main-Class: %q %v", main, err)
	}
	if fi, err := os.Stat(filepath.Join(dir, "etc", "hadoop")); err != nil || !fi.IsDir() {
		t.Errorf("etc/hadoop: %v", err)
	}
}
