package channel

import (
	"bytes"
	"context"
	"io"
	"os"
	"testing"
)

const benchBytes = 32 << 20

// BenchmarkChannel streams 32 MiB through one channel (CURVE, loopback);
// BenchmarkPipe copies the same bytes through an OS pipe, the baseline
// (what file delivery's local copy costs at least).
func BenchmarkChannel(b *testing.B) {
	key := clusterKey(b)
	data := bytes.Repeat([]byte("0123456789abcdef"), benchBytes/16)
	b.SetBytes(benchBytes)
	for b.Loop() {
		r, err := Listen("tcp://127.0.0.1:*", key, []string{key.Public})
		if err != nil {
			b.Fatal(err)
		}
		done := make(chan error, 1)
		go func() {
			_, err := r.Copy(context.Background(), io.Discard)
			done <- err
		}()
		if _, err := Send(context.Background(), r.Endpoint(), key, key.Public, bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		r.Close()
	}
}

func BenchmarkPipe(b *testing.B) {
	data := bytes.Repeat([]byte("0123456789abcdef"), benchBytes/16)
	b.SetBytes(benchBytes)
	for b.Loop() {
		pr, pw, err := os.Pipe()
		if err != nil {
			b.Fatal(err)
		}
		done := make(chan error, 1)
		go func() {
			_, err := io.Copy(io.Discard, pr)
			done <- err
		}()
		if _, err := pw.Write(data); err != nil {
			b.Fatal(err)
		}
		pw.Close()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		pr.Close()
	}
}
