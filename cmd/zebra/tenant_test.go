package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ncw/swift/v2"

	"zebra/jobtracker/api"
	"zebra/swiftfs"
	"zebra/swiftfs/aio"

	"zebra/mapreduce/mrtest/suite"
)

// TestTenantAttacks runs the attacks of one tenant on the daemons and on
// another tenant as real jobs and HTTP requests against `zebra up` with
// the real Swift all-in-one and two tenant accounts (AUTH_alice, AUTH_bob;
// the daemons' own credentials are test:tester). Every attack checks that
// bob's objects and alice's output are as they were. A client is the
// tenant's, so plans are also tampered with in flight (tamperProxy): the
// workers must hold the line when the jobtracker's checks are bypassed.
func TestTenantAttacks(t *testing.T) {
	suite.Require(t, suite.Swift)
	bin := buildZebra(t)
	env, op := swiftUp(t, bin, "--tenant-max", "zebra.sandbox.memory.mb=512,zebra.task.stderr.limit=1048576")
	ctx := context.Background()
	jt, clusterToken := env["ZEBRA_JOBTRACKER"], env["ZEBRA_TOKEN"]
	login := func(user, key string) *swift.Connection {
		t.Helper()
		c := &swift.Connection{UserName: user, ApiKey: key, AuthUrl: env["ST_AUTH"]}
		if err := c.Authenticate(ctx); err != nil {
			t.Fatalf("log in as %s: %v", user, err)
		}
		return c
	}
	alice, bob := login("alice:alice", "alicepass"), login("bob:bob", "bobpass")
	aliceCred := "AUTH_alice:" + alice.AuthToken
	put := func(c *swift.Connection, container, name, data string) {
		t.Helper()
		if err := c.ContainerCreate(ctx, container, nil); err != nil {
			t.Fatal(err)
		}
		if err := c.ObjectPutBytes(ctx, container, name, []byte(data), ""); err != nil {
			t.Fatal(err)
		}
	}
	// The input: "key<TAB>value" lines, which a map-only cat copies as
	// they are (so a job's output is its input, byte for byte).
	var lines strings.Builder
	for i := range 200 {
		fmt.Fprintf(&lines, "k%03d\tv%d\n", i, i*i)
	}
	input := lines.String()
	put(bob, "bdata", "in/part-0", "bob's secret\t"+input)
	put(bob, "bdata", "keep", "untouched")
	put(alice, "adata", "in/one", input)
	for i := range 4 {
		put(alice, "many", "in/"+strconv.Itoa(i), input)
	}
	// snapshot is every object of an account with its ETag.
	snapshot := func(c *swift.Connection) map[string]string {
		t.Helper()
		m := map[string]string{}
		cs, err := c.ContainerNamesAll(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, cn := range cs {
			objs, err := c.ObjectsAll(ctx, cn, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range objs {
				m[cn+"/"+o.Name] = o.Hash
			}
		}
		return m
	}
	bobBefore := snapshot(bob)
	bobUnchanged := func(t *testing.T) {
		t.Helper()
		if got := snapshot(bob); !equalMaps(got, bobBefore) {
			t.Errorf("bob's account changed: %v, was %v", got, bobBefore)
		}
	}
	// absent checks that nothing was written under alice's output dir.
	absent := func(t *testing.T, container, prefix string) {
		t.Helper()
		objs, err := alice.ObjectNamesAll(ctx, container, &swift.ObjectsOpts{Prefix: prefix})
		if err != nil && !errors.Is(err, swift.ContainerNotFound) {
			t.Fatal(err)
		}
		if len(objs) > 0 {
			t.Errorf("%s/%s holds %v after a refused job", container, prefix, objs)
		}
	}
	// output is a map-only job's output lines, sorted (a cluster splits
	// the input in mapreduce.job.maps=2, and part files are numbered
	// largest split first); compare it with sortedLines of what is wanted.
	output := func(t *testing.T, c *swift.Connection, container, dir string) string {
		t.Helper()
		names, err := c.ObjectNamesAll(ctx, container, &swift.ObjectsOpts{Prefix: dir + "/part-"})
		if err != nil || len(names) == 0 {
			t.Fatalf("%s/%s/part-*: %v %v", container, dir, names, err)
		}
		sort.Strings(names)
		var b strings.Builder
		for _, n := range names {
			part, err := c.ObjectGetBytes(ctx, container, n)
			if err != nil {
				t.Fatalf("%s/%s: %v", container, n, err)
			}
			b.Write(part)
		}
		return sortedLines(b.String())
	}

	// The trap is a Swift auth endpoint a tenant controls: it answers
	// alice's own login (so her client works) and records every login.
	var trapMu sync.Mutex
	var logins []string
	trap := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, key := r.Header.Get("X-Auth-User"), r.Header.Get("X-Auth-Key")
		trapMu.Lock()
		logins = append(logins, r.Method+" "+r.URL.Path+" user="+user+" key="+key+" token="+r.Header.Get("X-Auth-Token"))
		trapMu.Unlock()
		if user == "alice:alice" && key == "alicepass" {
			w.Header().Set("X-Storage-Url", alice.StorageUrl)
			w.Header().Set("X-Auth-Token", alice.AuthToken)
			w.WriteHeader(http.StatusOK)
			return
		}
		w.WriteHeader(http.StatusUnauthorized)
	}))
	defer trap.Close()
	// foreign are the trap's requests that carry a credential not
	// alice's own (the daemons' key or token); with strict, every request
	// but alice's own logins (a daemon's list_endpoints too).
	foreign := func(strict bool) []string {
		trapMu.Lock()
		defer trapMu.Unlock()
		var out []string
		for _, l := range logins {
			_, key, _ := strings.Cut(l, " key=")
			key, tok, _ := strings.Cut(key, " token=")
			if (strict && !strings.Contains(l, "user=alice:alice key=alicepass")) || (key != "" && key != "alicepass") || (tok != "" && tok != alice.AuthToken) {
				out = append(out, l)
			}
		}
		return out
	}
	resetTrap := func() {
		trapMu.Lock()
		logins = nil
		trapMu.Unlock()
	}

	// run runs a streaming job as a tenant (its own Swift login for the
	// client's listing, its ACCOUNT:TOKEN for the jobtracker) through
	// jobtracker URL via.
	run := func(t *testing.T, user, key, cred, via string, args ...string) (string, error) {
		t.Helper()
		e := map[string]string{}
		for k, v := range env {
			e[k] = v
		}
		e["ST_USER"], e["ST_KEY"], e["ZEBRA_TOKEN"], e["ZEBRA_JOBTRACKER"] = user, key, cred, via
		cmd := zebraCmd(bin, t.TempDir(), e, append([]string{"streaming"}, args...)...)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	mapOnly := func(in, out string, extra ...string) []string {
		return append(extra, "-input", in, "-output", out, "-mapper", "cat", "-numReduceTasks", "0")
	}

	t.Run("swift endpoints and credentials", func(t *testing.T) {
		// Each setting that chooses where or as whom Swift is reached is
		// refused at submission with 403. The first comes from the client
		// (which itself logs in at alice's trap with her own login); the
		// others are put in the plan in flight (a client would use them
		// itself first).
		for i, kv := range []string{
			"zebra.swift.auth=" + trap.URL + "/auth/v1.0",
			"zebra.swift.storage.url=" + trap.URL + "/v1/AUTH_alice",
			"zebra.swift.endpoints=" + trap.URL + "/endpoints/",
			"zebra.swift.user=test:tester",
			"zebra.swift.key=testing",
			"zebra.swift.token=" + op.AuthToken,
		} {
			k, v, _ := strings.Cut(kv, "=")
			var mutate func(map[string]any)
			args := []string{}
			if i == 0 {
				args = []string{"-D", kv}
			} else {
				mutate = func(plan map[string]any) {
					plan["conf"].(map[string]any)[k] = v
					specConf(t, plan)[k] = v
				}
			}
			via, status := tamperProxy(t, jt, mutate)
			out, err := run(t, "alice:alice", "alicepass", aliceCred, via, mapOnly("swift://adata/in", "swift://adata/out-set"+strconv.Itoa(i), args...)...)
			if err == nil || status() != http.StatusForbidden || !strings.Contains(out, "-D "+k+":") || !strings.Contains(out, "may not set Swift endpoints or credentials") {
				t.Errorf("-D %s: err %v, status %d, want a 403 naming the setting:\n%s", kv, err, status(), out)
			}
			absent(t, "adata", "out-set"+strconv.Itoa(i))
		}
		if s := foreign(false); len(s) > 0 {
			t.Errorf("the tenant's endpoint received credentials not its own: %v", s)
		}
		bobUnchanged(t)
	})

	t.Run("swift auth in the spec only", func(t *testing.T) {
		// A client that leaves zebra.swift.auth out of the plan's conf
		// but in the spec the workers rebuild the job from gets past the
		// jobtracker's check; the workers move the data with alice's
		// token and never log in at her endpoint.
		resetTrap()
		via, _ := tamperProxy(t, jt, func(plan map[string]any) {
			specConf(t, plan)["zebra.swift.auth"] = trap.URL + "/auth/v1.0"
			specConf(t, plan)["zebra.swift.endpoints"] = trap.URL + "/endpoints/"
			delete(plan["conf"].(map[string]any), "zebra.swift.auth")
		})
		out, err := run(t, "alice:alice", "alicepass", aliceCred, via, mapOnly("swift://adata/in", "swift://adata/out-spec", "-D", "zebra.swift.auth="+trap.URL+"/auth/v1.0")...)
		if err != nil {
			t.Fatalf("%v:\n%s", err, out)
		}
		if got := output(t, alice, "adata", "out-spec"); got != sortedLines(input) {
			t.Errorf("output %q, want the input", got)
		}
		if s := foreign(true); len(s) > 0 {
			t.Errorf("a daemon sent requests to the tenant's endpoint: %v", s)
		}
		bobUnchanged(t)
	})

	t.Run("another tenant's objects", func(t *testing.T) {
		for _, c := range []struct {
			name   string
			mutate func(plan map[string]any)
			want   string
		}{
			{"read", func(plan map[string]any) {
				for _, s := range plan["splits"].([]any) {
					s.(map[string]any)["uri"] = "swift://AUTH_bob/bdata/in/part-0"
				}
			}, "is in the account AUTH_bob"},
			{"write", func(plan map[string]any) { plan["output"] = "swift://AUTH_bob/bdata/out" }, "is in the account AUTH_bob"},
		} {
			via, status := tamperProxy(t, jt, c.mutate)
			out, err := run(t, "alice:alice", "alicepass", aliceCred, via, mapOnly("swift://adata/in", "swift://adata/out-x"+c.name)...)
			if err == nil || status() != http.StatusForbidden || !strings.Contains(out, c.want) {
				t.Errorf("%s: err %v, status %d, want 403 %q:\n%s", c.name, err, status(), c.want, out)
			}
			absent(t, "adata", "out-x"+c.name)
		}
		// A credential the client puts in the plan is replaced by the
		// submitter's own: the job runs on alice's data as alice.
		via, _ := tamperProxy(t, jt, func(plan map[string]any) {
			plan["swift"] = map[string]any{"storage_url": bob.StorageUrl, "token": bob.AuthToken}
		})
		if out, err := run(t, "alice:alice", "alicepass", aliceCred, via, mapOnly("swift://adata/in", "swift://adata/out-cred")...); err != nil {
			t.Errorf("a plan carrying bob's credential: %v:\n%s", err, out)
		} else if got := output(t, alice, "adata", "out-cred"); got != sortedLines(input) {
			t.Errorf("output %q, want the input", got)
		}
		// Behind that check, Swift itself refuses: what a worker builds
		// for alice's job (her token, beside every object server, so that
		// direct reads are tried) can neither read nor write bob's
		// objects, and reads none of their bytes directly.
		nodes := strings.Join(objectServers(t, env), ",")
		reg := tenantRegistry("AUTH_alice", &api.SwiftCredential{StorageURL: alice.StorageUrl, Token: alice.AuthToken},
			func(string) string { return "" }, nodes, defaultTenantMaxima())
		fsys, name, err := reg.Resolve(ctx, "swift://AUTH_bob/bdata/in/part-0")
		if err != nil {
			t.Fatal(err)
		}
		if r, err := fsys.Open(ctx, name, 0); err == nil {
			b, _ := io.ReadAll(r)
			t.Errorf("alice's token read bob's object: %q", b)
		} else if !errors.Is(err, fs.ErrPermission) || !strings.Contains(err.Error(), "403") {
			t.Errorf("read of bob's object: %v, want Swift's 403", err)
		}
		if st := fsys.(*swiftfs.FS).Stats(); st.DirectReads.Load() != 0 || st.DirectBytes.Load() != 0 {
			t.Errorf("direct reads %d (%d bytes) of an object the tenant may not read", st.DirectReads.Load(), st.DirectBytes.Load())
		}
		w, err := fsys.Create(ctx, "/bdata/keep")
		if err == nil {
			io.WriteString(w, "overwritten")
			err = w.Close()
		}
		if !errors.Is(err, fs.ErrPermission) {
			t.Errorf("write of bob's object with alice's token: %v, want a permission error", err)
		}
		bobUnchanged(t)
	})

	t.Run("a tenant's job moves data with its token", func(t *testing.T) {
		// The daemons' login (test:tester) may not touch AUTH_bob: this
		// job succeeds only if workers and commit use bob's token, and the
		// proxy's log shows no other token on bob's account.
		proxy := proxyLog(filepath.Join(env["ZEBRA_CLUSTER"], "swift", "log", "proxy.log"))
		mark := proxy.mark(t)
		before := bobBefore
		out, err := run(t, "bob:bob", "bobpass", "AUTH_bob:"+bob.AuthToken, jt, mapOnly("swift://bdata/in", "swift://bdata/out")...)
		if err != nil {
			t.Fatalf("%v:\n%s", err, out)
		}
		if got := output(t, bob, "bdata", "out"); got != sortedLines("bob's secret\t"+input) {
			t.Errorf("output %q, want the input", got)
		}
		tokens := proxy.tokens(t, mark, accountPath(t, bob)+"/")
		if len(tokens) == 0 {
			t.Fatal("no request on bob's account in the proxy's log")
		}
		for tok := range tokens {
			if !strings.HasPrefix(bob.AuthToken, strings.TrimSuffix(tok, "...")) {
				t.Errorf("a request on bob's account carried token %s (bob's is %.16s…, the daemons' %.16s…)", tok, bob.AuthToken, op.AuthToken)
			}
		}
		// Only the output was added.
		after := snapshot(bob)
		for k, v := range before {
			if after[k] != v {
				t.Errorf("bob's %s changed", k)
			}
		}
		for k := range after {
			if _, ok := before[k]; !ok && !strings.HasPrefix(k, "bdata/out/") {
				t.Errorf("bob's job wrote %s outside its output", k)
			}
		}
		bobBefore = after
	})

	t.Run("limits above the maxima", func(t *testing.T) {
		// Refused at submission: the tenant learns why at once.
		for i, kv := range []string{"zebra.sandbox.memory.mb=1024", "zebra.task.stderr.limit=2097152"} {
			via, status := tamperProxy(t, jt, nil)
			out, err := run(t, "alice:alice", "alicepass", aliceCred, via, mapOnly("swift://adata/in", "swift://adata/out-lim"+strconv.Itoa(i), "-D", kv)...)
			k, _, _ := strings.Cut(kv, "=")
			if err == nil || status() != http.StatusForbidden || !strings.Contains(out, k) || !strings.Contains(out, "above this cluster's maximum") {
				t.Errorf("-D %s: err %v, status %d, want 403 naming the maximum:\n%s", kv, err, status(), out)
			}
			absent(t, "adata", "out-lim"+strconv.Itoa(i))
		}
		// Past a bypassed check, the workers lower the limit to their
		// maximum before the sandbox is made: the task's configuration
		// (its environment) says 512, the limit it runs under.
		via, _ := tamperProxy(t, jt, func(plan map[string]any) {
			specConf(t, plan)["zebra.sandbox.memory.mb"] = "4096"
			delete(plan["conf"].(map[string]any), "zebra.sandbox.memory.mb")
		})
		out, err := run(t, "alice:alice", "alicepass", aliceCred, via, "-D", "zebra.sandbox.memory.mb=4096", "-input", "swift://adata/in", "-output", "swift://adata/out-cap",
			"-mapper", `sh -c 'cat >/dev/null; printf "memory\t%s\n" "$zebra_sandbox_memory_mb"'`, "-numReduceTasks", "0")
		if err != nil {
			t.Fatalf("%v:\n%s", err, out)
		}
		// One line per map task, each with the lowered limit.
		if got := output(t, alice, "adata", "out-cap"); got == "" || strings.Trim(strings.ReplaceAll(got, "memory\t512\n", ""), "\n") != "" {
			t.Errorf("the task saw %q, want memory\\t512 from every map", got)
		}
		bobUnchanged(t)
	})

	t.Run("many limit sets", func(t *testing.T) {
		// Nine jobs with nine distinct limit sets (each map of each job on
		// any of the workers; a worker used to refuse every set after its
		// eighth), then one with the defaults: all run.
		var wg sync.WaitGroup
		errs := make([]string, 10)
		for i := range 9 {
			wg.Go(func() {
				out, err := run(t, "alice:alice", "alicepass", aliceCred, jt, mapOnly("swift://many/in", "swift://many/out"+strconv.Itoa(i), "-D", "zebra.sandbox.tmp.mb="+strconv.Itoa(100+i))...)
				if err != nil {
					errs[i] = fmt.Sprintf("job %d: %v:\n%s", i, err, out)
				}
			})
		}
		wg.Wait()
		out, err := run(t, "alice:alice", "alicepass", aliceCred, jt, mapOnly("swift://many/in", "swift://many/out-default")...)
		if err != nil {
			errs[9] = fmt.Sprintf("default limits: %v:\n%s", err, out)
		}
		for _, e := range errs {
			if e != "" {
				t.Error(e)
			}
		}
		for i := range 4 {
			dir := "out-default"
			b, err := alice.ObjectGetBytes(ctx, "many", fmt.Sprintf("%s/part-%05d", dir, i))
			if err != nil || string(b) != input {
				t.Errorf("%s/part-%05d: %v, %d bytes, want the input", dir, i, err, len(b))
			}
		}
		bobUnchanged(t)
	})

	t.Run("a token an account ACL lets in is not that account", func(t *testing.T) {
		// Bob's account lets alice read (then read and write) its
		// containers. Swift then answers alice's token on AUTH_bob, but
		// it does not make her bob: zebra must not let her see bob's
		// jobs or submit as him.
		jobs := func(cred string) int {
			t.Helper()
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, jt+"/api/v1/jobs", nil)
			req.Header.Set("X-Auth-Token", cred)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		for _, acl := range []string{`{"read-only":["alice"]}`, `{"read-write":["alice"]}`} {
			if err := bob.AccountUpdate(ctx, swift.Headers{"X-Account-Access-Control": acl}); err != nil {
				t.Fatalf("set bob's account ACL: %v", err)
			}
			// The control: Swift does let alice's token in on AUTH_bob.
			other := &swift.Connection{StorageUrl: bob.StorageUrl, AuthToken: alice.AuthToken}
			if _, _, err := other.Account(ctx); err != nil {
				t.Fatalf("%s: the ACL does not let alice read AUTH_bob: %v", acl, err)
			}
			if code := jobs("AUTH_bob:" + alice.AuthToken); code != http.StatusUnauthorized {
				t.Errorf("%s: alice's token as AUTH_bob lists jobs: %d, want 401", acl, code)
			}
			out, err := run(t, "alice:alice", "alicepass", "AUTH_bob:"+alice.AuthToken, jt,
				mapOnly("swift://AUTH_bob/bdata/in", "swift://AUTH_bob/bdata/out-acl")...)
			if err == nil {
				t.Errorf("%s: alice submitted a job as AUTH_bob:\n%s", acl, out)
			}
		}
		if err := bob.AccountUpdate(ctx, swift.Headers{"X-Remove-Account-Access-Control": "x"}); err != nil {
			t.Fatalf("remove bob's account ACL: %v", err)
		}
		// Bob's own token is still bob (the check is not just a refusal).
		if code := jobs("AUTH_bob:" + bob.AuthToken); code != http.StatusOK {
			t.Errorf("bob's own token: %d, want 200", code)
		}
		bobUnchanged(t)
	})

	t.Run("token revoked mid-job", func(t *testing.T) {
		// Tempauth keeps tokens in memcached: emptying it revokes every
		// token while alice's map runs. The job fails naming the expiry;
		// nothing falls back to the daemons' login (which could write
		// AUTH_alice: it is not admin there, so the output stays absent).
		e := map[string]string{}
		for k, v := range env {
			e[k] = v
		}
		e["ST_USER"], e["ST_KEY"], e["ZEBRA_TOKEN"] = "alice:alice", "alicepass", aliceCred
		cmd := zebraCmd(bin, t.TempDir(), e, "streaming", "-D", "zebra.client.retry=5s", "-input", "swift://adata/in", "-output", "swift://adata/out-revoked",
			"-mapper", "sh -c 'sleep 4; cat'", "-numReduceTasks", "0")
		stdout, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stdout = cmd.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		var console bytes.Buffer
		id := ""
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			console.WriteString(sc.Text() + "\n")
			if m := regexp.MustCompile(`Running job: (job_\S+)`).FindStringSubmatch(sc.Text()); m != nil {
				id = m[1]
				break
			}
		}
		if id == "" {
			cmd.Wait()
			t.Fatalf("no job started:\n%s", console.String())
		}
		waitRunning(t, jt, clusterToken, id)
		flushMemcached(t, env["ZEBRA_CLUSTER"])
		io.Copy(&console, stdout)
		cmd.Wait()
		st := jobStatus(t, jt, clusterToken, id)
		if st.State != api.StateFailed || st.Failure == nil || !strings.Contains(st.Failure.Error, "expired or was revoked") {
			t.Errorf("job %s: %s %+v, want FAILED naming the token's expiry\nconsole:\n%s", id, st.State, st.Failure, console.String())
		}
		if cmd.ProcessState.ExitCode() == 0 {
			t.Errorf("the client exited 0:\n%s", console.String())
		}
		bob = login("bob:bob", "bobpass")
		bobUnchanged(t)
		alice = login("alice:alice", "alicepass")
		if _, _, err := alice.Object(ctx, "adata", "out-revoked/part-00000"); !errors.Is(err, swift.ObjectNotFound) {
			t.Errorf("out-revoked/part-00000: %v, want no such object", err)
		}
	})
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// tokens returns the auth tokens (as the proxy logs them: a prefix and
// "...") of the client requests on paths starting with prefix logged
// after mark.
func (p proxyLog) tokens(t *testing.T, mark int64, prefix string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, fl := range p.requests(t, mark, prefix) {
		out[fl[10]]++
	}
	return out
}

// tamperProxy is a jobtracker front that passes everything on but
// rewrites the plan of each submission with mutate (nil: none): a
// tenant's own client sends what it likes. The function returned gives
// the status of the last submission.
func tamperProxy(t *testing.T, jt string, mutate func(plan map[string]any)) (string, func() int) {
	t.Helper()
	target, err := url.Parse(jt)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	var status atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/api/v1/jobs" {
			rp.ServeHTTP(w, r)
			return
		}
		_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mr := multipart.NewReader(r.Body, params["boundary"])
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			data, _ := io.ReadAll(part)
			if part.FormName() == "plan" {
				var plan map[string]any
				if err := json.Unmarshal(data, &plan); err != nil {
					http.Error(w, err.Error(), http.StatusBadRequest)
					return
				}
				if plan["conf"] == nil {
					plan["conf"] = map[string]any{}
				}
				if mutate != nil {
					mutate(plan)
				}
				data, _ = json.Marshal(plan)
				pw, _ := mw.CreateFormField("plan")
				pw.Write(data)
				continue
			}
			pw, _ := mw.CreateFormFile(part.FormName(), part.FileName())
			pw.Write(data)
		}
		mw.Close()
		req, _ := http.NewRequestWithContext(r.Context(), http.MethodPost, jt+"/api/v1/jobs", &body)
		req.Header = r.Header.Clone()
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.ContentLength = int64(body.Len())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		status.Store(int64(resp.StatusCode))
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		io.Copy(w, resp.Body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, func() int { return int(status.Load()) }
}

// specConf is the configuration inside a streaming plan's spec (what the
// workers rebuild the job from).
func specConf(t *testing.T, plan map[string]any) map[string]any {
	t.Helper()
	spec, _ := plan["spec"].(map[string]any)
	opts, _ := spec["options"].(map[string]any)
	conf, _ := opts["Conf"].(map[string]any)
	if conf == nil {
		t.Fatalf("no options.Conf in the plan's spec: %v", plan["spec"])
	}
	return conf
}

// objectServers are the object servers of a zebra up cluster's Swift.
func objectServers(t *testing.T, env map[string]string) []string {
	t.Helper()
	c, err := aio.Start(context.Background(), filepath.Join(env["ZEBRA_CLUSTER"], "swift"))
	if err != nil {
		t.Fatal(err)
	}
	return slices.Clone(c.ObjectServers)
}

// flushMemcached empties the memcached of a zebra up cluster's Swift,
// which revokes every tempauth token.
func flushMemcached(t *testing.T, state string) {
	t.Helper()
	c, err := aio.Start(context.Background(), filepath.Join(state, "swift"))
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.DialTimeout("tcp", c.Memcached, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "flush_all\r\n"); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "OK" {
		t.Fatalf("memcached flush_all: %q %v", line, err)
	}
}

// jobStatus is a job's status as the cluster token sees it.
func jobStatus(t *testing.T, jt, token, id string) api.JobStatus {
	t.Helper()
	c, err := api.NewClient(jt)
	if err != nil {
		t.Fatal(err)
	}
	c.Token = token
	var st api.JobStatus
	if err := c.Do(context.Background(), http.MethodGet, "/api/v1/jobs/"+id, nil, &st); err != nil {
		t.Fatal(err)
	}
	return st
}

// waitRunning waits until a map of job id has an attempt running.
func waitRunning(t *testing.T, jt, token, id string) {
	t.Helper()
	c, err := api.NewClient(jt)
	if err != nil {
		t.Fatal(err)
	}
	c.Token = token
	for range 600 {
		var attempts []api.AttemptInfo
		if err := c.Do(context.Background(), http.MethodGet, "/api/v1/jobs/"+id+"/attempts", nil, &attempts); err == nil {
			for _, a := range attempts {
				if a.State == "RUNNING" {
					return
				}
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("job %s: no attempt ran within a minute", id)
}
