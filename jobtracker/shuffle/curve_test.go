package shuffle

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	zmq "github.com/pebbe/zmq4"
)

// TestCurve: a CURVE server in another process serves its known client and
// no one else: a plain ZeroMQ client, a client with another key and a
// client expecting another server get no map output (their fetches fail
// as unavailable and leave no file), and a raw ZeroMQ socket speaking the
// protocol without CURVE gets no message at all.
func TestCurve(t *testing.T) {
	if !zmq.HasCurve() {
		t.Fatal("libzmq has no CURVE support: install a libzmq built with libsodium (Debian's libzmq5)")
	}
	rng := rand.New(rand.NewPCG(7, 7))
	parts := [][]kv{randomRecords(rng, 2000, 64)}
	out := writeMapOutput(t, t.TempDir(), parts)
	serverKey, err := NewCurve()
	if err != nil {
		t.Fatal(err)
	}
	client, err := NewCurve()
	if err != nil {
		t.Fatal(err)
	}
	stranger, err := NewCurve()
	if err != nil {
		t.Fatal(err)
	}
	c := startServerChild(t, out, childCurveEnv+"="+serverKey.Secret+" "+client.Public)
	dir := t.TempDir()

	// The known client gets the partition.
	path := filepath.Join(dir, "ok")
	seg, err := Fetch(context.Background(), c.endpoint, childOutputID, 0, path, FetchOptions{Curve: &client, ServerKey: serverKey.Public})
	if err != nil {
		t.Fatalf("fetch with the known key: %v", err)
	}
	checkFetched(t, seg, path, out.Segments[0], parts[0])

	for _, tc := range []struct {
		name string
		opt  FetchOptions
	}{
		{"plain", FetchOptions{}},
		{"unknown client key", FetchOptions{Curve: &stranger, ServerKey: serverKey.Public}},
		{"the server's own key as client", FetchOptions{Curve: &serverKey, ServerKey: serverKey.Public}},
		{"wrong server key", FetchOptions{Curve: &client, ServerKey: stranger.Public}},
	} {
		// At once: each waits out its timeout.
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.opt.Timeout = 2 * time.Second
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_"))
			_, err := Fetch(context.Background(), c.endpoint, childOutputID, 0, path, tc.opt)
			if !errors.Is(err, ErrUnavailable) {
				t.Errorf("got %v, want ErrUnavailable", err)
			}
			noFile(t, path)
		})
	}

	// A raw DEALER socket sends a well-formed open: a plain server answers
	// it (the control), the CURVE server does not.
	plain := listen(t)
	plain.Add(childOutputID, out)
	if msg := rawOpen(t, plain.Endpoint()); msg == nil {
		t.Fatal("a plain server did not answer a raw open")
	}
	if msg := rawOpen(t, c.endpoint); msg != nil {
		t.Errorf("a plain socket got an answer from the CURVE server: %q", msg)
	}
}

// rawOpen sends an open of partition 0 of childOutputID from a plain
// DEALER socket and returns the first answer (nil: none in 2 s).
func rawOpen(t *testing.T, endpoint string) [][]byte {
	sock, err := zmq.NewSocket(zmq.DEALER)
	if err != nil {
		t.Fatal(err)
	}
	defer sock.Close()
	sock.SetLinger(0)
	if err := sock.Connect(endpoint); err != nil {
		t.Fatal(err)
	}
	// open: partition 0, batch 64 KiB, window 4.
	hdr := []byte{kindOpen, protocolVersion, 0, 0, 0, 0, 0, 0, 1, 0, 4, 0, 0, 0}
	if _, err := sock.SendMessage(hdr, childOutputID); err != nil {
		t.Fatal(err)
	}
	poller := zmq.NewPoller()
	poller.Add(sock, zmq.POLLIN)
	polled, err := poller.Poll(2 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if len(polled) == 0 {
		return nil
	}
	msg, err := sock.RecvMessageBytes(0)
	if err != nil {
		t.Fatal(err)
	}
	return msg
}

// TestCurveEncrypts: the bytes on the wire of a CURVE fetch do not contain
// the records; those of a plain fetch do (the check's control). A TCP relay
// between fetcher and server records them.
func TestCurveEncrypts(t *testing.T) {
	if !zmq.HasCurve() {
		t.Fatal("libzmq has no CURVE support")
	}
	marker := []byte("zebra-plaintext-marker-0123456789")
	parts := [][]kv{{{key: []byte("k"), value: marker}}}
	out := writeMapOutput(t, t.TempDir(), parts)
	serverKey, _ := NewCurve()
	client, _ := NewCurve()
	for _, secure := range []bool{false, true} {
		var srv *Server
		var err error
		opt := FetchOptions{}
		if secure {
			srv, err = ListenSecure(context.Background(), "tcp://127.0.0.1:*", nil, serverKey, []string{client.Public})
			opt = FetchOptions{Curve: &client, ServerKey: serverKey.Public}
		} else {
			srv, err = Listen(context.Background(), "tcp://127.0.0.1:*", nil)
		}
		if err != nil {
			t.Fatal(err)
		}
		srv.Add("m", out)
		relay, wire := tcpRelay(t, strings.TrimPrefix(srv.Endpoint(), "tcp://"))
		path := filepath.Join(t.TempDir(), "fetched")
		seg, err := Fetch(context.Background(), "tcp://"+relay, "m", 0, path, opt)
		if err != nil {
			t.Fatalf("secure=%v: %v", secure, err)
		}
		checkFetched(t, seg, path, out.Segments[0], parts[0])
		srv.Close()
		if got := bytes.Contains(wire(), marker); got == secure {
			t.Errorf("secure=%v: the record is in the bytes on the wire: %v", secure, got)
		}
	}
}

// tcpRelay forwards connections to target and records what the server
// sends; wire returns it.
func tcpRelay(t *testing.T, target string) (addr string, wire func() []byte) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var mu sync.Mutex
	var rec bytes.Buffer
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			outc, err := net.Dial("tcp", target)
			if err != nil {
				in.Close()
				continue
			}
			go func() { io.Copy(outc, in); outc.Close() }()
			go func() {
				buf := make([]byte, 32<<10)
				for {
					n, err := outc.Read(buf)
					if n > 0 {
						mu.Lock()
						rec.Write(buf[:n])
						mu.Unlock()
						in.Write(buf[:n])
					}
					if err != nil {
						in.Close()
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String(), func() []byte {
		mu.Lock()
		defer mu.Unlock()
		return bytes.Clone(rec.Bytes())
	}
}

// TestDeriveCurve: the keypair derived from a secret is the same in every
// daemon, and differs for another secret.
func TestDeriveCurve(t *testing.T) {
	a, err := DeriveCurve("token-1")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := DeriveCurve("token-1")
	c, _ := DeriveCurve("token-2")
	if a != b || a.Public == c.Public || len(a.Public) != 40 || len(a.Secret) != 40 {
		t.Errorf("derived keys: %+v %+v %+v", a, b, c)
	}
	if pub, _ := zmq.AuthCurvePublic(a.Secret); pub != a.Public {
		t.Errorf("public key %q does not belong to the secret (%q)", a.Public, pub)
	}
	if _, err := DeriveCurve(""); err == nil {
		t.Error("derived a key from an empty secret")
	}
}
