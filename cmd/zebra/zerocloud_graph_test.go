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
	"slices"
	"sort"
	"strings"
	"testing"

	"zebra/mapreduce/mrtest/suite"
)

// The page names the apps but does not publish them; these are ours, a
// word count in the shape it describes. Each mapper counts its object's
// words and sends every other mapper the words that mapper owns (a hash
// of the word) while reading what the others send it: the mappers talk to
// each other while they all run, which only streaming channels allow.
// Then each passes its words' totals to the reducer owning them; the
// reducers pass theirs on to the manager, which prints the table.
const mapperNexe = `#!/usr/bin/env python3
import os, sys, threading, zlib
me = os.environ['ZEROCLOUD_INSTANCE']
outs = sorted(os.listdir('/dev/out'))
peers = [o for o in outs if o.startswith('mapper-')]
reducers = [o for o in outs if o.startswith('reducer-')]
mappers = sorted(peers + [me])
def owner(w, names):
    return names[zlib.crc32(w.encode()) % len(names)]
counts = {}
for w in sys.stdin.read().split():
    counts[w] = counts.get(w, 0) + 1
def send(peer):
    with open('/dev/out/' + peer, 'w') as f:
        for w, c in counts.items():
            if owner(w, mappers) == peer:
                f.write('%s %d\n' % (w, c))
got = {}
def recv(peer):
    with open('/dev/in/' + peer) as f:
        got[peer] = f.read()
threads = [threading.Thread(target=send, args=(p,)) for p in peers]
threads += [threading.Thread(target=recv, args=(p,)) for p in os.listdir('/dev/in')]
for t in threads:
    t.start()
for t in threads:
    t.join()
mine = {w: c for w, c in counts.items() if owner(w, mappers) == me}
for text in got.values():
    for line in text.splitlines():
        w, c = line.split()
        mine[w] = mine.get(w, 0) + int(c)
outs = dict((r, open('/dev/out/' + r, 'w')) for r in reducers)
for w, c in mine.items():
    outs[owner(w, reducers)].write('%s %d\n' % (w, c))
for f in outs.values():
    f.close()
sys.stderr.write('%s: %d words owned\n' % (me, len(mine)))
`

const reducerNexe = `#!/usr/bin/env python3
import os
total = {}
for src in os.listdir('/dev/in'):
    with open('/dev/in/' + src) as f:
        for line in f:
            w, c = line.split()
            total[w] = total.get(w, 0) + int(c)
with open('/dev/out/manager', 'w') as f:
    for w, c in total.items():
        f.write('%s %d\n' % (w, c))
`

const managerNexe = `#!/usr/bin/env python3
import os, sys
total = {}
for src in os.listdir('/dev/in'):
    with open('/dev/in/' + src) as f:
        for line in f:
            w, c = line.split()
            total[w] = total.get(w, 0) + int(c)
for w in sorted(total):
    sys.stdout.write('%s\t%d\n' % (w, total[w]))
sys.stderr.write('manager: %d words\n' % len(total))
`

// TestZeroCloudGraph runs Servlets.md's map-reduce job (a group connected
// to itself and to another, three groups) on the real Swift of zebra up,
// through POST (zebra's endpoint, and ZeroCloud's wire protocol: the storage
// URL through the gateway with the bare token) and through zebra submit,
// and compares its result with a
// word count computed here from the objects. A job whose 14 instances
// must run at once on a 12-slot cluster is answered 503 (zebra submit:
// exit 5) and starts nothing. A failing app's stderr with a path is stored as an object and
// its exit code reported.
func TestZeroCloudGraph(t *testing.T) {
	suite.Require(t, suite.Swift)
	bin := buildZebra(t)
	env, conn := swiftUp(t, bin, "--slots", "4") // 3 workers: 12 map slots
	ctx := context.Background()
	jt := env["ZEBRA_JOBTRACKER"]
	account := path.Base(conn.StorageUrl)
	tenant := account + ":" + conn.AuthToken
	for _, c := range []string{"data", "exec", "logs"} {
		if err := conn.ContainerCreate(ctx, c, nil); err != nil {
			t.Fatal(err)
		}
	}
	for name, app := range map[string]string{"maper.nexe": mapperNexe, "reducer.nexe": reducerNexe, "manager.nexe": managerNexe} {
		if err := conn.ObjectPutString(ctx, "exec", name, app, "application/octet-stream"); err != nil {
			t.Fatal(err)
		}
	}
	words := strings.Fields("the quick brown fox jumps over the lazy dog and the dog sleeps while a fox runs " +
		"zebra yak ant bee cow deer eel frog gnu hare ibis jay kiwi lynx mole newt orca puma quail")
	inputs := map[string]string{}
	for i := range 8 {
		var b strings.Builder
		for j := range 40 + 13*i {
			b.WriteString(words[(i*7+j*j)%len(words)])
			if j%9 == 8 {
				b.WriteString("\n")
			} else {
				b.WriteString(" ")
			}
		}
		name := fmt.Sprintf("binary%d.data", i+1)
		inputs[name] = b.String()
		if err := conn.ObjectPutString(ctx, "data", name, b.String(), "text/plain"); err != nil {
			t.Fatal(err)
		}
	}
	// Servlets.md's map-reduce job ("Create a map-reduce job") as
	// published: mappers connected to each other and to 5 reducers, the
	// reducers to one manager. Only its placeholder account is filled in.
	published, err := os.ReadFile("../../jobtracker/zerocloud/testdata/servlets-mapreduce.json")
	if err != nil {
		t.Fatal(err)
	}
	jobJSON := strings.ReplaceAll(string(published), "my_account", account)
	// Two ways to POST a job: zebra's endpoint with ACCOUNT:TOKEN, and
	// ZeroCloud's wire protocol, to the storage URL through the gateway
	// with the bare Swift token (docs/zerocloud.md, "Wire protocol").
	gw := env["ZEBRA_ZEROCLOUD"]
	if gw == "" {
		t.Fatal("zebra up exported no ZEBRA_ZEROCLOUD (the gateway)")
	}
	postTo := func(url, token, body string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
		req.Header.Set("X-Zerovm-Execute", "1.0") // answered with the reply, as ZeroCloud always did
		req.Header.Set("X-Auth-Token", token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	wire := func(body string) (*http.Response, string) {
		t.Helper()
		return postTo(gw+"/v1/"+account, conn.AuthToken, body)
	}
	post := func(body string) (*http.Response, string) {
		t.Helper()
		return postTo(jt+"/api/v1/zerocloud", tenant, body)
	}

	// 8 mappers + 5 reducers + 1 manager = 14 instances > 12 slots.
	if resp, body := post(jobJSON); resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "Slot not available: the 14 instances") {
		t.Fatalf("14 instances on 12 slots: %d %s, want 503", resp.StatusCode, body)
	}
	if resp, body := wire(jobJSON); resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "Slot not available: the 14 instances") {
		t.Fatalf("14 instances on 12 slots, through the gateway: %d %s, want 503", resp.StatusCode, body)
	}
	subDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(subDir, "job.json"), []byte(jobJSON), 0o644); err != nil {
		t.Fatal(err)
	}
	refused := zebraCmd(bin, subDir, env, "submit", "job.json")
	out, _ := refused.CombinedOutput()
	if code := refused.ProcessState.ExitCode(); code != 5 || !strings.Contains(string(out), "Slot not available: the 14 instances") {
		t.Fatalf("zebra submit of 14 instances on 12 slots: exit %d, want 5:\n%s", code, out)
	}
	if _, _, err := conn.Object(ctx, "data", "mapred_result.data"); err == nil {
		t.Fatal("the refused job wrote its result")
	}
	for i := 5; i <= 8; i++ { // 4 mappers: 10 instances
		name := fmt.Sprintf("binary%d.data", i)
		if err := conn.ObjectDelete(ctx, "data", name); err != nil {
			t.Fatal(err)
		}
		delete(inputs, name)
	}
	want := map[string]int{}
	for _, text := range inputs {
		for _, w := range strings.Fields(text) {
			want[w]++
		}
	}
	var wantText strings.Builder
	keys := make([]string, 0, len(want))
	for w := range want {
		keys = append(keys, w)
	}
	sort.Strings(keys)
	for _, w := range keys {
		fmt.Fprintf(&wantText, "%s\t%d\n", w, want[w])
	}
	instances := []string{"mapper-1", "mapper-2", "mapper-3", "mapper-4", "reducer-1", "reducer-2", "reducer-3", "reducer-4", "reducer-5", "manager"}

	for _, way := range []struct {
		name string
		post func(string) (*http.Response, string)
	}{{"POST", post}, {"POST to the storage URL", wire}} {
		t.Run(way.name, func(t *testing.T) {
			resp, body := way.post(jobJSON)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("POST: %d %s", resp.StatusCode, body)
			}
			if got := resp.Header.Get("X-Nexe-System"); got != strings.Join(instances, ",") {
				t.Errorf("X-Nexe-System %q", got)
			}
			if got := resp.Header.Get("X-Nexe-Retcode"); got != strings.TrimSuffix(strings.Repeat("0,", len(instances)), ",") {
				t.Errorf("X-Nexe-Retcode %q", got)
			}
			// The reply: the path-less stderr of the mappers and the manager.
			for _, m := range instances[:4] {
				if !strings.Contains(body, m+": ") {
					t.Errorf("the reply lacks %s's stderr: %q", m, body)
				}
			}
			if !strings.Contains(body, fmt.Sprintf("manager: %d words\n", len(want))) {
				t.Errorf("the reply lacks the manager's stderr: %q", body)
			}
			got, err := conn.ObjectGetString(ctx, "data", "mapred_result.data")
			if err != nil || got != wantText.String() {
				t.Errorf("mapred_result.data: %v\n%s\nwant\n%s", err, got, wantText.String())
			}
			noMarkers(t, conn, "data")
			if err := conn.ObjectDelete(ctx, "data", "mapred_result.data"); err != nil {
				t.Fatal(err)
			}
		})
	}

	t.Run("zebra submit", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "job.json"), []byte(jobJSON), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := zebraCmd(bin, dir, env, "submit", "job.json")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("zebra submit: %v\n%s", err, stderr.String())
		}
		if !strings.Contains(stderr.String(), "X-Nexe-System: "+strings.Join(instances, ",")+"\n") {
			t.Errorf("zebra submit's report:\n%s", stderr.String())
		}
		got, err := conn.ObjectGetString(ctx, "data", "mapred_result.data")
		if err != nil || got != wantText.String() {
			t.Errorf("mapred_result.data: %v\n%s\nwant\n%s", err, got, wantText.String())
		}
	})

	t.Run("failing app's stderr stored", func(t *testing.T) {
		resp, body := post(`[{"name":"fail","exec":{"path":"swift://~/exec/fail.nexe"},"devices":[
 {"name":"stdin","path":"swift://~/data/binary1.data"},
 {"name":"stderr","path":"swift://~/logs/fail.log","content_type":"text/plain"}]}]`)
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("a missing app: %d %s, want 400", resp.StatusCode, body)
		}
		app := "#!/bin/sh\necho \"read $(wc -w) words, failing\" >&2\nexit 7\n"
		if err := conn.ObjectPutString(ctx, "exec", "fail.nexe", app, "application/octet-stream"); err != nil {
			t.Fatal(err)
		}
		resp, body = post(`[{"name":"fail","exec":{"path":"swift://~/exec/fail.nexe"},"devices":[
 {"name":"stdin","path":"swift://~/data/binary1.data"},
 {"name":"stderr","path":"swift://~/logs/fail.log","content_type":"text/plain"}]}]`)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Nexe-Retcode") != "7" || resp.Header.Get("X-Nexe-System") != "fail" {
			t.Fatalf("POST: %d %v %s", resp.StatusCode, resp.Header, body)
		}
		got, err := conn.ObjectGetString(ctx, "logs", "fail.log")
		wantLog := fmt.Sprintf("read %d words, failing\n", len(strings.Fields(inputs["binary1.data"])))
		if err != nil || got != wantLog {
			t.Errorf("logs/fail.log: %q %v, want %q", got, err, wantLog)
		}
		objs, _ := conn.ObjectNamesAll(ctx, "logs", nil)
		if !slices.Equal(objs, []string{"fail.log"}) {
			t.Errorf("logs holds %v, want only fail.log", objs)
		}
	})
}
