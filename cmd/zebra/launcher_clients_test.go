package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"zebra/mapreduce/mrtest/suite"
)

// The client tests run mrjob's Hadoop runner (-r hadoop) and luigi's
// luigi.contrib.hadoop JobTasks, installed from PyPI, unchanged through the
// shims (HADOOP_HOME = `zebra shims install --hadoop-home`), on the local
// runner and on a `zebra up` cluster, and compare what they produce with
// each framework's own local runner (mrjob -r local; luigi's
// LocalJobRunner). Skipped under -short; scripts/test.sh runs them.

// clientPackages are the PyPI packages the tests install: luigi 3.6.0 is
// the last release whose wheel has luigi/contrib/mrrunner.py.
var clientPackages = []string{"mrjob==0.7.4", "luigi==3.6.0"}

// clientsVenv returns the python of a virtualenv holding clientPackages
// and extra, created (once; later calls reuse it) under $ZEBRA_CACHE/venv,
// else ~/.cache/zebra/venv, with python3 -m venv and pip from PyPI. Extra
// packages missing from an existing virtualenv are added to it.
func clientsVenv(t *testing.T, extra ...string) string {
	t.Helper()
	cache := os.Getenv("ZEBRA_CACHE")
	if cache == "" {
		h, err := os.UserHomeDir()
		if err != nil {
			t.Fatal(err)
		}
		cache = filepath.Join(h, ".cache", "zebra")
	}
	dir := filepath.Join(cache, "venv")
	python := filepath.Join(dir, "bin", "python")
	stamp := filepath.Join(dir, ".zebra-packages")
	want := strings.Join(clientPackages, " ") + "\n"
	have := map[string]bool{}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		t.Fatal(err)
	}
	lock, err := os.OpenFile(dir+".lock", os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(stamp); err == nil && strings.HasPrefix(string(b), want) {
		for _, p := range strings.Fields(string(b)) {
			have[p] = true
		}
		var missing []string
		for _, p := range extra {
			if !have[p] {
				missing = append(missing, p)
			}
		}
		if len(missing) == 0 {
			return python
		}
		args := append([]string{python, "-m", "pip", "install", "-q", "--disable-pip-version-check"}, missing...)
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("installing %s from PyPI: %v\n%s", strings.Join(missing, " "), err, out)
		}
		if err := os.WriteFile(stamp, append(b, []byte(strings.Join(missing, " ")+"\n")...), 0o644); err != nil {
			t.Fatal(err)
		}
		return python
	}
	os.RemoveAll(dir)
	for _, args := range [][]string{
		{"python3", "-m", "venv", dir},
		append(append([]string{python, "-m", "pip", "install", "-q", "--disable-pip-version-check"}, clientPackages...), extra...),
	} {
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("installing mrjob and luigi from PyPI: %s: %v\n%s\n(on Debian, python3 -m venv needs the python3-venv package)", strings.Join(args, " "), err, out)
		}
	}
	if len(extra) > 0 {
		want += strings.Join(extra, " ") + "\n"
	}
	if err := os.WriteFile(stamp, []byte(want), 0o644); err != nil {
		t.Fatal(err)
	}
	return python
}

// clientInput is the jobs' input: ASCII words, so that Go's \w is
// Python's and the expected counters can be derived here.
func clientInput() string {
	words := strings.Fields("the quick brown fox jumps over lazy dogs while seven zebras graze quietly near a river bank at dawn and apples fall")
	var b strings.Builder
	for i := 0; i < 120; i++ {
		for j := 0; j < 3+i%7; j++ {
			b.WriteString(words[(i*7+j*j*3+j)%len(words)])
			b.WriteByte(' ')
		}
		if i%11 == 0 {
			b.WriteString("Don't STOP")
		}
		b.WriteByte('\n')
	}
	return b.String()
}

var wordRE = regexp.MustCompile(`[\w']+`)

// expectedCounters computes the counters the counter jobs count: input
// lines and words longer than four characters.
func expectedCounters(input string) map[string]int {
	c := map[string]int{}
	for _, l := range strings.Split(strings.TrimSuffix(input, "\n"), "\n") {
		c["lines"]++
		for _, w := range wordRE.FindAllString(l, -1) {
			if len(w) > 4 {
				c["long words"]++
			}
		}
	}
	return c
}

// hadoopCounters reads the zebra group's lines and long words counters
// from a Hadoop counter dump in a client's log (indented name=value lines,
// possibly behind a log prefix).
var counterLine = regexp.MustCompile(`(?m)^(?:INFO: )?\s*(lines|long words|combined)=(\d+)\s*$`)

func hadoopCounters(log string) map[string]int {
	c := map[string]int{}
	for _, m := range counterLine.FindAllStringSubmatch(log, -1) {
		n, _ := strconv.Atoi(m[2])
		c[m[1]] = n
	}
	return c
}

// reporterCounters sums the reporter:counter:zebra,… lines a task printed
// (luigi's LocalJobRunner leaves them on its stderr).
var reporterLine = regexp.MustCompile(`(?m)^reporter:counter:zebra,(lines|long words|combined),(\d+)$`)

func reporterCounters(log string) map[string]int {
	c := map[string]int{}
	for _, m := range reporterLine.FindAllStringSubmatch(log, -1) {
		n, _ := strconv.Atoi(m[2])
		c[m[1]] += n
	}
	return c
}

// readParts concatenates a job output directory's part files in order.
func readParts(t *testing.T, dir string) string {
	t.Helper()
	parts, _ := filepath.Glob(filepath.Join(dir, "part-*"))
	if len(parts) == 0 {
		t.Errorf("no part files in %s", dir)
	}
	slices.Sort(parts)
	var b strings.Builder
	for _, p := range parts {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(data)
	}
	return b.String()
}

// sortedLines returns s's lines in byte order.
func sortedLines(s string) string {
	l := strings.SplitAfter(s, "\n")
	slices.Sort(l)
	return strings.Join(l, "")
}

var runningJob = regexp.MustCompile(`Running job: (job_[A-Za-z0-9]+_[0-9]+)`)

func TestPythonClients(t *testing.T) {
	suite.Require(t, suite.PyPI)
	bin := buildZebra(t)
	if out, _ := exec.Command(bin, "fs", "-help").CombinedOutput(); strings.Contains(string(out), `unknown command "fs"`) {
		t.Skip("this zebra has no `zebra fs` yet (branch fsshell): mrjob and luigi need `hadoop fs`")
	}
	python := clientsVenv(t)
	home := filepath.Join(t.TempDir(), "hadoop")
	if out, err := exec.Command(bin, "shims", "install", "--hadoop-home", home).CombinedOutput(); err != nil {
		t.Fatalf("zebra shims install: %v\n%s", err, out)
	}
	scripts, _ := filepath.Abs("testdata/clients")
	input := clientInput()

	// The frameworks' own local runners, once.
	ref := t.TempDir()
	os.WriteFile(filepath.Join(ref, "in.txt"), []byte(input), 0o644)
	refEnv := []string{"TMPDIR=" + ref, "PYTHONPATH=" + scripts}
	mrjobRef := map[string]string{}
	mrjobRefCounters := map[string]int{}
	for _, job := range []string{"mr_wordcount", "mr_twostep", "mr_counters"} {
		code, out, errs := runIn(t, ref, refEnv, python, filepath.Join(scripts, job+".py"), "-r", "local",
			"--jobconf", "mapreduce.job.reduces=1", "in.txt")
		if code != 0 || out == "" {
			t.Fatalf("mrjob -r local %s: exit %d\n%s", job, code, errs)
		}
		mrjobRef[job] = out
		if job == "mr_counters" {
			mrjobRefCounters = hadoopCounters(errs)
		}
	}
	luigiRef := map[string]string{}
	luigiRefCounters := map[string]int{}
	for _, task := range []string{"WordCount", "TopByLetter", "Counters"} {
		dst := filepath.Join(ref, "luigi-"+task)
		code, _, errs := runIn(t, ref, refEnv, python, filepath.Join(scripts, "run_luigi.py"), "local", task, "in.txt", dst)
		b, err := os.ReadFile(dst)
		if code != 0 || err != nil || len(b) == 0 {
			t.Fatalf("luigi LocalJobRunner %s: exit %d %v\n%s", task, code, err, errs)
		}
		luigiRef[task] = string(b)
		if task == "Counters" {
			luigiRefCounters = reporterCounters(errs)
		}
	}
	want := expectedCounters(input)
	for name, got := range map[string]map[string]int{"mrjob -r local": mrjobRefCounters, "luigi LocalJobRunner": luigiRefCounters} {
		if got["lines"] != want["lines"] || got["long words"] != want["long words"] {
			t.Fatalf("%s counted %v, want %v", name, got, want)
		}
	}

	modes := []string{"local", "cluster"}
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			work := t.TempDir()
			os.WriteFile(filepath.Join(work, "in.txt"), []byte(input), 0o644)
			os.WriteFile(filepath.Join(work, "fail.txt"), []byte("a line\na zebra line\nmore\n"), 0o644)
			cfg := filepath.Join(work, "luigi.cfg")
			os.WriteFile(cfg, []byte(fmt.Sprintf("[hadoop]\nstreaming-jar=%s\npython-executable=%s\n\n[hdfs]\nclient=hadoopcli\n",
				filepath.Join(home, "share", "hadoop", "tools", "lib", "hadoop-streaming-"+hadoopVersion+".jar"), python)), 0o644)
			env := []string{
				"PATH=" + filepath.Join(home, "bin") + ":" + os.Getenv("PATH"),
				"HADOOP_HOME=" + home, "HADOOP_CONF_DIR=", "LUIGI_CONFIG_PATH=" + cfg,
				"TMPDIR=" + work, "PYTHONPATH=" + scripts, "ZEBRA_HOME=" + filepath.Join(work, "state"),
				"ZEBRA_JOBTRACKER=", "ZEBRA_TOKEN=",
			}
			if mode == "cluster" {
				if os.Geteuid() != 0 {
					t.Skip("cluster tasks run in the native sandbox, which needs root here")
				}
				// The operator names the interpreter installations tasks may
				// use: the clients' virtualenv and the Python it was made from.
				base, err := exec.Command(python, "-c", "import sys; print(sys.base_prefix)").Output()
				if err != nil {
					t.Fatalf("python's base prefix: %v", err)
				}
				allow := filepath.Dir(filepath.Dir(python)) + "," + strings.TrimSpace(string(base))
				cl := upCluster(t, bin, "--no-swift", "--workers", "2", "--slots", "2", "--sandbox-allow", allow)
				env = append(env, "ZEBRA_JOBTRACKER="+cl["ZEBRA_JOBTRACKER"], "ZEBRA_TOKEN="+cl["ZEBRA_TOKEN"])
			}
			mrjob := func(job, in string) (int, string, string) {
				return runIn(t, work, env, python, filepath.Join(scripts, job+".py"), "-r", "hadoop",
					"--hadoop-tmp-dir", "file://"+filepath.Join(work, "mrjob-tmp"),
					"--jobconf", "mapreduce.job.reduces=1", in)
			}
			for _, job := range []string{"mr_wordcount", "mr_twostep", "mr_counters"} {
				// mrjob's local runner partitions by its own rule (it ignores
				// mapreduce.job.reduces), so its output is in another order:
				// the lines must be the same.
				code, out, errs := mrjob(job, "in.txt")
				if code != 0 || sortedLines(out) != sortedLines(mrjobRef[job]) {
					t.Errorf("mrjob -r hadoop %s: exit %d, output %q, want %q\n%s", job, code, out, mrjobRef[job], errs)
				}
				if job == "mr_counters" {
					got := hadoopCounters(errs)
					if got["lines"] != want["lines"] || got["long words"] != want["long words"] || got["combined"] == 0 {
						t.Errorf("mrjob -r hadoop counters %v, want %v (and combined > 0)", got, want)
					}
				}
			}
			code, out, errs := mrjob("mr_fail", "fail.txt")
			msg := `ValueError: zebra-launcher-boom on 'a zebra line'`
			if code == 0 || !strings.Contains(out+errs, msg) || !strings.Contains(out+errs, "Traceback (most recent call last)") {
				t.Errorf("mrjob failing task: exit %d; want its traceback (%s)\n%s%s", code, msg, out, errs)
			}
			m := runningJob.FindStringSubmatch(errs)
			if m == nil {
				t.Fatalf("no job id in mrjob's log:\n%s", errs)
			}
			failedJob := m[1]
			app := appOfJob(failedJob)
			yarn := filepath.Join(home, "bin", "yarn")
			if code, out, errs := runIn(t, work, env, yarn, "logs", "-applicationId", app); code != 0 || !strings.Contains(out, msg) {
				t.Errorf("yarn logs -applicationId %s: exit %d\n%s%s", app, code, out, errs)
			}
			if mode == "cluster" {
				if code, out, errs := runIn(t, work, env, filepath.Join(home, "bin", "mapred"), "job", "-status", failedJob); code != 0 || !strings.Contains(out, "Job state: FAILED") {
					t.Errorf("mapred job -status: exit %d\n%s%s", code, out, errs)
				}
				if code, out, errs := runIn(t, work, env, yarn, "application", "-list", "-appStates", "ALL"); code != 0 || !strings.Contains(out, app) {
					t.Errorf("yarn application -list: exit %d\n%s%s", code, out, errs)
				}
				if code, out, errs := runIn(t, work, env, yarn, "application", "-status", app); code != 0 || !strings.Contains(out, "\tFinal-State : FAILED\n") {
					t.Errorf("yarn application -status: exit %d\n%s%s", code, out, errs)
				}
			}

			luigi := func(task, in, dst string) (int, string) {
				code, _, errs := runIn(t, work, env, python, filepath.Join(scripts, "run_luigi.py"), "hadoop", task, filepath.Join(work, in), dst)
				return code, errs
			}
			for _, task := range []string{"WordCount", "TopByLetter", "Counters"} {
				dst := filepath.Join(work, "luigi-"+task)
				code, errs := luigi(task, "in.txt", dst)
				if code != 0 {
					t.Errorf("luigi %s through the shims: exit %d\n%s", task, code, errs)
					continue
				}
				if got := readParts(t, dst); got != luigiRef[task] {
					t.Errorf("luigi %s: output %q, want %q", task, got, luigiRef[task])
				}
				if task == "Counters" {
					if got := hadoopCounters(errs); got["lines"] != want["lines"] || got["long words"] != want["long words"] {
						t.Errorf("luigi counters %v, want %v\n%s", got, want, errs)
					}
				}
			}
			if code, errs := luigi("Fail", "fail.txt", filepath.Join(work, "luigi-fail")); code == 0 || !strings.Contains(errs, msg) {
				t.Errorf("luigi failing task: exit %d; want its traceback (%s)\n%s", code, msg, errs)
			}
		})
	}
}
