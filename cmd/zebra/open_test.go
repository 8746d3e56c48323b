package main

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/ncw/swift/v2"

	"zebra/mapreduce/archive/archivetest"
	"zebra/mapreduce/mrtest/suite"
	"zebra/web/browsertest"
)

// TestOpen runs apps on objects through the jobtracker's /open gateway of a
// real cluster (`zebra up`: Swift all-in-one, a worker beside each object
// server): the watermark example (Go built for WASI) on a PNG and a JPEG,
// a cat module, a script bundle in the native sandbox, the errors, the
// validation cache, and once in headless Chromium.
func TestOpen(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("zebra up installs and runs Swift, which needs root here")
	}
	suite.Require(t, suite.Swift)
	bin := buildZebra(t)
	apps := t.TempDir()
	watermark := buildWasm(t, filepath.Join(apps, "watermark.wasm"), "../../examples/watermark", ".")
	cat := buildWasm(t, filepath.Join(apps, "cat.wasm"), ".", "./testdata/openapps/cat")
	crash := buildWasm(t, filepath.Join(apps, "crash.wasm"), ".", "./testdata/openapps/crash")
	env, _ := swiftUp(t, bin)
	jt, token := env["ZEBRA_JOBTRACKER"], env["ZEBRA_TOKEN"]

	ctx := context.Background()
	conn := &swift.Connection{UserName: env["ST_USER"], ApiKey: env["ST_KEY"], AuthUrl: env["ST_AUTH"]}
	if err := conn.Authenticate(ctx); err != nil {
		t.Fatal(err)
	}
	tenant := "AUTH_test:" + conn.AuthToken
	other := &swift.Connection{UserName: "admin:admin", ApiKey: "admin", AuthUrl: env["ST_AUTH"]}
	if err := other.Authenticate(ctx); err != nil {
		t.Fatal(err)
	}
	otherTenant := "AUTH_admin:" + other.AuthToken

	photo := samplePhoto(640, 480)
	var pngBytes, jpgBytes bytes.Buffer
	png.Encode(&pngBytes, photo)
	jpeg.Encode(&jpgBytes, photo, &jpeg.Options{Quality: 95})
	put := func(container, name string, data []byte, h swift.Headers) {
		t.Helper()
		if err := conn.ContainerCreate(ctx, container, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := conn.ObjectPut(ctx, container, name, bytes.NewReader(data), false, "", "", h); err != nil {
			t.Fatalf("upload %s/%s: %v", container, name, err)
		}
	}
	readFile := func(p string) []byte {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	put("images", "photo.png", pngBytes.Bytes(), nil)
	put("images", "photo.jpg", jpgBytes.Bytes(), nil)
	put("apps", "watermark.wasm", readFile(watermark), nil)
	put("apps", "cat.wasm", readFile(cat), swift.Headers{"X-Object-Meta-Output-Content-Type": "application/octet-stream"})
	put("apps", "cat-cgi.wasm", readFile(cat), nil) // declares nothing: message/cgi, which cat does not write
	put("apps", "crash.wasm", readFile(crash), nil)
	put("apps", "garbage.wasm", bytes.Repeat([]byte("not a module "), 100), nil)

	open := func(cred, path string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, jt+path, nil)
		if cred != "" {
			req.Header.Set("X-Auth-Token", cred)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		return resp, body
	}

	t.Run("watermark png", func(t *testing.T) {
		resp, body := open(tenant, "/open/images/photo.png?app=apps/watermark.wasm&text=hello")
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" {
			t.Fatalf("%s %s: %.300s", resp.Status, resp.Header.Get("Content-Type"), body)
		}
		if got := resp.Header.Get("X-Zebra-Read"); got != "direct" {
			t.Errorf("X-Zebra-Read %q: the worker beside a replica should read it directly", got)
		}
		out, err := png.Decode(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		changed := diffBox(t, photo, out, 0)
		b := photo.Bounds()
		// The example's documented layout: the text is centered, at most
		// 3/4 of the width and 1/8 of the height, its bottom H/16 above the
		// bottom edge (a shadow a few pixels further).
		band := image.Rect(b.Dx()/8, b.Dy()-b.Dy()/16-b.Dy()/8, b.Dx()-b.Dx()/8+8, b.Dy()-b.Dy()/16+8)
		if changed.Empty() || !changed.In(band) {
			t.Errorf("changed pixels span %v, want a non-empty box within the text band %v", changed, band)
		}
		// Five glyphs of the 7-pixel-wide font, scaled up, around the middle.
		if mid := (changed.Min.X + changed.Max.X) / 2; changed.Dx() < 5*7 || mid < b.Dx()/2-8 || mid > b.Dx()/2+8 {
			t.Errorf("changed pixels span columns %d..%d of %d: want at least 35 centered (the text hello)", changed.Min.X, changed.Max.X, b.Dx())
		}
		// A longer text spans more of the image: the parameter reaches the app.
		_, body2 := open(tenant, "/open/images/photo.png?app=apps/watermark.wasm&text=hi")
		out2, err := png.Decode(bytes.NewReader(body2))
		if err != nil {
			t.Fatalf("text=hi: %v: %.200s", err, body2)
		}
		if short := diffBox(t, photo, out2, 0); short.Empty() || short.Dx() >= changed.Dx() {
			t.Errorf("text=hi changed %v, text=hello %v: want a narrower, non-empty box", short, changed)
		}
	})

	t.Run("watermark jpeg", func(t *testing.T) {
		resp, body := open(token, "/open/images/photo.jpg?app=apps/watermark.wasm&text=hello")
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/jpeg" {
			t.Fatalf("%s %s: %.300s", resp.Status, resp.Header.Get("Content-Type"), body)
		}
		out, err := jpeg.Decode(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		orig, _ := jpeg.Decode(bytes.NewReader(jpgBytes.Bytes()))
		if out.Bounds() != orig.Bounds() {
			t.Fatalf("size %v, want %v", out.Bounds(), orig.Bounds())
		}
		// Re-encoding moves every pixel a little; the text moves those in
		// its band a lot.
		b := orig.Bounds()
		band := image.Rect(b.Dx()/8, b.Dy()-b.Dy()/16-b.Dy()/8, b.Dx()-b.Dx()/8, b.Dy()-b.Dy()/16)
		in, outside := meanDiff(orig, out, band)
		if in < 4*outside+2 {
			t.Errorf("mean difference %.2f in the text band, %.2f outside: want the band far more changed", in, outside)
		}
	})

	t.Run("validation cache", func(t *testing.T) {
		path := "/open/images/photo.png?app=apps/cat.wasm"
		r1, b1 := open(tenant, path)
		r2, b2 := open(tenant, path)
		if r1.StatusCode != 200 || r2.StatusCode != 200 {
			t.Fatalf("%s %.200s / %s %.200s", r1.Status, b1, r2.Status, b2)
		}
		if !bytes.Equal(b1, pngBytes.Bytes()) || r1.Header.Get("Content-Type") != "application/octet-stream" {
			t.Errorf("cat answered %d bytes of %s, want the object's %d bytes as application/octet-stream", len(b1), r1.Header.Get("Content-Type"), pngBytes.Len())
		}
		w1, w2 := r1.Header.Get("X-Zebra-Worker"), r2.Header.Get("X-Zebra-Worker")
		if w1 != w2 {
			t.Fatalf("the opens ran on %s and %s: the gateway should prefer the same replica's worker when idle", w1, w2)
		}
		if r1.Header.Get("X-Zebra-App-Cache") != "miss" || r2.Header.Get("X-Zebra-App-Cache") != "hit" {
			t.Errorf("app cache %q then %q, want miss then hit", r1.Header.Get("X-Zebra-App-Cache"), r2.Header.Get("X-Zebra-App-Cache"))
		}
		before := openStats(t, w1, env, token)
		// A new version (a custom section appended: another ETag) is
		// validated again.
		custom := append(readFile(cat), 0x00, 0x06, 0x04, 'n', 'e', 'w', '!', 0x01)
		put("apps", "cat.wasm", custom, swift.Headers{"X-Object-Meta-Output-Content-Type": "application/octet-stream"})
		r3, b3 := open(tenant, path)
		if r3.StatusCode != 200 || r3.Header.Get("X-Zebra-App-Cache") != "miss" || r3.Header.Get("X-Zebra-Worker") != w1 {
			t.Errorf("after re-uploading: %s cache %q on %s: %.200s", r3.Status, r3.Header.Get("X-Zebra-App-Cache"), r3.Header.Get("X-Zebra-Worker"), b3)
		}
		after := openStats(t, w1, env, token)
		if after["validations"] != before["validations"]+1 {
			t.Errorf("validations %v → %v, want one more", before["validations"], after["validations"])
		}
	})

	t.Run("errors", func(t *testing.T) {
		for _, tc := range []struct {
			name, cred, path string
			code             int
			want             string
		}{
			{"wrong token", "nope", "/open/images/photo.png?app=apps/cat.wasm", 401, "not valid"},
			{"no token", "", "/open/images/photo.png?app=apps/cat.wasm", 401, "authentication required"},
			{"other tenant", otherTenant, "/open/images/photo.png?app=apps/cat.wasm", 404, "does not exist"},
			{"other tenant's account", otherTenant, "/open/AUTH_test/images/photo.png?app=apps/cat.wasm", 403, "AUTH_test"},
			{"missing object", tenant, "/open/images/nothing.png?app=apps/cat.wasm", 404, "images/nothing.png"},
			{"missing app", tenant, "/open/images/photo.png?app=apps/nothing.wasm", 404, "app apps/nothing.wasm not found"},
			{"no app", tenant, "/open/images/photo.png", 404, "no application registered for image/png: add ?app="},
			{"garbage app", tenant, "/open/images/photo.png?app=apps/garbage.wasm", 422, "app apps/garbage.wasm is neither"},
			{"app crash", tenant, "/open/images/photo.png?app=apps/crash.wasm", 502, "giving up on /AUTH_test/images/photo.png on purpose"},
			{"no cgi header", tenant, "/open/images/photo.png?app=apps/cat-cgi.wasm", 502, "does not start with CGI headers"},
		} {
			resp, body := open(tc.cred, tc.path)
			if resp.StatusCode != tc.code || !strings.Contains(string(body), tc.want) {
				t.Errorf("%s: %s %.300s; want %d with %q", tc.name, resp.Status, body, tc.code, tc.want)
			}
		}
		// A version that failed validation fails again without a new look.
		resp, _ := open(tenant, "/open/images/photo.png?app=apps/garbage.wasm")
		if resp.StatusCode != 422 || resp.Header.Get("X-Zebra-App-Cache") != "" {
			t.Errorf("garbage again: %s", resp.Status)
		}
		// The gateway counts the answers by status.
		if _, metrics := open(token, "/metrics"); !regexp.MustCompile(`zebra_open_requests_total\{code="422"\} [2-9]`).Match(metrics) {
			t.Errorf("/metrics counts fewer than two 422 opens:\n%s", regexp.MustCompile(`(?m)^zebra_open.*$`).FindAll(metrics, -1))
		}
	})

	t.Run("script bundle", func(t *testing.T) {
		put("apps", "upper.zapp", tarOf(t, map[string]string{
			"zapp.json": `{"entry": "upper.py", "interpreter": "/usr/bin/python3", "content_type": "text/plain; charset=utf-8"}`,
			"upper.py":  "import os, sys\nsys.stdout.write(sys.stdin.read().upper() + os.environ['ZEBRA_PARAM_SUFFIX'])\n",
		}), nil)
		put("apps", "broken.zapp", tarOf(t, map[string]string{"main.py": "print(1)\n"}), nil)
		text := "the quick brown fox\n"
		put("texts", "fox.txt", []byte(text), nil)
		resp, body := open(tenant, "/open/texts/fox.txt?app=apps/upper.zapp&suffix=!")
		if resp.StatusCode == http.StatusServiceUnavailable && strings.Contains(string(body), "native sandbox cannot run") {
			t.Skipf("the native sandbox does not run here: %s", body)
		}
		if want := strings.ToUpper(text) + "!"; resp.StatusCode != 200 || string(body) != want {
			t.Errorf("%s %q, want %q", resp.Status, body, want)
		}
		// The app reads its object and nothing else: not the files of the
		// cluster on this machine, not the network (the proxy is on 127.0.0.1).
		put("apps", "probe.zapp", tarOf(t, map[string]string{
			"zapp.json": `{"entry": "probe.py", "interpreter": "/usr/bin/python3", "content_type": "text/plain"}`,
			"probe.py": `import os, socket, sys
from urllib.parse import urlsplit
out = []
try:
    open(os.environ["ZEBRA_PARAM_FILE"], "rb").read(); out.append("file:readable")
except OSError as e:
    out.append("file:" + type(e).__name__)
try:
    u = urlsplit(os.environ["ZEBRA_PARAM_URL"])
    socket.create_connection((u.hostname, u.port), timeout=2).close(); out.append("net:connected")
except OSError as e:
    out.append("net:" + type(e).__name__)
out.append("stdin:%d" % len(sys.stdin.buffer.read()))
print(" ".join(out))
`,
		}), nil)
		secret := filepath.Join(env["ZEBRA_CLUSTER"], "token") // the cluster token, on the worker's machine
		if _, err := os.Stat(secret); err != nil {
			t.Fatal(err)
		}
		resp, body = open(tenant, "/open/texts/fox.txt?app=apps/probe.zapp&file="+url.QueryEscape(secret)+"&url="+url.QueryEscape(env["ST_AUTH"]))
		got := strings.Fields(string(body))
		if resp.StatusCode != 200 || len(got) != 3 || got[0] == "file:readable" || got[1] == "net:connected" || got[2] != fmt.Sprintf("stdin:%d", len(text)) {
			t.Errorf("probe: %s %q: want the cluster's token file and the network out of reach, and the object on stdin", resp.Status, body)
		}
		resp, body = open(tenant, "/open/texts/fox.txt?app=apps/broken.zapp")
		if resp.StatusCode != 422 || !strings.Contains(string(body), "app apps/broken.zapp holds no zapp.json") {
			t.Errorf("bundle without a manifest: %s %s", resp.Status, body)
		}
		// A tenant's app of a few KiB whose tar holds a sparse member
		// declaring 64 GiB: archive/tar reads its holes as zeros, so the
		// worker (root) would read and write all of it. It is refused, and
		// the worker goes on serving.
		sparse := append(archivetest.SparseMember("big", 64<<30), tarOf(t, map[string]string{
			"zapp.json": `{"entry": "upper.py", "interpreter": "/usr/bin/python3"}`, "upper.py": "print(1)\n"})...)
		put("apps", "sparse.zapp", sparse, nil)
		resp, body = open(tenant, "/open/texts/fox.txt?app=apps/sparse.zapp")
		if resp.StatusCode != 422 || !strings.Contains(string(body), "sparse") {
			t.Errorf("bundle with a 64 GiB sparse member (%d bytes of app): %s %s, want 422 naming the sparse member", len(sparse), resp.Status, body)
		}
		resp, body = open(tenant, "/open/texts/fox.txt?app=apps/upper.zapp&suffix=?")
		if want := strings.ToUpper(text) + "?"; resp.StatusCode != 200 || string(body) != want {
			t.Errorf("after the sparse app: %s %q, want %q", resp.Status, body, want)
		}
	})

	t.Run("browser", func(t *testing.T) {
		bctx := browser(t)
		src := "/open/images/photo.jpg?app=apps/watermark.wasm&text=" + url.QueryEscape("hello browser")
		uiLogin(t, bctx, jt, tenant) // sets the session cookie
		loadImage := fmt.Sprintf(`new Promise((ok, fail) => {
			const img = document.createElement("img");
			img.onload = () => ok(img.naturalWidth);
			img.onerror = () => ok(-1);
			img.src = %q;
			document.body.appendChild(img);
		})`, src)
		// The session cookie is the UI's only: it does not open objects.
		width, err := chromedp.Run(bctx, chromedp.Evaluate[int](loadImage, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
		if width != -1 {
			t.Errorf("the session cookie opened an object (an image %d wide)", width)
		}
		// A browser sending the tenant's token opens it.
		if err := sendToken(bctx, tenant); err != nil {
			t.Fatal(err)
		}
		width, err = chromedp.Run(bctx, chromedp.Evaluate[int](loadImage, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
		if width != photo.Bounds().Dx() {
			t.Errorf("the browser decoded an image %d wide, want %d", width, photo.Bounds().Dx())
		}
	})

	// A tenant's HTML page served by run on open cannot act in the UI's
	// origin: it is sandboxed (an opaque origin, no scripts), and the UI's
	// session cookie does not reach /open.
	t.Run("html", func(t *testing.T) {
		page := `<!doctype html><html><head><title>tenant page</title></head><body><p id="p">static</p>
<script>
document.title = "script ran";
fetch("/ui/jobs", {credentials: "include"}).then(r => r.text()).then(t => { document.getElementById("p").textContent = "read " + t.length; });
</script></body></html>`
		put("pages", "evil.html", []byte(page), nil)
		put("apps", "cat-html.wasm", readFile(cat), swift.Headers{"X-Object-Meta-Output-Content-Type": "text/html; charset=utf-8"})
		path := "/open/pages/evil.html?app=apps/cat-html.wasm"
		resp, body := open(tenant, path)
		if resp.StatusCode != 200 || string(body) != page || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("%s %s: %.300s", resp.Status, resp.Header.Get("Content-Type"), body)
		}
		for k, want := range map[string]string{"Content-Security-Policy": "sandbox", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"} {
			if got := resp.Header.Get(k); got != want {
				t.Errorf("%s: %q, want %q", k, got, want)
			}
		}
		if c := resp.Header.Values("Set-Cookie"); len(c) != 0 {
			t.Errorf("/open sets cookies: %q", c)
		}
		// The operator's session cookie does not open anything.
		req, _ := http.NewRequest(http.MethodPost, jt+"/ui/login", strings.NewReader(url.Values{"token": {token}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		lresp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		lresp.Body.Close()
		var session *http.Cookie
		for _, c := range lresp.Cookies() {
			if c.Name == "zebra_session" {
				session = c
			}
		}
		if session == nil || session.Path != "/ui/" {
			t.Fatalf("operator login: %s, cookies %v", lresp.Status, lresp.Cookies())
		}
		req, _ = http.NewRequest(http.MethodGet, jt+path, nil)
		req.AddCookie(session)
		if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("/open with the operator's session cookie: %v %v, want 401", resp.Status, err)
		} else {
			resp.Body.Close()
		}

		// In Chromium: the operator is logged in to the UI; the tenant's page
		// opened in the same browser runs no script and has an opaque origin.
		bctx := browser(t)
		uiLogin(t, bctx, jt, token)
		// The control: the same page where scripts may run does run its script.
		if err := chromedp.Do(bctx, chromedp.Navigate("data:text/html;base64,"+base64.StdEncoding.EncodeToString([]byte(page)))); err != nil {
			t.Fatal(err)
		}
		// A poll that starts while Chromium swaps the page's execution
		// context fails with "Cannot find context with specified id"
		// (the page is there, the question went to the old one): ask again.
		for try := 0; try < 3; try++ {
			if _, err = chromedp.Run(bctx, chromedp.Poll[bool](`document.title === "script ran"`, chromedp.WithPollingTimeout(20*time.Second))); err == nil || !strings.Contains(err.Error(), "Cannot find context") {
				break
			}
		}
		if err != nil {
			t.Fatalf("the control page's script did not run: %v", err)
		}
		if err := sendToken(bctx, tenant); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(bctx, chromedp.Navigate(jt+path), chromedp.WaitVisible(chromedp.ID("#p"))); err != nil {
			t.Fatal(err)
		}
		// The page has loaded (Navigate waits for the load event), so an
		// inline script that could run has run: its first statement sets
		// the title.
		title, err := chromedp.Run(bctx, chromedp.Evaluate[string](`document.readyState === "complete" ? document.title : "not loaded"`))
		if err != nil {
			t.Fatal(err)
		}
		text, err := chromedp.Run(bctx, chromedp.Evaluate[string](`document.getElementById("p").textContent`))
		if err != nil {
			t.Fatal(err)
		}
		origin, err := chromedp.Run(bctx, chromedp.Evaluate[string](`window.origin`))
		if err != nil {
			t.Fatal(err)
		}
		if title != "tenant page" || text != "static" || origin != "null" {
			t.Errorf("the tenant's page in the operator's browser: title %q, text %q, origin %q; want its own title, untouched text, an opaque origin", title, text, origin)
		}
	})
}

// uiLogin logs the browser of ctx in to the UI of the jobtracker at jt as
// cred the way a user does: it opens a one-time login link minted for
// cred (POST /api/v1/login-codes), whose page's script posts the code, and
// waits until the login has led to /ui/ (Evaluate fails while the page
// navigates: asked again until then).
func uiLogin(t *testing.T, ctx context.Context, jt, cred string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, jt+"/api/v1/login-codes", nil)
	req.Header.Set("X-Auth-Token", cred)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("mint a login code: %v", err)
	}
	var lc struct{ Path string }
	err = json.NewDecoder(resp.Body).Decode(&lc)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || err != nil || lc.Path == "" {
		t.Fatalf("mint a login code: %s (%v)", resp.Status, err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(jt+lc.Path)); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		loc, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname + " " + document.readyState`))
		if err == nil && loc == "/ui/ complete" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the login link the browser is at %q (%v)", loc, err)
		}
	}
}

// sendToken makes the browser send cred as X-Auth-Token with every request.
func sendToken(ctx context.Context, cred string) error {
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		return err
	}
	_, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"X-Auth-Token": cred}})
	return err
}

// buildWasm builds the Go package pkg of the module in dir for WASI into out.
func buildWasm(t *testing.T, out, dir, pkg string) string {
	t.Helper()
	cmd := exec.Command("go", "build", "-trimpath", "-o", out, pkg)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s for wasip1: %v\n%s", pkg, err, msg)
	}
	return out
}

// openStats reads a worker's /open-stats (its address from its log).
func openStats(t *testing.T, worker string, env map[string]string, token string) map[string]float64 {
	t.Helper()
	log, err := os.ReadFile(filepath.Join(env["ZEBRA_CLUSTER"], worker+".log"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`run on open" addr=(\S+)`).FindAllSubmatch(log, -1)
	if m == nil {
		t.Fatalf("the log of %s names no address of its HTTP server", worker)
	}
	req, _ := http.NewRequest(http.MethodGet, "http://"+string(m[len(m)-1][1])+"/open-stats", nil)
	req.Header.Set("X-Auth-Token", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st map[string]float64
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatalf("open-stats of %s: %s: %v", worker, resp.Status, err)
	}
	return st
}

// samplePhoto is a w×h picture of gradients and discs.
func samplePhoto(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.RGBA{uint8(40 + 150*x/w), uint8(90 + 100*y/h), uint8(200 - 120*y/h), 255}
			if dx, dy := x-w/3, y-h/2; dx*dx+dy*dy < (h/5)*(h/5) {
				c = color.RGBA{230, 120, 60, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

// diffBox is the bounding box of the pixels of b that differ from a by
// more than tol in a channel (b must be as big as a).
func diffBox(t *testing.T, a, b image.Image, tol int) image.Rectangle {
	t.Helper()
	if a.Bounds() != b.Bounds() {
		t.Fatalf("size %v, want %v", b.Bounds(), a.Bounds())
	}
	var box image.Rectangle
	for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
		for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
			if channelDiff(a.At(x, y), b.At(x, y)) > tol {
				box = box.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	return box
}

func channelDiff(p, q color.Color) int {
	r1, g1, b1, _ := p.RGBA()
	r2, g2, b2, _ := q.RGBA()
	d := func(u, v uint32) int { return max(int(u>>8)-int(v>>8), int(v>>8)-int(u>>8)) }
	return max(d(r1, r2), d(g1, g2), d(b1, b2))
}

// meanDiff is the mean channel difference of a and b inside r and
// outside it.
func meanDiff(a, b image.Image, r image.Rectangle) (in, out float64) {
	var sIn, sOut, nIn, nOut float64
	for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
		for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
			d := float64(channelDiff(a.At(x, y), b.At(x, y)))
			if image.Pt(x, y).In(r) {
				sIn, nIn = sIn+d, nIn+1
			} else {
				sOut, nOut = sOut+d, nOut+1
			}
		}
	}
	return sIn / nIn, sOut / nOut
}

// tarOf is a tar of the files.
func tarOf(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for name, data := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Format: tar.FormatUSTAR}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(data))
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// browser starts a headless Chromium with a fresh profile
// (browsertest.New), for at most two minutes; it is stopped when the test
// ends.
func browser(t *testing.T) context.Context {
	t.Helper()
	return browsertest.New(t, 2*time.Minute)
}
