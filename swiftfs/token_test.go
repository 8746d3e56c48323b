package swiftfs_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"strings"
	"testing"

	"github.com/ncw/swift/v2"

	"zebra/swiftfs"
)

// TestTokenRefused: an FS made with a token and no login (a tenant's, as
// workers use it) works while the token is valid; a refused token fails
// every operation with a permission error naming the expiry (Swift's 401,
// not a failed attempt to log in again, which it cannot), reading nothing.
func TestTokenRefused(t *testing.T) {
	need(t)
	ctx := context.Background()
	conn := &swift.Connection{UserName: cluster.User, ApiKey: cluster.Key, AuthUrl: cluster.AuthURL}
	if err := conn.Authenticate(ctx); err != nil {
		t.Fatal(err)
	}
	fresh(t, "tokens")
	if err := conn.ContainerCreate(ctx, "tokens", nil); err != nil {
		t.Fatal(err)
	}
	if err := conn.ObjectPutBytes(ctx, "tokens", "o", []byte("payload"), ""); err != nil {
		t.Fatal(err)
	}
	good, err := swiftfs.New(swiftfs.WithToken(swiftfs.Config{}, conn.StorageUrl, conn.AuthToken))
	if err != nil {
		t.Fatal(err)
	}
	r, err := good.Open(ctx, "/tokens/o", 0)
	if err != nil {
		t.Fatalf("valid token: %v", err)
	}
	b, _ := io.ReadAll(r)
	r.Close()
	if !bytes.Equal(b, []byte("payload")) {
		t.Fatalf("valid token read %q", b)
	}
	bad, err := swiftfs.New(swiftfs.WithToken(swiftfs.Config{LocalNode: strings.Join(cluster.ObjectServers, ",")}, conn.StorageUrl, "AUTH_tk00000000000000000000000000000000"))
	if err != nil {
		t.Fatal(err)
	}
	if r, err := bad.Open(ctx, "/tokens/o", 0); err == nil {
		b, _ := io.ReadAll(r)
		t.Errorf("a refused token read %q", b)
	} else if !errors.Is(err, fs.ErrPermission) || !strings.Contains(err.Error(), "expired or was revoked") || strings.Contains(err.Error(), "AuthVersion") {
		t.Errorf("open with a refused token: %v, want a permission error naming the expiry", err)
	}
	if st := bad.Stats(); st.DirectReads.Load() != 0 {
		t.Errorf("%d direct reads with a refused token", st.DirectReads.Load())
	}
	w, err := bad.Create(ctx, "/tokens/new")
	if err == nil {
		io.WriteString(w, "x")
		err = w.Close()
	}
	if !errors.Is(err, fs.ErrPermission) || !strings.Contains(err.Error(), "expired or was revoked") {
		t.Errorf("create with a refused token: %v, want a permission error naming the expiry", err)
	}
	if _, _, err := conn.Object(ctx, "tokens", "new"); !errors.Is(err, swift.ObjectNotFound) {
		t.Errorf("tokens/new: %v, want no such object", err)
	}
}
