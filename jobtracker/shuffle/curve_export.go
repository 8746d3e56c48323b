package shuffle

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	zmq "github.com/pebbe/zmq4"
)

// SecureClient makes sock a CURVE client with key that talks only to the
// server whose public key is server, for other ZeroMQ transports of the
// cluster (ZeroCloud's channels) that share the shuffle's security.
func SecureClient(sock *zmq.Socket, key Curve, server string) error {
	return secureClient(sock, key, server)
}

var (
	sharedMu      sync.Mutex
	sharedDomains = map[string]string{}
)

// SecureSharedServer makes sock a CURVE server with key that admits only
// the clients whose public keys are clients, like ListenSecure's, for
// servers made and closed often (a ZeroCloud channel's receiver): every
// such server admitting the same clients shares one ZAP domain, made once
// and kept for the process's life, since pebbe/zmq4's client lists may
// not be changed while other goroutines use them.
func SecureSharedServer(sock *zmq.Socket, key Curve, clients []string) error {
	if len(clients) == 0 {
		return errors.New("a CURVE server needs its clients' public keys")
	}
	for _, c := range clients {
		if c == zmq.CURVE_ALLOW_ANY || len(c) != 40 {
			return fmt.Errorf("bad client public key %q: want 40 characters of Z85", c)
		}
	}
	id := strings.Join(slices.Sorted(slices.Values(clients)), ",")
	sharedMu.Lock()
	domain, ok := sharedDomains[id]
	if !ok {
		var err error
		if domain, err = allowClients(clients); err != nil {
			sharedMu.Unlock()
			return err
		}
		sharedDomains[id] = domain
	}
	sharedMu.Unlock()
	if err := errors.Join(sock.SetZapDomain(domain), sock.SetCurveServer(1), sock.SetCurveSecretkey(key.Secret)); err != nil {
		return fmt.Errorf("make a CURVE server socket: %w", err)
	}
	return nil
}
