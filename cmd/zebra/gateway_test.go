package main

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ncw/swift/v2"

	"zebra/mapreduce/mrtest/suite"
)

// swiftclientPackage is python-swiftclient from PyPI, which the gateway
// tests use unchanged with the gateway's auth URL.
const swiftclientPackage = "python-swiftclient==4.11.0"

// swiftclientScript drives python-swiftclient as a user would: log in with
// ST_AUTH (the gateway's), upload an object from a file in chunks (a
// generator: chunked transfer), list, head and download it, then POST a
// ZeroCloud job with post_account. It prints what it saw as JSON.
const swiftclientScript = `
import hashlib, json, os, sys
from swiftclient import client

src, job = sys.argv[1], sys.argv[2]
url, token = client.get_auth(os.environ["ST_AUTH"], os.environ["ST_USER"], os.environ["ST_KEY"])
out = {"storage_url": url}
client.put_container(url, token, "gwdata")
def chunks():
    with open(src, "rb") as f:
        while True:
            b = f.read(65536)
            if not b:
                return
            yield b
out["put_etag"] = client.put_object(url, token, "gwdata", "dir/payload.bin", contents=chunks(), content_type="application/octet-stream")
client.put_object(url, token, "gwdata", "words.txt", contents=open(src + ".words", "rb").read(), content_type="text/plain")
hdrs, listing = client.get_container(url, token, "gwdata")
out["listing"] = [o["name"] for o in listing]
out["head_length"] = int(client.head_object(url, token, "gwdata", "dir/payload.bin")["content-length"])
hdrs, body = client.get_object(url, token, "gwdata", "dir/payload.bin", resp_chunk_size=65536)
h = hashlib.md5()
n = 0
for b in body:
    h.update(b)
    n += len(b)
out["get_md5"], out["get_length"] = h.hexdigest(), n
resp = {}
hdrs, body = client.post_account(url, token, {"X-Zerovm-Execute": "1.0", "Content-Type": "application/json"},
                                 data=open(job, "rb").read(), response_dict=resp)
out["job_status"] = resp["status"]
out["job_body"] = body.decode()
out["job_headers"] = {k: v for k, v in hdrs.items() if k.startswith("x-nexe-")}
print(json.dumps(out))
`

// TestZeroCloudGateway runs ZeroCloud's wire protocol against the real
// Swift of `zebra up`: python-swiftclient from PyPI, given zebra up's
// ST_AUTH, gets the gateway's storage URL from Swift's tempauth, and
// uploads, lists, heads and downloads through it unchanged, and POSTs a
// JSON job with post_account; raw HTTP posts a #! script (on the account
// and on an object), a tar image, X-Zerovm-Source and X-Zerovm-Deferred.
// Results are compared with values computed here from the data the test
// made. Then attacker input: wrong tokens, another account's token,
// malformed bodies, oversized bodies and hostile tar members.
func TestZeroCloudGateway(t *testing.T) {
	suite.Require(t, suite.PyPI)
	bin := buildZebra(t)
	env, conn := swiftUp(t, bin, "--zerocloud-timeout", "10s")
	ctx := context.Background()
	gw := env["ZEBRA_ZEROCLOUD"]
	if gw == "" || env["ST_AUTH"] != gw+"/auth/v1.0" {
		t.Fatalf("zebra up: ZEBRA_ZEROCLOUD %q, ST_AUTH %q: want ST_AUTH through the gateway", gw, env["ST_AUTH"])
	}
	python := clientsVenv(t, swiftclientPackage)
	dir := t.TempDir()

	// The payload: 3 MiB of random bytes (the md5 computed here), and a
	// text of words whose count is computed here.
	rng := rand.New(rand.NewPCG(19, 1))
	payload := make([]byte, 3<<20+17)
	for i := range payload {
		payload[i] = byte(rng.UintN(256))
	}
	sum := md5.Sum(payload)
	wantMD5 := hex.EncodeToString(sum[:])
	vocab := strings.Fields("zero cloud swift gateway token account object container image script")
	var words bytes.Buffer
	nWords := 0
	for l := 0; l < 400; l++ {
		for k := 0; k <= l%9; k++ {
			words.WriteString(vocab[rng.IntN(len(vocab))] + " ")
			nWords++
		}
		words.WriteString("\n")
	}
	src := filepath.Join(dir, "payload.bin")
	os.WriteFile(src, payload, 0o644)
	os.WriteFile(src+".words", words.Bytes(), 0o644)
	// The JSON job: count the words of the object (a python -c app).
	job := filepath.Join(dir, "job.json")
	os.WriteFile(job, []byte(`[{"name": "count", "exec": {"path": "file://python2.7:python", "args": "-c \"import sys; print(len(sys.stdin.read().split()))\""},
  "devices": [{"name": "stdin", "path": "swift://~/gwdata/words.txt"}, {"name": "stdout"}, {"name": "python2.7"}]}]`), 0o644)
	script := filepath.Join(dir, "client.py")
	os.WriteFile(script, []byte(swiftclientScript), 0o644)
	cmd := exec.Command(python, script, src, job)
	cmd.Env = append(os.Environ(), "ST_AUTH="+env["ST_AUTH"], "ST_USER="+env["ST_USER"], "ST_KEY="+env["ST_KEY"])
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("python-swiftclient: %v\n%s\n%s", err, out, stderr)
	}
	var got struct {
		StorageURL string            `json:"storage_url"`
		PutETag    string            `json:"put_etag"`
		Listing    []string          `json:"listing"`
		HeadLength int64             `json:"head_length"`
		GetMD5     string            `json:"get_md5"`
		GetLength  int64             `json:"get_length"`
		JobStatus  int               `json:"job_status"`
		JobBody    string            `json:"job_body"`
		JobHeaders map[string]string `json:"job_headers"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("python-swiftclient printed %q: %v", out, err)
	}
	account := conn.StorageUrl[strings.LastIndex(conn.StorageUrl, "/")+1:]
	if got.StorageURL != gw+"/v1/"+account {
		t.Errorf("tempauth through the gateway gave the storage URL %q, want %q", got.StorageURL, gw+"/v1/"+account)
	}
	if got.PutETag != wantMD5 || got.GetMD5 != wantMD5 || got.HeadLength != int64(len(payload)) || got.GetLength != int64(len(payload)) {
		t.Errorf("through the gateway: PUT etag %s, GET md5 %s, HEAD length %d, GET length %d; the payload has md5 %s, %d bytes",
			got.PutETag, got.GetMD5, got.HeadLength, got.GetLength, wantMD5, len(payload))
	}
	if strings.Join(got.Listing, ",") != "dir/payload.bin,words.txt" {
		t.Errorf("listing through the gateway: %v", got.Listing)
	}
	// The object as Swift itself (not through the gateway) has it.
	if direct, err := conn.ObjectGetBytes(ctx, "gwdata", "dir/payload.bin"); err != nil || !bytes.Equal(direct, payload) {
		t.Errorf("the object uploaded through the gateway, read from Swift: %d bytes, err %v", len(direct), err)
	}
	if got.JobStatus != 200 || strings.TrimSpace(got.JobBody) != strconv.Itoa(nWords) || got.JobHeaders["x-nexe-status"] != "ok." || got.JobHeaders["x-nexe-retcode"] != "0" {
		t.Errorf("post_account job: %d %q %v; want 200, %d words, status ok., retcode 0", got.JobStatus, got.JobBody, got.JobHeaders, nWords)
	}

	// Raw HTTP as ZeroCloud's other clients spoke it.
	token := login(t, env["ST_AUTH"], env["ST_USER"], env["ST_KEY"])
	storage := gw + "/v1/" + account

	// Streaming: a 96 MiB object up and down through the gateway; the
	// jobtracker's peak RSS does not grow by anything like its size
	// (bodies are never held). The same through the proxy directly is
	// the baseline of the logged time ratio.
	st, err := readClusterState(env["ZEBRA_CLUSTER"])
	if err != nil {
		t.Fatal(err)
	}
	jtPID := 0
	for _, d := range st.Daemons {
		if d.Name == "jobtracker" {
			jtPID = d.PID
		}
	}
	hwm0 := vmHWM(t, jtPID)
	const bigSize = 96 << 20
	direct := strings.TrimSuffix(env["ZEBRA_SWIFT_AUTH"], "/v1") + "/v1/" + account
	var took [2]time.Duration
	for i, base := range []string{direct, storage} {
		start := time.Now()
		want, got := roundTrip(t, base+"/gwdata/big-"+strconv.Itoa(i), token, bigSize)
		took[i] = time.Since(start)
		if want != got {
			t.Errorf("%d MiB through %s: md5 %s up, %s down", bigSize>>20, base, want, got)
		}
	}
	hwm1 := vmHWM(t, jtPID)
	if grew := hwm1 - hwm0; grew > 32<<20 {
		t.Errorf("the jobtracker's peak RSS grew by %d MiB while %d MiB went through the gateway: bodies are buffered", grew>>20, bigSize>>20)
	}
	t.Logf("%d MiB PUT+GET: direct %v, through the gateway %v (ratio %.2f); jobtracker peak RSS %d -> %d MiB",
		bigSize>>20, took[0], took[1], float64(took[1])/float64(took[0]), hwm0>>20, hwm1>>20)
	post := func(path, ctype string, body []byte, h ...string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest("POST", storage+path, bytes.NewReader(body))
		req.Header.Set("X-Auth-Token", token)
		req.Header.Set("X-Zerovm-Execute", "1.0")
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		for i := 0; i+1 < len(h); i += 2 {
			req.Header.Set(h[i], h[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp, string(b)
	}
	lines := strings.Split(strings.TrimSuffix(words.String(), "\n"), "\n")
	for i := range lines {
		lines[i] += "\n"
	}
	sort.Strings(lines)
	wantSorted := strings.Join(lines, "")

	// A script on the account: its stdout, and ZeroCloud's timeout in
	// its environment.
	resp, body := post("", "text/x-python", []byte("#!file://python2.7:python\nimport os\nprint(sum(range(1000)), os.environ.get('HTTP_X_ZEROVM_TIMEOUT'))\n"))
	if resp.StatusCode != 200 || body != fmt.Sprintf("%d 10\n", 999*1000/2) || resp.Header.Get("X-Nexe-System") != "script" {
		t.Errorf("script: %s %q (X-Nexe-System %q); want 200 %q", resp.Status, body, resp.Header.Get("X-Nexe-System"), fmt.Sprintf("%d 10\n", 999*1000/2))
	}
	// ZeroCloud's timeout: an app that outlives it is stopped, and
	// its status says so.
	resp, body = post("", "text/plain", []byte("#!file://python2.7:python\nimport time\nprint('start', flush=True)\ntime.sleep(120)\nprint('end')\n"))
	if st := resp.Header.Get("X-Nexe-Status"); resp.StatusCode != 200 || st == "ok." || st == "" || strings.Contains(body, "end") {
		t.Errorf("an app beyond the timeout: %s %q, X-Nexe-Status %q, X-Nexe-Retcode %q; want 200, stopped", resp.Status, body, st, resp.Header.Get("X-Nexe-Retcode"))
	} else {
		t.Logf("an app beyond the timeout: X-Nexe-Status %q, X-Nexe-Retcode %q", st, resp.Header.Get("X-Nexe-Retcode"))
	}
	// A script posted to an object reads it on stdin.
	sortScript := []byte("#!file://python2.7:python\nimport sys\nsys.stdout.write(''.join(sorted(sys.stdin)))\n")
	if resp, body := post("/gwdata/words.txt", "text/plain", sortScript); resp.StatusCode != 200 || body != wantSorted {
		t.Errorf("script on an object: %s, %d bytes; want 200 and the object's lines sorted (%d bytes)", resp.Status, len(body), len(wantSorted))
	}
	// A tar image: boot/system.map runs bin/count.py of the image.
	image := gwTar(t, []tarMember{
		{name: "boot/system.map", body: `[{"name": "wc", "exec": {"path": "file://python2.7:python", "args": "bin/count.py"},
  "devices": [{"name": "stdin", "path": "swift://~/gwdata/words.txt"}, {"name": "stdout"}, {"name": "python2.7"}]}]`},
		{name: "bin/count.py", body: "import sys\nd = sys.stdin.read()\nprint(len(d.split()), len(d.splitlines()))\n"},
	})
	wantCount := fmt.Sprintf("%d %d\n", nWords, len(lines))
	if resp, body := post("", "application/x-tar", image); resp.StatusCode != 200 || body != wantCount {
		t.Errorf("tar image: %s %q; want 200 %q", resp.Status, body, wantCount)
	}
	// X-Zerovm-Source: the stored image, by its Content-Type.
	if err := conn.ObjectPutBytes(ctx, "gwdata", "apps/wc.tar", image, "application/x-tar"); err != nil {
		t.Fatal(err)
	}
	if resp, body := post("", "", nil, "X-Zerovm-Source", "swift://"+account+"/gwdata/apps/wc.tar"); resp.StatusCode != 200 || body != wantCount {
		t.Errorf("X-Zerovm-Source: %s %q; want 200 %q", resp.Status, body, wantCount)
	}
	// X-Zerovm-Source naming a stored job description and a stored
	// script, by their Content-Types.
	jobJSON, _ := os.ReadFile(job)
	if err := conn.ObjectPutBytes(ctx, "gwdata", "apps/count.json", jobJSON, "application/json"); err != nil {
		t.Fatal(err)
	}
	if err := conn.ObjectPutBytes(ctx, "gwdata", "apps/sort.py", sortScript, "text/x-python"); err != nil {
		t.Fatal(err)
	}
	if resp, body := post("", "", nil, "X-Zerovm-Source", "swift://~/gwdata/apps/count.json"); resp.StatusCode != 200 || strings.TrimSpace(body) != strconv.Itoa(nWords) {
		t.Errorf("X-Zerovm-Source of a job description: %s %q; want 200 %d", resp.Status, body, nWords)
	}
	if resp, body := post("/gwdata/words.txt", "", nil, "X-Zerovm-Source", "swift://"+account+"/gwdata/apps/sort.py"); resp.StatusCode != 200 || body != wantSorted {
		t.Errorf("X-Zerovm-Source of a script, posted to an object: %s, %d bytes; want 200 and the sorted lines", resp.Status, len(body))
	}
	if resp, body := post("", "", nil, "X-Zerovm-Source", "swift://~/gwdata/apps/missing.json"); resp.StatusCode != 404 {
		t.Errorf("X-Zerovm-Source of a missing object: %s %q; want 404", resp.Status, body)
	}
	// X-Zerovm-Source with a body: the body is the data of the job's
	// path-less stdin; the copy kept while the job ran is gone after.
	upper := []byte(`[{"name": "up", "exec": {"path": "file://python2.7:python", "args": "-c \"import sys; sys.stdout.write(sys.stdin.read().upper())\""},
  "devices": [{"name": "stdin"}, {"name": "stdout"}, {"name": "python2.7"}]}]`)
	if err := conn.ObjectPutBytes(ctx, "gwdata", "apps/upper.json", upper, "application/json"); err != nil {
		t.Fatal(err)
	}
	if resp, body := post("", "text/plain", words.Bytes(), "X-Zerovm-Source", "swift://~/gwdata/apps/upper.json"); resp.StatusCode != 200 || body != strings.ToUpper(words.String()) {
		t.Errorf("X-Zerovm-Source with a body: %s, %d bytes; want 200 and the body in upper case (%d bytes)", resp.Status, len(body), words.Len())
	}
	if resp, body := post("", "text/plain", []byte("data"), "X-Zerovm-Source", "swift://~/gwdata/apps/count.json"); resp.StatusCode != 400 || !strings.Contains(body, "path-less readable") {
		t.Errorf("X-Zerovm-Source with a body, for a job without a path-less stdin: %s %q; want 400", resp.Status, body)
	}
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(200 * time.Millisecond) {
		left, err := conn.ObjectNames(ctx, ".zvm", &swift.ObjectsOpts{Prefix: "input-"})
		if err == nil && len(left) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("the stored inputs are left in .zvm: %v (%v)", left, err)
			break
		}
	}
	// A description whose Etag is not its MD5 is refused (ZeroCloud's
	// 422); with the right one it runs.
	jsum := md5.Sum(jobJSON)
	if resp, body := post("", "application/json", jobJSON, "Etag", strings.Repeat("0", 32)); resp.StatusCode != 422 || !strings.Contains(body, "Etag") {
		t.Errorf("a description with a wrong Etag: %s %q; want 422", resp.Status, body)
	}
	if resp, body := post("", "application/json", jobJSON, "Etag", hex.EncodeToString(jsum[:])); resp.StatusCode != 200 || strings.TrimSpace(body) != strconv.Itoa(nWords) {
		t.Errorf("a description with its Etag: %s %q; want 200 %d", resp.Status, body, nWords)
	}
	// Deferred: answered at once with where the result will be; the
	// result and its headers appear there.
	resp, body = post("", "application/x-tar", image, "X-Zerovm-Deferred", "always")
	if resp.StatusCode != 200 || !strings.HasPrefix(body, "swift://"+account+"/.zvm/job-") {
		t.Fatalf("deferred: %s %q; want 200 swift://%s/.zvm/job-...", resp.Status, body, account)
	}
	obj := strings.TrimPrefix(body, "swift://"+account+"/.zvm/")
	result := waitObject(t, conn, ".zvm", obj+".headers")
	var hdrs map[string]string
	if err := json.Unmarshal(result, &hdrs); err != nil || hdrs["X-Nexe-Status"] != "ok." {
		t.Errorf("deferred result's headers: %s (%v)", result, err)
	}
	if b, err := conn.ObjectGetBytes(ctx, ".zvm", obj); err != nil || string(b) != wantCount {
		t.Errorf("deferred result: %q (%v); want %q", b, err, wantCount)
	}
	// auto: a job that ends within the interactive timeout is answered
	// as without deferral.
	if resp, body := post("", "application/x-tar", image, "X-Zerovm-Deferred", "auto"); resp.StatusCode != 200 || body != wantCount || resp.Header.Get("X-Nexe-Status") != "ok." {
		t.Errorf("auto deferral of a quick job: %s %q %v; want 200 %q", resp.Status, body, resp.Header, wantCount)
	}
	// ZeroCloud's test: a job posted to a new object's URL stores its
	// deferred result there.
	if resp, body := post("/gwdata/results/r1", "application/x-tar", image, "X-Zerovm-Deferred", "always"); resp.StatusCode != 200 || body != "swift://"+account+"/gwdata/results/r1" {
		t.Errorf("deferred to an object: %s %q", resp.Status, body)
	} else if b := waitObject(t, conn, "gwdata", "results/r1.headers"); len(b) == 0 {
		t.Error("deferred to an object: empty headers")
	} else if r, err := conn.ObjectGetBytes(ctx, "gwdata", "results/r1"); err != nil || string(r) != wantCount {
		t.Errorf("deferred to an object: %q (%v)", r, err)
	}

	// A group storing stdout and stderr both (as ZeroCloud allowed), its
	// app failing: each stored at its own object.
	both := []byte(`[{"name": "both", "exec": {"path": "file://python2.7:python", "args": "-c \"import sys; sys.stdout.write(sys.stdin.read().upper()); sys.stderr.write('to stderr'); sys.exit(3)\""},
  "devices": [{"name": "stdin", "path": "swift://~/gwdata/words.txt"}, {"name": "stdout", "path": "swift://~/gwdata/both/out.txt"},
    {"name": "stderr", "path": "swift://~/gwdata/both/err.txt"}, {"name": "python2.7"}]}]`)
	if resp, body := post("", "application/json", both); resp.StatusCode != 200 || resp.Header.Get("X-Nexe-Retcode") != "3" {
		t.Errorf("stdout and stderr stored: %s %q, X-Nexe-Retcode %q; want 200, 3", resp.Status, body, resp.Header.Get("X-Nexe-Retcode"))
	}
	if b, err := conn.ObjectGetBytes(ctx, "gwdata", "both/out.txt"); err != nil || string(b) != strings.ToUpper(words.String()) {
		t.Errorf("stored stdout: %d bytes, %v; want the object in upper case (%d bytes)", len(b), err, words.Len())
	}
	if b, err := conn.ObjectGetBytes(ctx, "gwdata", "both/err.txt"); err != nil || string(b) != "to stderr" {
		t.Errorf("stored stderr: %q, %v; want %q", b, err, "to stderr")
	}

	// Attacker input. Tokens: none, wrong, another account's, and this
	// account's token for another account (also after it was cached as
	// valid for its own).
	alice := login(t, env["ST_AUTH"], "alice:alice", "alicepass")
	hello := []byte("#!file://python2.7:python\nprint('hi')\n")
	for _, c := range []struct {
		name, account, token string
	}{
		{"no token", account, ""},
		{"wrong token", account, "AUTH_tk0000000000000000000000000000dead"},
		{"alice's token for " + account, account, alice},
		{account + "'s token for AUTH_alice", "AUTH_alice", token},
	} {
		req, _ := http.NewRequest("POST", gw+"/v1/"+c.account, bytes.NewReader(hello))
		if c.token != "" {
			req.Header.Set("X-Auth-Token", c.token)
		}
		req.Header.Set("X-Zerovm-Execute", "1.0")
		req.Header.Set("Content-Type", "text/plain")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized || strings.Contains(string(b), "hi") {
			t.Errorf("%s: %s %q; want 401", c.name, resp.Status, b)
		}
	}
	// Alice's own token runs as alice (and sees alice's account).
	req, _ := http.NewRequest("POST", gw+"/v1/AUTH_alice", bytes.NewReader([]byte("#!file://python2.7:python\nimport os\nprint(os.environ['PATH_INFO'])\n")))
	req.Header.Set("X-Auth-Token", alice)
	req.Header.Set("X-Zerovm-Execute", "1.0")
	req.Header.Set("Content-Type", "text/plain")
	if resp, err := http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	} else {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(b) != "/AUTH_alice\n" {
			t.Errorf("alice's job: %s %q", resp.Status, b)
		}
	}
	// X-Zerovm-Source in another account: read with the caller's token,
	// so Swift's read ACL decides (as ZeroCloud): refused until alice's
	// container lets this account's user read it.
	alicePut := func(path string, body []byte, h ...string) {
		t.Helper()
		req, _ := http.NewRequest("PUT", gw+"/v1/AUTH_alice"+path, bytes.NewReader(body))
		req.Header.Set("X-Auth-Token", alice)
		for i := 0; i+1 < len(h); i += 2 {
			req.Header.Set(h[i], h[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			t.Fatalf("alice's PUT %s: %s", path, resp.Status)
		}
	}
	alicePut("/zcshared", nil)
	alicePut("/zcshared/hello.py", []byte("#!file://python2.7:python\nprint('from alice')\n"), "Content-Type", "text/x-python")
	if resp, body := post("", "", nil, "X-Zerovm-Source", "swift://AUTH_alice/zcshared/hello.py"); (resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusNotFound) || strings.Contains(body, "from alice") {
		t.Errorf("X-Zerovm-Source of another account without a read ACL: %s %q; want 403 or 404 (Swift's answer)", resp.Status, body)
	}
	alicePut("/zcshared", nil, "X-Container-Read", env["ST_USER"])
	if resp, body := post("", "", nil, "X-Zerovm-Source", "swift://AUTH_alice/zcshared/hello.py"); resp.StatusCode != 200 || body != "from alice\n" {
		t.Errorf("X-Zerovm-Source of another account with a read ACL for %s: %s %q; want 200 %q", env["ST_USER"], resp.Status, body, "from alice\n")
	}

	jobsBefore := jobCount(t, env)
	big := bytes.Repeat([]byte(" "), 1<<20+1)
	for _, c := range []struct {
		name, path, ctype string
		body              []byte
		code              int
		says              string
	}{
		{"unparsable JSON", "", "application/json", []byte(`[{"name": `), 422, "invalid JSON"},
		{"JSON not a job", "", "application/json", []byte(`[{"name": "x", "exec": {"path": "file://python2.7:python", "argz": "-V"}, "devices": [{"name": "stdout"}]}]`), 400, "exec.argz"},
		{"oversized JSON", "", "application/json", append([]byte("["), big...), 413, ""},
		{"no Content-Type", "", "", []byte("#!x\n"), 400, "Content-Type"},
		{"not a script", "", "text/plain", []byte("print('hi')\n"), 400, "#!"},
		{"script without a line end", "", "text/plain", []byte("#!file://python2.7:python"), 400, "shebang"},
		{"bad interpreter", "", "text/plain", []byte("#!/bin/sh\necho hi\n"), 400, "Bad interpreter"},
		{"oversized script", "", "text/plain", append([]byte("#!file://python2.7:python\n#"), bytes.Repeat([]byte("x"), 16<<20)...), 413, ""},
		{"not a tar", "", "application/x-tar", []byte("this is not a tar archive at all, but longer than a block? no"), 422, "not a tar"},
		{"bad gzip", "", "application/x-gzip", []byte("not gzip"), 422, ""},
		{"tar without system.map", "", "application/x-tar", gwTar(t, []tarMember{{name: "bin/x", body: "x"}}), 400, "boot/system.map"},
		{"tar with a broken system.map", "", "application/x-tar", gwTar(t, []tarMember{{name: "boot/system.map", body: "[{"}}), 422, "invalid JSON"},
		{"system.map a symlink", "", "application/x-tar", gwTar(t, []tarMember{{name: "boot/system.map", link: "/etc/passwd", typ: tar.TypeSymlink}}), 400, "not a regular file"},
		{"member ../", "", "application/x-tar", hostile(t, tarMember{name: "../evil", body: "x"}), 400, "evil"},
		{"absolute member", "", "application/x-tar", hostile(t, tarMember{name: "/zebra-gw-evil", body: "x"}), 400, "zebra-gw-evil"},
		{"symlink out", "", "application/x-tar", hostile(t, tarMember{name: "lib/up", link: "../../..", typ: tar.TypeSymlink}), 400, "lib/up"},
		{"absolute symlink", "", "application/x-tar", hostile(t, tarMember{name: "lib/etc", link: "/etc", typ: tar.TypeSymlink}), 400, "lib/etc"},
		{"write through a symlink", "", "application/x-tar", hostile(t, tarMember{name: "d", link: ".", typ: tar.TypeSymlink}, tarMember{name: "d/../../x", body: "x"}), 400, ""},
		{"device file", "", "application/x-tar", hostile(t, tarMember{name: "dev/null", typ: tar.TypeChar}), 400, "dev/null"},
		{"hard link out", "", "application/x-tar", hostile(t, tarMember{name: "h", link: "/etc/passwd", typ: tar.TypeLink}), 400, ""},
		{"a container path", "/gwdata", "text/plain", hello, 412, "Bad URL"},
		{"a .. segment", "/gwdata/../x", "text/plain", hello, 412, "Bad URL"},
	} {
		resp, body := post(c.path, c.ctype, c.body)
		if resp.StatusCode != c.code || !strings.Contains(body, c.says) {
			t.Errorf("%s: %s %q; want %d naming %q", c.name, resp.Status, trim(body), c.code, c.says)
		}
		if strings.Contains(body, "zebra-zcgw-") || strings.Contains(body, os.TempDir()+"/") {
			t.Errorf("%s: the answer names the gateway's files: %q", c.name, trim(body))
		}
	}
	if _, err := os.Stat("/zebra-gw-evil"); err == nil {
		t.Error("an absolute tar member was written to /zebra-gw-evil")
	}
	if n := jobCount(t, env); n != jobsBefore {
		t.Errorf("refused requests started %d jobs", n-jobsBefore)
	}
	// A huge image, by its declared length, is refused before its body
	// is read.
	c, err := net.Dial("tcp", strings.TrimPrefix(gw, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(c, "POST /v1/%s HTTP/1.1\r\nHost: x\r\nX-Auth-Token: %s\r\nX-Zerovm-Execute: 1.0\r\nContent-Type: application/x-tar\r\nContent-Length: %d\r\n\r\n", account, token, int64(4)<<30)
	r, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil || r.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("a 4 GiB image: %v %v; want 413", r, err)
	}
	c.Close()
}

// roundTrip PUTs size pseudo-random bytes (made as they are sent, never
// held) to the object URL u and GETs them back; it returns both md5s.
func roundTrip(t *testing.T, u, token string, size int64) (up, down string) {
	t.Helper()
	hu := md5.New()
	src := io.TeeReader(io.LimitReader(rand.NewChaCha8([32]byte{7}), size), hu)
	req, _ := http.NewRequest("PUT", u, src)
	req.ContentLength = size
	req.Header.Set("X-Auth-Token", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("PUT %s: %s", u, resp.Status)
	}
	req, _ = http.NewRequest("GET", u, nil)
	req.Header.Set("X-Auth-Token", token)
	if resp, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	hd := md5.New()
	if _, err := io.Copy(hd, resp.Body); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s %v", u, resp.Status, err)
	}
	return hex.EncodeToString(hu.Sum(nil)), hex.EncodeToString(hd.Sum(nil))
}

// vmHWM is a process's peak resident set size in bytes.
func vmHWM(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatalf("no VmHWM in /proc/%d/status", pid)
	return 0
}

// login logs in with tempauth at auth and returns the token.
func login(t *testing.T, auth, user, key string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", auth, nil)
	req.Header.Set("X-Auth-User", user)
	req.Header.Set("X-Auth-Key", key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	tok := resp.Header.Get("X-Auth-Token")
	if resp.StatusCode/100 != 2 || tok == "" {
		t.Fatalf("login %s at %s: %s", user, auth, resp.Status)
	}
	return tok
}

type tarMember struct {
	name, body, link string
	typ              byte
}

// gwTar writes a tar of members (regular files unless typ says).
func gwTar(t *testing.T, members []tarMember) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, m := range members {
		h := &tar.Header{Name: m.name, Mode: 0o755, Typeflag: m.typ, Linkname: m.link, Format: tar.FormatPAX}
		if m.typ == 0 {
			h.Typeflag, h.Size = tar.TypeReg, int64(len(m.body))
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			io.WriteString(tw, m.body)
		}
	}
	tw.Close()
	return b.Bytes()
}

// hostile is an image with a valid job and the members given.
func hostile(t *testing.T, members ...tarMember) []byte {
	return gwTar(t, append([]tarMember{{name: "boot/system.map", body: `[{"name": "x", "exec": {"path": "file://python2.7:python", "args": "-V"}, "devices": [{"name": "stdout"}]}]`}}, members...))
}

// waitObject waits (up to a minute: a deferred job's result appears when
// it ends) for an object and returns it.
func waitObject(t *testing.T, conn interface {
	ObjectGetBytes(context.Context, string, string) ([]byte, error)
}, container, name string) []byte {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		b, err := conn.ObjectGetBytes(context.Background(), container, name)
		if err == nil {
			return b
		}
		if time.Now().After(deadline) {
			t.Fatalf("object %s/%s did not appear: %v", container, name, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// jobCount is the number of jobs the jobtracker knows.
func jobCount(t *testing.T, env map[string]string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", env["ZEBRA_JOBTRACKER"]+"/api/v1/jobs", nil)
	req.Header.Set("X-Auth-Token", env["ZEBRA_TOKEN"])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	n, err := strconv.Atoi(resp.Header.Get("X-Total-Count"))
	if err != nil {
		t.Fatalf("GET /api/v1/jobs: %s, X-Total-Count %q", resp.Status, resp.Header.Get("X-Total-Count"))
	}
	return n
}

func trim(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}
