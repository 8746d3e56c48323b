package gateway

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

// zeros is an endless reader of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// BenchmarkPassThrough moves 64 MiB up (PUT) and down (GET) between a
// client and a backend that discards and sends bytes, directly
// (sub-benchmark direct, the baseline) and through the gateway.
func BenchmarkPassThrough(b *testing.B) {
	const size = 64 << 20
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut {
			io.Copy(io.Discard, r.Body)
			w.WriteHeader(http.StatusCreated)
			return
		}
		io.Copy(w, io.LimitReader(zeros{}, size))
	}))
	defer backend.Close()
	u, _ := url.Parse(backend.URL)
	g, err := New(Config{Proxy: u, Authorize: func(context.Context, string, string) (bool, error) { return false, nil }, Run: http.NotFoundHandler()})
	if err != nil {
		b.Fatal(err)
	}
	front := httptest.NewServer(g)
	defer front.Close()
	for _, c := range []struct{ name, base string }{{"direct", backend.URL}, {"gateway", front.URL}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(2 * size)
			for b.Loop() {
				req, _ := http.NewRequest("PUT", c.base+"/v1/AUTH_a/c/o", io.LimitReader(zeros{}, size))
				req.ContentLength = size
				resp, err := http.DefaultClient.Do(req)
				if err != nil || resp.StatusCode != http.StatusCreated {
					b.Fatal(resp, err)
				}
				resp.Body.Close()
				resp, err = http.Get(c.base + "/v1/AUTH_a/c/o")
				if err != nil {
					b.Fatal(err)
				}
				if n, _ := io.Copy(io.Discard, resp.Body); n != size {
					b.Fatalf("GET: %d bytes", n)
				}
				resp.Body.Close()
			}
		})
	}
}
