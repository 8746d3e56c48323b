package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"zebra/jobtracker/zerocloud"
)

func TestParseTarget(t *testing.T) {
	for _, c := range []struct {
		path string
		want Target
		bad  string
	}{
		{path: "/v1/AUTH_test", want: Target{Version: "v1", Account: "AUTH_test"}},
		{path: "/v1/AUTH_test/c/o/with/slashes", want: Target{Version: "v1", Account: "AUTH_test", Container: "c", Object: "o/with/slashes"}},
		{path: "/v1", bad: "no account"},
		{path: "/v1/", bad: "no account"},
		{path: "/v1/AUTH_test/c", bad: "not to a container"},
		{path: "/v1/AUTH_test/c/", bad: "empty"},
		{path: "/v1/AUTH_test//o", bad: "empty"},
		{path: "/v1/AUTH_test/c/../../AUTH_other", bad: `".."`},
		{path: "/v1/AUTH_test/c/./o", bad: `"."`},
		{path: "/v1/..", bad: "not an account name"},
		{path: "/v1/AUTH test", bad: "not an account name"},
	} {
		got, err := parseTarget(c.path)
		switch {
		case c.bad != "" && (err == nil || !strings.Contains(err.Error(), c.bad)):
			t.Errorf("%s: %+v, %v; want an error naming %q", c.path, got, err, c.bad)
		case c.bad == "" && (err != nil || got != c.want):
			t.Errorf("%s: %+v, %v; want %+v", c.path, got, err, c.want)
		}
	}
}

func TestDeferMode(t *testing.T) {
	for v, want := range map[string]int{"": deferNever, "never": deferNever, "no": deferNever, "always": deferAlways, "1": deferAlways,
		"True": deferAlways, "auto": deferAuto, " AUTO ": deferAuto} {
		if got := deferMode(v); got != want {
			t.Errorf("X-Zerovm-Deferred %q: mode %d, want %d", v, got, want)
		}
	}
}

// TestWithImage: the posted image becomes every group's image device,
// under the key the group uses, unless it names one itself; anything
// else is left for zerocloud.Parse.
func TestWithImage(t *testing.T) {
	in := `[{"name":"a","exec":{"path":"bin/a"},"devices":[{"name":"stdout"}]},
	{"name":"b","exec":{"path":"bin/b"},"file_list":[{"device":"stdin","path":"swift://~/c/o"}]},
	{"name":"c","exec":{"path":"bin/c"},"devices":[{"name":"image","path":"swift://~/img/other.tar"}]},
	{"name":"d","exec":{"path":"bin/d"}}]`
	var groups []map[string]json.RawMessage
	if err := json.Unmarshal(withImage([]byte(in), "image.tar"), &groups); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"a": `[{"name":"stdout"},{"name":"image","path":"image.tar"}]`,
		"b": `[{"device":"stdin","path":"swift://~/c/o"},{"device":"image","path":"image.tar"}]`,
		"c": `[{"name":"image","path":"swift://~/img/other.tar"}]`,
		"d": `[{"name":"image","path":"image.tar"}]`,
	}
	for _, g := range groups {
		var name string
		json.Unmarshal(g["name"], &name)
		key := "devices"
		if _, ok := g["file_list"]; ok {
			key = "file_list"
		}
		var devs any
		json.Unmarshal(g[key], &devs)
		got, _ := json.Marshal(devs)
		var w any
		json.Unmarshal([]byte(want[name]), &w)
		wb, _ := json.Marshal(w)
		if string(got) != string(wb) {
			t.Errorf("group %s: %s %s, want %s", name, key, got, wb)
		}
	}
	for _, bad := range []string{`[{`, `{"name":"x"}`, `[{"devices": 3}]`} {
		if got := withImage([]byte(bad), "image.tar"); string(got) != bad {
			t.Errorf("%s: changed to %s", bad, got)
		}
	}
}

// TestReadScript: a script becomes ZeroCloud's one-instance job, which
// zebra's parser accepts, with the object of the URL as stdin.
func TestReadScript(t *testing.T) {
	j := &Job{Target: Target{Version: "v1", Account: "AUTH_a", Container: "c", Object: "dir/o.txt"}}
	defer j.Close()
	script := "#! file://python2.7:python -u\nprint(1)\n"
	if err := j.readScript(strings.NewReader(script), -1); err != nil {
		t.Fatal(err)
	}
	job, err := zerocloud.Parse("script", j.Description)
	if err != nil {
		t.Fatalf("%s: %v", j.Description, err)
	}
	g := job.Groups[0]
	if g.Name != "script" || g.Exec.Path != "file://python2.7:python" || g.Exec.Args != "-u script" {
		t.Errorf("group %+v", g)
	}
	var devs []string
	for _, d := range g.Devices {
		devs = append(devs, d.Name+"="+d.Path)
	}
	if strings.Join(devs, " ") != "stdin=swift://AUTH_a/c/dir/o.txt stdout= python2.7=" {
		t.Errorf("devices %v", devs)
	}
	if b, err := os.ReadFile(filepath.Join(j.Dir, scriptFile)); err != nil || string(b) != script {
		t.Errorf("the stored script: %q %v", b, err)
	}
	for script, says := range map[string]string{
		"print(1)\n":                 "Unsupported Content-Type",
		"#!file://python2.7:python":  "Cannot find shebang",
		"#!\nx\n":                    "names none",
		"#!/usr/bin/python3\nx\n":    "Bad interpreter",
		"#!file://image:python\nx\n": "Must supply image name",
		"#!file://python2.7\nx\n":    "Bad interpreter",
		"#!../../bin/sh\nx\n":        "Bad interpreter",
		"#!file://python2.7:python\n" + strings.Repeat("x", MaxScript): "more than",
	} {
		j := &Job{Target: Target{Account: "AUTH_a"}}
		err := j.readScript(strings.NewReader(script), -1)
		j.Close()
		var he *Error
		if !asError(err, &he) || (he.Code != 400 && he.Code != 413) || !strings.Contains(he.Msg, says) {
			t.Errorf("%.40q: %v; want a refusal naming %q", script, err, says)
		}
	}
}

func asError(err error, he **Error) bool {
	e, ok := err.(*Error)
	*he = e
	return ok
}

// TestPassThrough: requests without X-Zerovm-Execute reach the proxy
// with their method, path, query, Host and body, hop-by-hop headers
// dropped, and its answer comes back as it is.
func TestPassThrough(t *testing.T) {
	var seen *http.Request
	var body []byte
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = r.Clone(context.Background())
		body, _ = io.ReadAll(r.Body)
		w.Header().Set("X-Storage-Url", "http://"+r.Host+"/v1/AUTH_x")
		w.Header().Set("Etag", "abc")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, "stored")
	}))
	defer backend.Close()
	u, _ := url.Parse(backend.URL)
	g, err := New(Config{Proxy: u, Authorize: func(context.Context, string, string) (bool, error) { return false, nil },
		Run: http.NotFoundHandler()})
	if err != nil {
		t.Fatal(err)
	}
	front := httptest.NewServer(g)
	defer front.Close()
	req, _ := http.NewRequest("PUT", front.URL+"/v1/AUTH_x/c/a%2Fb%20c?multipart-manifest=put", bytes.NewReader([]byte("data")))
	req.Header.Set("X-Auth-Token", "tok")
	req.Header.Set("Connection", "X-Hop")
	req.Header.Set("X-Hop", "secret")
	req.Header.Set("X-Object-Meta-Color", "blue")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 201 || string(got) != "stored" || resp.Header.Get("Etag") != "abc" {
		t.Errorf("answer %s %q %v", resp.Status, got, resp.Header)
	}
	fu, _ := url.Parse(front.URL)
	if resp.Header.Get("X-Storage-Url") != "http://"+fu.Host+"/v1/AUTH_x" {
		t.Errorf("the backend saw Host %q, not the gateway's %q", seen.Host, fu.Host)
	}
	if seen.Method != "PUT" || seen.URL.EscapedPath() != "/v1/AUTH_x/c/a%2Fb%20c" || seen.URL.RawQuery != "multipart-manifest=put" ||
		string(body) != "data" || seen.Header.Get("X-Auth-Token") != "tok" || seen.Header.Get("X-Object-Meta-Color") != "blue" {
		t.Errorf("the backend saw %s %s?%s %q %v", seen.Method, seen.URL.EscapedPath(), seen.URL.RawQuery, body, seen.Header)
	}
	if seen.Header.Get("X-Hop") != "" || seen.Header.Get("Connection") != "" {
		t.Errorf("hop-by-hop headers passed: %v", seen.Header)
	}
}

// TestAttachInputSlots: a body goes to exactly one path-less readable
// device; a job with none or several, or a script, is refused before
// anything is stored.
func TestAttachInputSlots(t *testing.T) {
	u, _ := url.Parse("http://127.0.0.1:1") // nothing may be asked
	g, err := New(Config{Proxy: u, Authorize: func(context.Context, string, string) (bool, error) { return true, nil }, Run: http.NotFoundHandler()})
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		kind, desc string
	}{
		"none":   {KindJSON, `[{"name":"a","devices":[{"name":"stdin","path":"swift://~/c/o"},{"name":"stdout"}]}]`},
		"two":    {KindJSON, `[{"name":"a","devices":[{"name":"stdin"}]},{"name":"b","file_list":[{"device":"input"}]}]`},
		"script": {KindScript, `[{"name":"script","devices":[{"name":"stdout"}]}]`},
		"image":  {KindImage, `[{"name":"a","devices":[{"name":"image","path":"image.tar"}]}]`},
	} {
		r := httptest.NewRequest("POST", "/v1/AUTH_a", strings.NewReader("data"))
		j := &Job{Kind: c.kind, Description: []byte(c.desc)}
		err := g.attachInput(r, Target{Account: "AUTH_a"}, "tok", j)
		var he *Error
		if !asError(err, &he) || he.Code != 400 || j.input != "" {
			t.Errorf("%s: %v (input %q); want 400", name, err, j.input)
		}
	}
	// No body: nothing to do.
	j := &Job{Kind: KindJSON, Description: []byte(`[{"name":"a","devices":[{"name":"stdin"}]}]`)}
	if err := g.attachInput(httptest.NewRequest("POST", "/v1/AUTH_a", nil), Target{Account: "AUTH_a"}, "tok", j); err != nil || j.input != "" {
		t.Errorf("no body: %v (input %q)", err, j.input)
	}
}
