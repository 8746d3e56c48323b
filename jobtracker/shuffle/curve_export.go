package shuffle

import zmq "github.com/pebbe/zmq4"

// SecureServer makes sock a CURVE server with key that admits only the
// clients whose public keys are clients (see Curve), for other ZeroMQ
// transports of the cluster (ZeroCloud's channels) that share the
// shuffle's security. It returns the ZAP domain it set up.
func SecureServer(sock *zmq.Socket, key Curve, clients []string) (domain string, err error) {
	return secureServer(sock, key, clients)
}

// SecureClient makes sock a CURVE client with key that talks only to the
// server whose public key is server.
func SecureClient(sock *zmq.Socket, key Curve, server string) error {
	return secureClient(sock, key, server)
}

// ReleaseDomain forgets the clients of a ZAP domain that SecureServer set
// up, once its socket is closed.
func ReleaseDomain(domain string) { zmq.AuthCurveRemoveAll(domain) }
