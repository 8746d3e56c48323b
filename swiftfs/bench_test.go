package swiftfs_test

import (
	"context"
	"io"
	"math/rand/v2"
	"testing"

	"zebra/swiftfs"
)

// BenchmarkRead64MiB reads a 64 MiB object from offset 1 MiB (a split's
// ranged read) directly from a replica's object server and through the
// proxy: go test -run '^$' -bench Read64MiB ./swiftfs/
func BenchmarkRead64MiB(b *testing.B) {
	if skipReason != "" {
		b.Skip(skipReason)
	}
	w, err := swiftfs.New(swiftfs.Config{Getenv: env(cluster.Key)})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	name := "/bench/64MiB.bin"
	if fi, err := w.Stat(ctx, name); err != nil || fi.Size != 64<<20 {
		w.RemoveAll(ctx, name)
		wc, err := w.Create(ctx, name)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.CopyN(wc, rand.NewChaCha8([32]byte{4}), 64<<20); err != nil {
			b.Fatal(err)
		}
		if err := wc.Close(); err != nil {
			b.Fatal(err)
		}
	}
	hosts, err := w.Locate(ctx, name, 0, 64<<20)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct{ name, node string }{{"direct", hosts[0]}, {"proxy", ""}} {
		b.Run(c.name, func(b *testing.B) {
			f, err := swiftfs.New(swiftfs.Config{Getenv: env(cluster.Key), LocalNode: c.node})
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(63 << 20)
			for b.Loop() {
				r, err := f.Open(ctx, name, 1<<20)
				if err != nil {
					b.Fatal(err)
				}
				if n, err := io.Copy(io.Discard, r); err != nil || n != 63<<20 {
					b.Fatal(n, err)
				}
				r.Close()
			}
			if c.node != "" && f.Stats().ProxyReads.Load() != 0 {
				b.Fatal("a direct read went through the proxy")
			}
		})
	}
}
