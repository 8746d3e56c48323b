package main

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	zmq "github.com/pebbe/zmq4"

	"zebra/jobtracker/pki"
	"zebra/mapreduce/mrtest/zebratest"
)

// TestUpTransportSecurity starts `zebra up --tls` and checks the transport
// between its daemons: the jobtracker and the workers serve HTTPS signed by
// the cluster's CA and refuse plain HTTP and clients that do not trust the
// CA; a job with a shuffle runs (worker protocol over TLS, map outputs over
// CURVE); a plain ZeroMQ socket gets no answer from a worker's shuffle port.
func TestUpTransportSecurity(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("tasks run in the native sandbox, which needs root here")
	}
	bin := buildZebra(t)
	c := zebratest.Up(t, bin, "", "--no-swift", "--tls", "--workers", "2", "--slots", "1")
	state, jt, token, ca := c.State, c.JobTracker(), c.Token(), c.Env["ZEBRA_TLS_CA"]
	if !strings.HasPrefix(jt, "https://127.0.0.1:") || token == "" || ca == "" {
		t.Fatalf("zebra up --tls printed %q", c.Stdout)
	}
	pool, err := pki.Pool(ca)
	if err != nil {
		t.Fatal(err)
	}
	trusting := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 10 * time.Second}
	get := func(c *http.Client, url string) (int, string, error) {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		req.Header.Set("X-Auth-Token", token)
		resp, err := c.Do(req)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), nil
	}
	if code, body, err := get(trusting, jt+"/api/v1/jobs"); err != nil || code != 200 {
		t.Fatalf("HTTPS with the CA: %d %v %.200s", code, err, body)
	}

	// The workers' HTTP servers (attempt logs, run on open), from their logs.
	addrRe := regexp.MustCompile(`serving attempt logs and run on open.* addr=(\S+)`)
	shuffleRe := regexp.MustCompile(`msg=registered .*shuffle=(tcp://\S+)`)
	var workerAddrs, shuffles []string
	for _, name := range []string{"worker-1", "worker-2"} {
		b, err := os.ReadFile(filepath.Join(state, name+".log"))
		if err != nil {
			t.Fatal(err)
		}
		m, s := addrRe.FindSubmatch(b), shuffleRe.FindSubmatch(b)
		if m == nil || s == nil {
			t.Fatalf("%s.log names no HTTP address or shuffle endpoint:\n%s", name, b)
		}
		workerAddrs = append(workerAddrs, string(m[1]))
		shuffles = append(shuffles, string(s[1]))
	}
	// Plain HTTP to a TLS daemon is refused, with nothing served.
	untrusting := &http.Client{Timeout: 10 * time.Second}
	for _, base := range append([]string{strings.TrimPrefix(jt, "https://")}, workerAddrs...) {
		code, body, err := get(untrusting, "http://"+base+"/api/v1/jobs")
		if err == nil && (code != http.StatusBadRequest || !strings.Contains(body, "HTTPS")) {
			t.Errorf("plain HTTP to %s: %d %.200s, want 400 (HTTP request to an HTTPS server)", base, code, body)
		}
		// HTTPS without trusting the CA fails the handshake.
		_, _, err = get(untrusting, "https://"+base+"/api/v1/jobs")
		var unknown x509.UnknownAuthorityError
		if !errors.As(err, &unknown) {
			t.Errorf("HTTPS to %s without the CA: %v, want an unknown-authority error", base, err)
		}
	}

	// A job with a shuffle runs across the workers.
	work := t.TempDir()
	lines := []string{"zebra one", "ant two", "moose three", "bee four", "yak five", "cat six"}
	os.WriteFile(filepath.Join(work, "in.txt"), []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	job := exec.Command(bin, "streaming", "-D", "mapreduce.job.reduces=2", "-input", filepath.Join(work, "in.txt"),
		"-output", filepath.Join(work, "out"), "-mapper", "cat", "-reducer", "cat")
	job.Env = append(os.Environ(), "ZEBRA_JOBTRACKER="+jt, "ZEBRA_TOKEN="+token, "ZEBRA_TLS_CA="+ca)
	if out, err := job.CombinedOutput(); err != nil {
		t.Fatalf("job on the TLS/CURVE cluster: %v\n%s", err, out)
	}
	var got []string
	for _, p := range []string{"part-00000", "part-00001"} {
		b, err := os.ReadFile(filepath.Join(work, "out", p))
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
			if l != "" {
				got = append(got, l)
			}
		}
	}
	sort.Strings(got)
	// cat as the mapper: each line is a key with an empty value, which
	// Hadoop's text output writes as the key and a tab.
	var want []string
	for _, l := range lines {
		want = append(want, l+"\t")
	}
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("job output %q, want the input's lines %q", got, want)
	}

	// The UI's log view reaches the workers over TLS (jobtracker to worker).
	code, body, err := get(trusting, jt+"/api/v1/jobs")
	var jobs []struct {
		ID string `json:"id"`
	}
	if err != nil || code != 200 || json.Unmarshal([]byte(body), &jobs) != nil || len(jobs) != 1 {
		t.Fatalf("jobs: %d %v %.300s", code, err, body)
	}
	code, body, err = get(trusting, jt+"/api/v1/jobs/"+jobs[0].ID+"/attempts")
	var attempts []struct {
		ID string `json:"id"`
	}
	if err != nil || code != 200 || json.Unmarshal([]byte(body), &attempts) != nil || len(attempts) == 0 {
		t.Fatalf("attempts: %d %v %.300s", code, err, body)
	}
	if code, body, err := get(trusting, jt+"/api/v1/jobs/"+jobs[0].ID+"/attempts/"+attempts[0].ID+"/logs"); err != nil || code != 200 || !strings.Contains(body, "stderr") {
		t.Errorf("an attempt's logs through the jobtracker: %d %v %.300s", code, err, body)
	}

	// A plain ZeroMQ socket gets nothing from a worker's shuffle port: not
	// even the "not found" a plain server answers an unknown output with.
	for _, ep := range shuffles {
		sock, err := zmq.NewSocket(zmq.DEALER)
		if err != nil {
			t.Fatal(err)
		}
		sock.SetLinger(0)
		if err := sock.Connect(ep); err != nil {
			t.Fatal(err)
		}
		// open (protocol version 1) partition 0, batch 64 KiB, window 4.
		sock.SendMessage([]byte{'O', 1, 0, 0, 0, 0, 0, 0, 1, 0, 4, 0, 0, 0}, "attempt_x_0001_m_000000_0")
		poller := zmq.NewPoller()
		poller.Add(sock, zmq.POLLIN)
		if polled, err := poller.Poll(2 * time.Second); err != nil || len(polled) != 0 {
			msg, _ := sock.RecvMessageBytes(zmq.DONTWAIT)
			t.Errorf("a plain ZeroMQ client got an answer from the shuffle port %s: %q %v", ep, msg, err)
		}
		sock.Close()
	}
}
