package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/ncw/swift/v2"
)

// TestZeroCloudReply runs ZeroCloud jobs whose output is (partly) the
// reply, on the real Swift of zebra up: the sort example of ZeroCloud's
// Servlets.md as published (its account placeholder filled in, its stray
// group-level "args" ignored with a warning), POSTed by a tenant, whose
// path-less stderr is the reply; a failing app through zebra submit,
// whose outputs are stored and whose exit code is reported, not retried;
// and a one-group job that stores nothing, through zebra submit (the
// reply printed) and POST (the reply as the body). Expected values are
// computed here from the inputs.
func TestZeroCloudReply(t *testing.T) {
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
 {"name":"stderr","path":"swift://~/out/fail.err"}]}]`, 0o644)
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
		if got, err := conn.ObjectGetString(ctx, "out", "fail.err"); err != nil || got != "failing on purpose\n" {
			t.Errorf("fail.err (the failing app's stderr): %q %v", got, err)
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
