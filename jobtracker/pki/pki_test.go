package pki

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"os"
	"path/filepath"
	"testing"
)

// TestInit: the server certificate verifies against the CA for the hosts
// it was made for and not for others; a second Init keeps the CA; keys are
// private to the owner.
func TestInit(t *testing.T) {
	dir := t.TempDir()
	if err := Init(dir, []string{"127.0.0.1", "localhost"}); err != nil {
		t.Fatal(err)
	}
	ca1, _ := os.ReadFile(filepath.Join(dir, CAFile))
	if err := Init(dir, []string{"127.0.0.1", "localhost"}); err != nil {
		t.Fatal(err)
	}
	if ca2, _ := os.ReadFile(filepath.Join(dir, CAFile)); string(ca1) != string(ca2) {
		t.Error("a second Init replaced the CA")
	}
	for _, f := range []string{CAKeyFile, KeyFile} {
		if fi, err := os.Stat(filepath.Join(dir, f)); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v, want mode 0600", f, fi.Mode(), err)
		}
	}
	cfg, err := ServerConfig(filepath.Join(dir, CertFile), filepath.Join(dir, KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(cfg.Certificates[0].Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	pool, err := Pool(filepath.Join(dir, CAFile))
	if err != nil {
		t.Fatal(err)
	}
	for host, ok := range map[string]bool{"127.0.0.1": true, "localhost": true, "10.0.0.1": false, "evil.example": false} {
		_, err := leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: host})
		if (err == nil) != ok {
			t.Errorf("verify for %s: %v, want ok=%v", host, err, ok)
		}
	}
	// A real handshake over TCP.
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			c.(*tls.Conn).Handshake()
			c.Close()
		}
	}()
	host, _, _ := net.SplitHostPort(ln.Addr().String())
	c, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{RootCAs: pool, ServerName: host})
	if err != nil {
		t.Fatalf("handshake with the CA: %v", err)
	}
	c.Close()
	if _, err := ServerConfig(filepath.Join(dir, CertFile), filepath.Join(dir, CAKeyFile)); err == nil {
		t.Error("a certificate with another's key was accepted")
	}
}
