package main

import (
	"context"
	"crypto/md5"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path"
	"strings"
	"testing"
	"zebra/mapreduce/mrtest/suite"

	"github.com/ncw/swift/v2"
)

// TestOpenTemplate: an open without ?app= runs the app the account
// registered for the object's Content-Type at .zvm/<type>/config (a
// ZeroCloud servlet template, its placeholders filled from the query), and
// a script bundle reads the object at /dev/input as well as on stdin, as
// ZeroCloud's open apps did. Expected bodies are computed from the object.
func TestOpenTemplate(t *testing.T) {
	suite.Require(t, suite.Swift)
	bin := buildZebra(t)
	env, conn := swiftUp(t, bin)
	ctx := context.Background()
	jt := env["ZEBRA_JOBTRACKER"]
	account := path.Base(conn.StorageUrl)
	tenant := account + ":" + conn.AuthToken
	for _, c := range []string{"texts", "apps", ".zvm"} {
		if err := conn.ContainerCreate(ctx, c, nil); err != nil {
			t.Fatal(err)
		}
	}
	text := "the quick brown fox\njumps over the lazy dog\n"
	if err := conn.ObjectPutString(ctx, "texts", "fox.txt", text, "text/x-fox"); err != nil {
		t.Fatal(err)
	}
	if err := conn.ObjectPutString(ctx, "texts", "other.bin", "x", "application/x-nothing"); err != nil {
		t.Fatal(err)
	}
	app := "import os, sys\n" +
		"f = open('/dev/input', 'rb')\nf.seek(0, 2)\nsize = f.tell()\nf.seek(0)\ndata = f.read()\n" +
		"stdin = sys.stdin.buffer.read()\n" +
		"print('input=%d stdin=%d same=%s args=%s' % (size, len(stdin), data == stdin, ' '.join(sys.argv[1:])))\n"
	bundle := tarOf(t, map[string]string{
		"zapp.json": `{"entry": "count.py", "interpreter": "/usr/bin/python3", "content_type": "text/plain"}`,
		"count.py":  app,
	})
	if err := conn.ObjectPutBytes(ctx, "apps", "count.zapp", bundle, "application/x-tar"); err != nil {
		t.Fatal(err)
	}
	tpl := fmt.Sprintf(`[{"name":"count","exec":{"path":"swift://%s/apps/count.zapp","args":"{.mode=bytes}"},"devices":[{"name":"stdin","path":{.object_path}},{"name":"stdout","content_type":"text/plain"}]}]`, account)
	if err := conn.ObjectPutString(ctx, ".zvm", "text/x-fox/config", tpl, "application/json"); err != nil {
		t.Fatal(err)
	}
	open := func(p string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, jt+p, nil)
		req.Header.Set("X-Auth-Token", tenant)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	code, body := open("/open/texts/fox.txt")
	if code == http.StatusServiceUnavailable && strings.Contains(body, "native sandbox cannot run") {
		t.Skipf("the native sandbox does not run here: %s", body)
	}
	if want := fmt.Sprintf("input=%d stdin=%d same=True args=bytes\n", len(text), len(text)); code != 200 || body != want {
		t.Errorf("template open: %d %q, want %q", code, body, want)
	}
	if code, body := open("/open/texts/fox.txt?mode=words"); code != 200 || !strings.HasSuffix(body, "args=words\n") {
		t.Errorf("template open with ?mode=words: %d %q", code, body)
	}
	// ?app= still wins over the template.
	if code, body := open("/open/texts/fox.txt?app=apps/count.zapp&arg=given"); code != 200 || !strings.HasSuffix(body, "args=given\n") {
		t.Errorf("open with ?app=: %d %q", code, body)
	}
	if code, body := open("/open/texts/other.bin"); code != http.StatusNotFound || !strings.Contains(body, "no application registered for application/x-nothing") {
		t.Errorf("open of a type without a template: %d %q", code, body)
	}

	// The CGI environment of CGIEnvironment.md, against Swift's HEAD.
	envApp := tarOf(t, map[string]string{
		"zapp.json": `{"entry": "env.py", "interpreter": "/usr/bin/python3", "content_type": "text/plain"}`,
		"env.py":    "import os\nfor k in sorted(os.environ):\n    print('%s=%s' % (k, os.environ[k]))\n",
	})
	if err := conn.ObjectPutBytes(ctx, "apps", "env.zapp", envApp, "application/x-tar"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ObjectPut(ctx, "texts", "meta.txt", strings.NewReader(text), false, "", "text/plain", swift.Headers{"X-Object-Meta-Colour": "blue"}); err != nil {
		t.Fatal(err)
	}
	_, h, err := conn.Object(ctx, "texts", "meta.txt")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(jt)
	host, port, _ := net.SplitHostPort(u.Host)
	code, body = open("/open/texts/meta.txt?app=apps/env.zapp&k=v")
	if code != 200 {
		t.Fatalf("env app: %d %s", code, body)
	}
	got := map[string]string{}
	for _, l := range strings.Split(strings.TrimSuffix(body, "\n"), "\n") {
		k, v, _ := strings.Cut(l, "=")
		got[k] = v
	}
	for k, want := range map[string]string{
		"GATEWAY_INTERFACE": "CGI/1.1", "REQUEST_METHOD": "GET", "QUERY_STRING": "app=apps/env.zapp&k=v",
		"SERVER_NAME": host, "SERVER_PORT": port, "SERVER_PROTOCOL": "HTTP/1.1",
		"REMOTE_USER": account, "SCRIPT_FILENAME": "swift://" + account + "/apps/env.zapp",
		"LOCAL_OBJECT": "on", "LOCAL_PATH_INFO": "/" + account + "/texts/meta.txt",
		"LOCAL_CONTENT_LENGTH": fmt.Sprint(len(text)), "LOCAL_CONTENT_TYPE": "text/plain",
		"LOCAL_HTTP_ETAG": fmt.Sprintf("%x", md5.Sum([]byte(text))), "LOCAL_HTTP_X_TIMESTAMP": h["X-Timestamp"],
		"LOCAL_DOCUMENT_ROOT": "/dev/input", "LOCAL_HTTP_X_OBJECT_META_COLOUR": "blue",
	} {
		if g, ok := got[k]; !ok || g != want {
			t.Errorf("%s=%q (set: %v), want %q", k, g, ok, want)
		}
	}
	for k, v := range got {
		if strings.Contains(v, conn.AuthToken) || strings.Contains(v, env["ZEBRA_TOKEN"]) {
			t.Errorf("%s carries a token", k)
		}
	}
}
