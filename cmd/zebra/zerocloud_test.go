package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ncw/swift/v2"

	"zebra/jobtracker/api"

	"zebra/mapreduce/mrtest/suite"
)

// swiftUp starts `zebra up` with Swift for the test and returns its
// exports and a logged-in Swift connection; the cluster stops at cleanup.
func swiftUp(t *testing.T, bin string, args ...string) (map[string]string, *swift.Connection) {
	t.Helper()
	suite.Require(t, suite.Swift)
	if os.Geteuid() != 0 {
		t.Skip("zebra up installs and runs Swift, which needs root here")
	}
	env := upCluster(t, bin, append([]string{"--slots", "1"}, args...)...)
	for _, k := range []string{"ZEBRA_JOBTRACKER", "ZEBRA_TOKEN", "ST_AUTH", "ST_USER", "ST_KEY"} {
		if env[k] == "" {
			t.Fatalf("zebra up printed no %s: %v", k, env)
		}
	}
	conn := &swift.Connection{UserName: env["ST_USER"], ApiKey: env["ST_KEY"], AuthUrl: env["ST_AUTH"]}
	if err := conn.Authenticate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return env, conn
}

// zebraCmd runs the zebra binary in dir with the cluster's environment.
func zebraCmd(bin, dir string, env map[string]string, args ...string) *exec.Cmd {
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	return cmd
}

// wordCounts parses "word<TAB>count" lines.
func wordCounts(t *testing.T, text string) map[string]int {
	t.Helper()
	m := map[string]int{}
	for _, l := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		w, n, ok := strings.Cut(l, "\t")
		c, err := strconv.Atoi(n)
		if !ok || err != nil {
			t.Fatalf("not a word count line: %q", l)
		}
		m[w] += c
	}
	return m
}

// TestZeroCloudWordcount runs examples/zerocloud-wordcount (a ZeroCloud
// job description: Python map instances reading /dev/input and writing
// /dev/out/reduce, one reduce reading /dev/in/*) with zebra submit on the
// real Swift of zebra up, and checks its result object against the
// streaming word count of examples/wordcount on the same objects; then
// that invalid jobs are refused with their field named and nothing
// started.
func TestZeroCloudWordcount(t *testing.T) {
	bin := buildZebra(t)
	env, conn := swiftUp(t, bin)
	ctx := context.Background()
	if err := conn.ContainerCreate(ctx, "books", nil); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 5))
	words := strings.Fields("zebra swift object replica shuffle arrow map reduce partition merge sort spill commit attempt worker tracker Zürich naïve")
	const nObjects = 5
	for f := 0; f < nObjects; f++ {
		var b bytes.Buffer
		for b.Len() < 60<<10 {
			for i := 0; i < 10; i++ {
				b.WriteString(words[rng.IntN(len(words))] + strconv.Itoa(rng.IntN(30)) + " ")
			}
			b.WriteString("\n")
		}
		if err := conn.ObjectPutBytes(ctx, "books", fmt.Sprintf("book-%d.txt", f), b.Bytes(), "text/plain"); err != nil {
			t.Fatal(err)
		}
	}
	// Not matched by *.txt: neither job may read it.
	if err := conn.ObjectPutString(ctx, "books", "README.md", "not a book\n", "text/plain"); err != nil {
		t.Fatal(err)
	}
	top, _ := filepath.Abs("../..")
	ref := zebraCmd(bin, filepath.Join(top, "examples", "wordcount"), env, "streaming", "-files", "mapper.py,reducer.py",
		"-input", "swift://books/*.txt", "-output", "swift://reference", "-mapper", "mapper.py", "-reducer", "reducer.py")
	if out, err := ref.CombinedOutput(); err != nil {
		t.Fatalf("streaming word count: %v\n%s", err, out)
	}
	refText, err := conn.ObjectGetString(ctx, "reference", "part-00000")
	if err != nil {
		t.Fatal(err)
	}
	want := wordCounts(t, refText)

	example := filepath.Join(top, "examples", "zerocloud-wordcount")
	console, err := zebraCmd(bin, example, env, "submit", "job.json").CombinedOutput()
	if err != nil {
		t.Fatalf("zebra submit: %v\n%s", err, console)
	}
	got, err := conn.ObjectGetString(ctx, "results", "wordcount.txt")
	if err != nil {
		t.Fatalf("result object: %v\n%s", err, console)
	}
	gotCounts := wordCounts(t, got)
	if len(gotCounts) != len(want) {
		t.Errorf("%d words, the streaming word count has %d", len(gotCounts), len(want))
	}
	for w, n := range want {
		if gotCounts[w] != n {
			t.Errorf("word %q: %d, the streaming word count says %d", w, gotCounts[w], n)
		}
	}
	if got != refText {
		t.Errorf("the result object differs from the streaming output in bytes:\n%s\nvs\n%s", got, refText)
	}
	m := regexp.MustCompile(`Data-local map tasks=(\d+)`).FindSubmatch(console)
	if m == nil {
		t.Fatalf("no data-local counter in the console:\n%s", console)
	}
	if local, _ := strconv.Atoi(string(m[1])); local*2 <= nObjects {
		t.Errorf("only %d of %d map instances ran beside a replica of their object:\n%s", local, nObjects, console)
	}
	names, err := conn.ObjectNamesAll(ctx, "results", nil)
	if err != nil || len(names) != 1 {
		t.Errorf("the results container holds %q (%v), want only wordcount.txt", names, err)
	}

	client, err := api.NewClient(env["ZEBRA_JOBTRACKER"])
	if err != nil {
		t.Fatal(err)
	}
	client.Token = env["ZEBRA_TOKEN"]
	jobs := func() int {
		js, err := client.Jobs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return len(js)
	}
	before := jobs()
	// Submitting again would overwrite the result: refused up front.
	out, err := zebraCmd(bin, example, env, "submit", "job.json").CombinedOutput()
	if err == nil || !strings.Contains(string(out), `group "reduce" (index 1): devices[1].path: swift://results/wordcount.txt already exists`) {
		t.Errorf("a second submit: %v\n%s", err, out)
	}
	if again, _ := conn.ObjectGetString(ctx, "results", "wordcount.txt"); again != got {
		t.Error("the result object changed")
	}

	mapper, _ := os.ReadFile(filepath.Join(example, "mapper.py"))
	reducer, _ := os.ReadFile(filepath.Join(example, "reducer.py"))
	good, _ := os.ReadFile(filepath.Join(example, "job.json"))
	out2 := strings.ReplaceAll(string(good), "results/wordcount.txt", "results2/wc.txt")
	for _, tc := range []struct{ name, job, want string }{
		{"bad json", strings.Replace(out2, `"connect": ["reduce"]},`, `"connect": ["reduce"]`, 1), "job.json: invalid JSON at line 9, column 3"},
		{"unknown field", strings.Replace(out2, `"args":`, `"argz":`, 1), `job.json: group "map" (index 0): exec.argz: unknown field`},
		{"bad wildcard", strings.Replace(out2, `{"name": "stderr"}`, `{"name": "stderr", "path": "swift://~/logs/map.log"}`, 1),
			`job.json: group "map" (index 0): devices[2].path: swift://~/logs/map.log: the readable device input has a wildcard`},
		{"unknown connect", `[{"name":"map","exec":{"path":"file://python2.7:python","args":"mapper.py"},"devices":[{"name":"input","path":"swift://~/books/*.txt"}],"connect":["reducer"]},
 {"name":"reduce","exec":{"path":"file://python2.7:python","args":"reducer.py"},"devices":[{"name":"stdout","path":"swift://~/results2/wc.txt"}]}]`,
			`job.json: group "map" (index 0): connect[0]: "reducer": no group has this name`},
		{"missing app", strings.Replace(out2, `"args": "reducer.py"`, `"args": "reduce.py"`, 1), `job.json: group "reduce" (index 1): exec.args: reduce.py: no such file next to job.json`},
		{"no such objects", strings.Replace(out2, `books/*.txt`, `books/*.csv`, 1), `job.json: group "map" (index 0): devices[1].path: swift://~/books/*.csv matches no object`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, "job.json"), []byte(tc.job), 0o644)
			os.WriteFile(filepath.Join(dir, "mapper.py"), mapper, 0o644)
			os.WriteFile(filepath.Join(dir, "reducer.py"), reducer, 0o644)
			cmd := zebraCmd(bin, dir, env, "submit", "job.json")
			out, err := cmd.CombinedOutput()
			if err == nil || cmd.ProcessState.ExitCode() != 1 {
				t.Fatalf("exit %v, want 1:\n%s", err, out)
			}
			if !strings.Contains(string(out), tc.want) || !strings.Contains(string(out), "nothing was started") {
				t.Errorf("output\n%s\nwant it to contain\n%s", out, tc.want)
			}
		})
	}
	if n := jobs(); n != before {
		t.Errorf("the jobtracker has %d jobs after the refused submissions, %d before", n, before)
	}
	if _, _, err := conn.Container(ctx, "results2"); err != swift.ContainerNotFound {
		t.Errorf("results2 after the refused submissions: %v, want no such container", err)
	}

	// The same description POSTed to the jobtracker is compiled there. Its
	// scripts would have to come from a bundle, which a POST has none of.
	post := func(body string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, client.URL()+"/api/v1/zerocloud", strings.NewReader(body))
		req.Header.Set("X-Auth-Token", env["ZEBRA_TOKEN"])
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := post(out2); code != http.StatusBadRequest || !strings.Contains(body, `exec.args: mapper.py: the script is a relative path, but this job came without its files`) {
		t.Errorf("POST of a job needing its files: %d %s", code, body)
	}
	if code, body := post(`[{"name": "x", "exec": {"path": "file://python2.7:python", "colour": 1}}]`); code != http.StatusBadRequest || !strings.Contains(body, `exec.colour: unknown field`) {
		t.Errorf("POST of an invalid job: %d %s", code, body)
	}
	// A job whose app is a swift:// object runs from a POST.
	cat := "#!/bin/sh\nexec tr a-z A-Z < /dev/input\n"
	if err := conn.ContainerCreate(ctx, "apps", nil); err != nil {
		t.Fatal(err)
	}
	if err := conn.ObjectPutString(ctx, "apps", "upper.sh", cat, "application/x-sh"); err != nil {
		t.Fatal(err)
	}
	code, body := post(`[{"name":"up","exec":{"path":"swift://~/apps/upper.sh"},"devices":[{"name":"input","path":"swift://~/books/book-*.txt"},{"name":"stdout","path":"swift://~/upper/*.TXT"}]}]`)
	if code != http.StatusCreated {
		t.Fatalf("POST: %d %s", code, body)
	}
	id := regexp.MustCompile(`"id":"([^"]+)"`).FindStringSubmatch(body)
	if id == nil {
		t.Fatalf("POST reply %s", body)
	}
	for {
		st, err := client.Status(ctx, id[1], -1, 0)
		if err != nil {
			t.Fatal(err)
		}
		if st.Done() {
			if st.State != api.StateSucceeded {
				t.Fatalf("the posted job ended %s: %+v", st.State, st.Failure)
			}
			break
		}
		if _, err := client.Status(ctx, id[1], st.Version, 5*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	for f := 0; f < nObjects; f++ {
		in, _ := conn.ObjectGetString(ctx, "books", fmt.Sprintf("book-%d.txt", f))
		up, err := conn.ObjectGetString(ctx, "upper", fmt.Sprintf("%d.TXT", f))
		if err != nil || up != strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' {
				return r - 'a' + 'A'
			}
			return r
		}, in) {
			t.Errorf("upper/%d.TXT: %v (%d bytes, input %d)", f, err, len(up), len(in))
		}
	}

	var books []string
	for f := 0; f < nObjects; f++ {
		books = append(books, fmt.Sprintf("book-%d.txt", f))
	}
	t.Run("image", func(t *testing.T) { zeroCloudImage(t, bin, env, conn, books) })
}
