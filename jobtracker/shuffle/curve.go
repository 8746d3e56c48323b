package shuffle

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	zmq "github.com/pebbe/zmq4"
)

// Security: ZeroMQ's CURVE (CurveZMQ: Curve25519 key exchange, every
// message encrypted and authenticated). A server started with
// ListenSecure is a CURVE server with its own keypair; it accepts only
// clients whose public key it was given, checked by ZeroMQ's
// authentication handler (ZAP, zmq4.AuthStart) before any message of the
// client reaches the server. A client that does not present one of those
// keys (no CURVE at all, or another key) never completes the handshake:
// its requests are dropped and its fetch fails with ErrUnavailable. A
// fetch with FetchOptions.Curve set is a CURVE client that checks the
// server's public key (FetchOptions.ServerKey), so it also never talks to
// an impostor.

// Curve is a CURVE keypair, both keys in Z85 (40 characters).
type Curve struct {
	Public, Secret string
}

// NewCurve makes a random keypair.
func NewCurve() (Curve, error) {
	if !zmq.HasCurve() {
		return Curve{}, errNoCurve
	}
	pub, sec, err := zmq.NewCurveKeypair()
	if err != nil {
		return Curve{}, fmt.Errorf("shuffle: make a CURVE keypair: %w", err)
	}
	return Curve{Public: pub, Secret: sec}, nil
}

// CurveFromSecret is the keypair of a Z85 secret key.
func CurveFromSecret(secret string) (Curve, error) {
	if !zmq.HasCurve() {
		return Curve{}, errNoCurve
	}
	if len(secret) != 40 || len(zmq.Z85decode(secret)) != 32 {
		return Curve{}, errors.New("shuffle: a CURVE secret key is 40 characters of Z85")
	}
	pub, err := zmq.AuthCurvePublic(secret)
	if err != nil {
		return Curve{}, fmt.Errorf("shuffle: CURVE public key of a secret key: %w", err)
	}
	return Curve{Public: pub, Secret: secret}, nil
}

// DeriveCurve is the keypair derived from a secret string (the cluster
// token): every daemon that knows it has the same keypair, and no one
// else can make it. Its secret key is SHA-256 of a fixed label and the
// string.
func DeriveCurve(secret string) (Curve, error) {
	if secret == "" {
		return Curve{}, errors.New("shuffle: derive a CURVE keypair: empty secret")
	}
	sum := sha256.Sum256([]byte("zebra shuffle CURVE key\x00" + secret))
	return CurveFromSecret(zmq.Z85encode(string(sum[:])))
}

var errNoCurve = errors.New("shuffle: this libzmq has no CURVE support (build it with libsodium), so the shuffle cannot be secured")

var (
	authOnce sync.Once
	authErr  error
	zapSeq   atomic.Uint64
)

// allowClients makes sure ZeroMQ's authentication handler runs in this
// process and returns a new ZAP domain that admits exactly clients.
func allowClients(clients []string) (string, error) {
	authOnce.Do(func() { authErr = zmq.AuthStart() })
	if authErr != nil {
		return "", fmt.Errorf("start ZeroMQ's authentication handler: %w", authErr)
	}
	domain := fmt.Sprintf("zebra-shuffle-%d", zapSeq.Add(1))
	zmq.AuthCurveAdd(domain, clients...)
	return domain, nil
}

// secureServer makes sock a CURVE server with key, admitting clients.
func secureServer(sock *zmq.Socket, key Curve, clients []string) (domain string, err error) {
	if len(clients) == 0 {
		return "", errors.New("a CURVE server needs its clients' public keys")
	}
	for _, c := range clients {
		if c == zmq.CURVE_ALLOW_ANY || len(c) != 40 {
			return "", fmt.Errorf("bad client public key %q: want 40 characters of Z85", c)
		}
	}
	if domain, err = allowClients(clients); err != nil {
		return "", err
	}
	if err := errors.Join(sock.SetZapDomain(domain), sock.SetCurveServer(1), sock.SetCurveSecretkey(key.Secret)); err != nil {
		zmq.AuthCurveRemoveAll(domain)
		return "", fmt.Errorf("make a CURVE server socket: %w", err)
	}
	return domain, nil
}

// secureClient makes sock a CURVE client with key that accepts only the
// server whose public key is server.
func secureClient(sock *zmq.Socket, key Curve, server string) error {
	if server == "" {
		return errors.New("a CURVE fetch needs the server's public key")
	}
	if err := errors.Join(sock.SetCurveServerkey(server), sock.SetCurvePublickey(key.Public), sock.SetCurveSecretkey(key.Secret)); err != nil {
		return fmt.Errorf("make a CURVE client socket: %w", err)
	}
	return nil
}
