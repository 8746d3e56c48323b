package main

import (
	"bytes"
	"context"
	"crypto/md5"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"zebra/mapreduce/mrtest/suite"

	"github.com/ncw/swift/v2"
)

// TestZeroCloudReply runs ZeroCloud jobs whose output is (partly) the
// reply, on the real Swift of zebra up: the sort example of ZeroCloud's
// Servlets.md as published (its account placeholder filled in, its stray
// group-level "args" ignored with a warning), POSTed by a tenant, whose
// path-less stderr is the reply; a failing app through zebra submit,
// whose output is stored and whose exit code is reported, not retried;
// and a one-group job that stores nothing, through zebra submit (the
// reply printed) and POST (the reply as the body). Expected values are
// computed here from the inputs.
func TestZeroCloudReply(t *testing.T) {
	suite.Require(t, suite.Swift)
	bin := buildZebra(t)
	env, conn := swiftUp(t, bin)
	ctx := context.Background()
	jt := env["ZEBRA_JOBTRACKER"]
	account := path.Base(conn.StorageUrl)
	tenant := account + ":" + conn.AuthToken
	for _, c := range []string{"data", "exec", "out"} {
		if err := conn.ContainerCreate(ctx, c, nil); err != nil {
			t.Fatal(err)
		}
	}
	inputs := map[string]string{
		"binary_log_1.data":   "pear\napple\nfig\n",
		"binary_log_345.data": "zebra\nyak\nant\nbee\n",
		"binary_x.data":       "b\na\n",
	}
	for name, text := range inputs {
		if err := conn.ObjectPutString(ctx, "data", name, text, "text/plain"); err != nil {
			t.Fatal(err)
		}
	}
	// The "nexe": a program that sorts its stdin and tells how many lines.
	sortApp := "#!/usr/bin/env python3\nimport sys\nlines = sys.stdin.buffer.readlines()\nsys.stdout.buffer.writelines(sorted(lines))\nsys.stderr.write('%d lines\\n' % len(lines))\n"
	if err := conn.ObjectPutString(ctx, "exec", "sort.nexe", sortApp, "application/octet-stream"); err != nil {
		t.Fatal(err)
	}
	post := func(body string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, jt+"/api/v1/zerocloud", strings.NewReader(body))
		req.Header.Set("X-Auth-Token", tenant)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}

	t.Run("error statuses", func(t *testing.T) {
		// ZeroCloud's proxy: 422 when the system map cannot be parsed,
		// 400 when it parses but is not a valid job.
		if resp, body := post(`[{"name": "sort",`); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "invalid JSON") {
			t.Errorf("unparsable: %d %s", resp.StatusCode, body)
		}
		if resp, body := post(`[{"name": "a b", "exec": {"path": "file://python2.7:python"}}]`); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `name: \"a b\": must be letters and digits`) {
			t.Errorf("invalid: %d %s", resp.StatusCode, body)
		}
	})

	t.Run("servlets sort example", func(t *testing.T) {
		// doc/Servlets.md, "Sort files in /data/binary*.data", verbatim
		// but for the account.
		job := strings.ReplaceAll(`
    [
        {
            "name":"sort",
            "exec":{"path":"swift://my_account/exec/sort.nexe"},
            "devices":[
                {"name":"stdin","path":"swift://my_account/data/binary*.data"},
                {"name":"stdout","path":"swift://my_account/data/sorted*.data"},
                {"name":"stderr"}
            ],
            "args":"1048576"
        }
    ]`, "my_account", account)
		resp, body := post(job)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("POST: %d %s", resp.StatusCode, body)
		}
		// Node order is the wildcard's listing order (Swift: byte order).
		names := make([]string, 0, len(inputs))
		for n := range inputs {
			names = append(names, n)
		}
		sort.Strings(names)
		var systems, statuses, retcodes []string
		var wantBody strings.Builder
		for i, n := range names {
			systems = append(systems, fmt.Sprintf("sort-%d", i+1))
			statuses = append(statuses, "ok.")
			retcodes = append(retcodes, "0")
			lines := strings.SplitAfter(inputs[n], "\n")
			lines = lines[:len(lines)-1]
			fmt.Fprintf(&wantBody, "%d lines\n", len(lines))
			sort.Strings(lines)
			out := strings.Replace(n, "binary", "sorted", 1)
			got, err := conn.ObjectGetString(ctx, "data", out)
			if err != nil {
				t.Errorf("%s: %v", out, err)
			} else if got != strings.Join(lines, "") {
				t.Errorf("%s: %q, want %q", out, got, strings.Join(lines, ""))
			}
		}
		for k, want := range map[string]string{"X-Nexe-System": strings.Join(systems, ","), "X-Nexe-Status": strings.Join(statuses, ","), "X-Nexe-Retcode": strings.Join(retcodes, ",")} {
			if got := resp.Header.Get(k); got != want {
				t.Errorf("%s: %q, want %q", k, got, want)
			}
		}
		if resp.Header.Get("X-Nexe-Error") != "" {
			t.Errorf("X-Nexe-Error: %q", resp.Header.Get("X-Nexe-Error"))
		}
		if body != wantBody.String() {
			t.Errorf("body %q, want the instances' stderr %q", body, wantBody.String())
		}
		noMarkers(t, conn, "data")
	})

	dir := t.TempDir()
	write := func(name, text string, mode os.FileMode) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), mode); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("failing app", func(t *testing.T) {
		write("fail.sh", "#!/bin/sh\nwc -l\necho 'failing on purpose' >&2\nexit 3\n", 0o755)
		write("fail.json", `[{"name":"fail","exec":{"path":"fail.sh"},"devices":[
 {"name":"stdin","path":"swift://~/data/binary_log_345.data"},
 {"name":"stdout","path":"swift://~/out/fail.out"},
 {"name":"stderr"}]}]`, 0o644)
		cmd := zebraCmd(bin, dir, env, "submit", "fail.json")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		if code := cmd.ProcessState.ExitCode(); code != 1 {
			t.Errorf("zebra submit: exit %d (%v), want 1 (an app returned non-zero)\n%s", code, err, stderr.String())
		}
		if !strings.Contains(stderr.String(), "X-Nexe-Retcode: 3\n") || !strings.Contains(stderr.String(), "X-Nexe-System: fail\n") {
			t.Errorf("zebra submit's report lacks the exit code:\n%s", stderr.String())
		}
		lines := strings.Count(inputs["binary_log_345.data"], "\n")
		if got, err := conn.ObjectGetString(ctx, "out", "fail.out"); err != nil || strings.TrimSpace(got) != fmt.Sprint(lines) {
			t.Errorf("fail.out: %q %v, want %d", got, err, lines)
		}
		if stdout.String() != "failing on purpose\n" {
			t.Errorf("the reply (the failing app's path-less stderr): %q", stdout.String())
		}
		if strings.Count(stderr.String(), "Task Id :") > 0 {
			t.Errorf("the failing app was retried:\n%s", stderr.String())
		}
		noMarkers(t, conn, "out")
	})

	t.Run("reply only", func(t *testing.T) {
		write("hello.py", "print('Hello, %s!' % 'World')\n", 0o644)
		write("hello.json", `[{"name":"hello","exec":{"path":"file://python2.7:python","args":"hello.py"},"devices":[{"name":"python2.7"},{"name":"stdout","content_type":"text/x-greeting"}]}]`, 0o644)
		cmd := zebraCmd(bin, dir, env, "submit", "hello.json")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("zebra submit: %v\n%s", err, stderr.String())
		}
		if stdout.String() != "Hello, World!\n" {
			t.Errorf("zebra submit printed %q\n%s", stdout.String(), stderr.String())
		}
		// The same with the script as an object, POSTed.
		if err := conn.ObjectPutString(ctx, "exec", "hello.py", "print('Hello, %s!' % 'World')\n", "text/x-python"); err != nil {
			t.Fatal(err)
		}
		resp, body := post(`[{"name":"hello","exec":{"path":"file://python2.7:python","args":"/dev/script"},"devices":[{"name":"python2.7"},{"name":"script","path":"swift://~/exec/hello.py"},{"name":"stdout","content_type":"text/x-greeting"}]}]`)
		if resp.StatusCode != http.StatusOK || body != "Hello, World!\n" {
			t.Errorf("POST: %d %q", resp.StatusCode, body)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "text/x-greeting" {
			t.Errorf("Content-Type %q, want the stdout device's", ct)
		}
		if got := resp.Header.Get("X-Nexe-System") + " " + resp.Header.Get("X-Nexe-Retcode"); got != "hello 0" {
			t.Errorf("X-Nexe-System, X-Nexe-Retcode: %q", got)
		}
	})
}

// TestZeroCloudCGIEnv compares the whole CGI environment of
// ZeroCloud's CGIEnvironment.md, as an instance sees it, with values
// taken from the request and from Swift's own HEAD of the instance's
// object: for a job POSTed by a tenant and for one run by zebra submit.
func TestZeroCloudCGIEnv(t *testing.T) {
	suite.Require(t, suite.Swift)
	bin := buildZebra(t)
	env, conn := swiftUp(t, bin)
	ctx := context.Background()
	jt := env["ZEBRA_JOBTRACKER"]
	account := path.Base(conn.StorageUrl)
	tenant := account + ":" + conn.AuthToken
	for _, c := range []string{"example", "exec"} {
		if err := conn.ContainerCreate(ctx, c, nil); err != nil {
			t.Fatal(err)
		}
	}
	data := "a,b\n1,2\n"
	if _, err := conn.ObjectPut(ctx, "example", "data1.csv", strings.NewReader(data), false, "", "text/csv", swift.Headers{"X-Object-Meta-Colour": "blue"}); err != nil {
		t.Fatal(err)
	}
	_, h, err := conn.Object(ctx, "example", "data1.csv")
	if err != nil {
		t.Fatal(err)
	}
	dump := "import os\nfor k in sorted(os.environ):\n    print('%s=%s' % (k, os.environ[k]))\n"
	if err := conn.ObjectPutString(ctx, "exec", "env.py", "#!/usr/bin/env python3\n"+dump, "text/x-python"); err != nil {
		t.Fatal(err)
	}
	jtURL, _ := url.Parse(jt)
	host, port, _ := net.SplitHostPort(jtURL.Host)
	want := map[string]string{
		"GATEWAY_INTERFACE":               "CGI/1.1",
		"SERVER_SOFTWARE":                 "zerocloud",
		"SERVER_NAME":                     host,
		"SERVER_PORT":                     port,
		"SERVER_PROTOCOL":                 "HTTP/1.1",
		"REQUEST_METHOD":                  "POST",
		"PATH_INFO":                       "/" + account,
		"REQUEST_URI":                     "/v1/" + account,
		"QUERY_STRING":                    "",
		"REMOTE_USER":                     account,
		"SCRIPT_NAME":                     "env",
		"SCRIPT_FILENAME":                 "file://python2.7:python",
		"LOCAL_OBJECT":                    "on",
		"LOCAL_PATH_INFO":                 "/" + account + "/example/data1.csv",
		"LOCAL_CONTENT_LENGTH":            fmt.Sprint(len(data)),
		"LOCAL_CONTENT_TYPE":              "text/csv",
		"LOCAL_HTTP_ETAG":                 fmt.Sprintf("%x", md5.Sum([]byte(data))),
		"LOCAL_HTTP_X_TIMESTAMP":          h["X-Timestamp"],
		"LOCAL_DOCUMENT_ROOT":             "/dev/stdin",
		"LOCAL_HTTP_X_OBJECT_META_COLOUR": "blue",
	}
	if want["LOCAL_HTTP_X_TIMESTAMP"] == "" {
		t.Fatalf("Swift's HEAD has no X-Timestamp: %v", h)
	}
	check := func(t *testing.T, out, exe string) {
		want["SCRIPT_FILENAME"] = exe
		got := map[string]string{}
		for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
			k, v, _ := strings.Cut(l, "=")
			got[k] = v
		}
		for k, w := range want {
			if g, ok := got[k]; !ok || g != w {
				t.Errorf("%s=%q (set: %v), want %q", k, g, ok, w)
			}
		}
		for k := range got {
			if strings.Contains(strings.ToUpper(k), "AUTH_TOKEN") || strings.Contains(strings.ToUpper(k), "STORAGE_TOKEN") {
				t.Errorf("a credential reached the instance: %s", k)
			}
		}
	}
	job := `[{"name":"env","exec":{"path":"%s"%s},"devices":[{"name":"python2.7"},{"name":"stdin","path":"swift://~/example/data1.csv"},{"name":"stdout"}]}]`
	t.Run("POST", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, jt+"/api/v1/zerocloud", strings.NewReader(fmt.Sprintf(job, "swift://~/exec/env.py", "")))
		req.Header.Set("X-Auth-Token", tenant)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("POST: %d %s", resp.StatusCode, b)
		}
		check(t, string(b), "swift://~/exec/env.py")
	})
	t.Run("submit", func(t *testing.T) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "env.py"), []byte(dump), 0o644)
		os.WriteFile(filepath.Join(dir, "job.json"), []byte(fmt.Sprintf(job, "file://python2.7:python", `,"args":"env.py"`)), 0o644)
		cmd := zebraCmd(bin, dir, env, "submit", "job.json")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("zebra submit: %v\n%s", err, stderr.String())
		}
		check(t, stdout.String(), "file://python2.7:python")
	})
}

// noMarkers fails the test if container holds a directory marker (an
// application/directory object): ZeroCloud jobs write none.
func noMarkers(t *testing.T, conn *swift.Connection, container string) {
	t.Helper()
	objs, err := conn.ObjectsAll(context.Background(), container, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		if o.ContentType == "application/directory" || strings.HasSuffix(o.Name, "/") {
			t.Errorf("%s/%s: a directory marker (%s)", container, o.Name, o.ContentType)
		}
	}
}
