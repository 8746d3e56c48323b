// Package channel streams ZeroCloud channels between running instances:
// what one instance writes to its device /dev/out/<peer> reaches the
// peer's /dev/in/<sender> while both run, not as a file delivered at exit.
// This is what a cycle of groups (a group connected to itself, groups
// connected both ways) needs: instances that answer each other.
//
// Each channel is one ZeroMQ connection, secured as the shuffle is (CURVE,
// jobtracker/shuffle.Curve): the receiving side binds a ROUTER socket
// (Listen) that admits only the given senders' public keys, the sending
// side connects a DEALER socket that talks only to the receiver's public
// key (Send). Inside the sandbox each end is a FIFO the worker made at the
// device's path (MakeFIFO): the app writes or reads it as it did the file,
// and the worker pumps it (SendFIFO, Receiver.ReceiveFIFO).
//
// On the wire, every message is two frames: a header of one kind byte and
// a big-endian uint64 sequence number, and a payload. The sender sends
// 'd' (data, payload up to Chunk bytes) messages numbered from 0, then one
// 'e' (end, empty payload) numbered after the last, and closes its socket
// with an unbounded linger, so that what it queued leaves after Send has
// returned (ZeroMQ delivers it while the process lives and the receiver
// is connected). A receiver returns only at the end, so a stream cut short
// (its sender's worker lost) never looks complete: the receiving instance
// waits until its gang is failed. A gap or a repeat in the numbers, a
// message from a second sender, or a malformed message fails the
// receiver. Backpressure is ZeroMQ's: the sender blocks when Window
// messages are queued toward a receiver whose app does not read. (A first
// version had the receiver acknowledge the end; under load ZeroMQ lost
// some of those replies from the ROUTER socket, which TestManyChannels
// showed.)
package channel

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"

	zmq "github.com/pebbe/zmq4"

	"zebra/jobtracker/shuffle"
)

const (
	// Chunk is the largest payload of one message.
	Chunk = 64 << 10
	// Window is how many messages may be queued on each side of a
	// channel (ZeroMQ's high-water marks) before the sender blocks.
	Window = 64
	// tick is how often a blocked socket call looks at its context.
	tick = 100 * time.Millisecond
)

// Message kinds.
const (
	kindData = 'd'
	kindEnd  = 'e'
)

func header(kind byte, seq uint64) []byte {
	h := make([]byte, 9)
	h[0] = kind
	binary.BigEndian.PutUint64(h[1:], seq)
	return h
}

// Receiver is the receiving end of one channel.
type Receiver struct {
	sock     *zmq.Socket
	endpoint string
}

// Listen binds the receiving end of a channel at endpoint (e.g.
// "tcp://10.0.0.5:*" for a port of the system's choice; Endpoint tells
// which), as a CURVE server with keypair key that admits only the senders
// whose public keys are senders (nil key: plain ZeroMQ, as a cluster whose
// shuffle is plain).
func Listen(endpoint string, key *shuffle.Curve, senders []string) (*Receiver, error) {
	sock, err := zmq.NewSocket(zmq.ROUTER)
	if err != nil {
		return nil, fmt.Errorf("channel: listen on %s: %w", endpoint, err)
	}
	if key != nil {
		err = shuffle.SecureSharedServer(sock, *key, senders)
	}
	if err == nil {
		err = errors.Join(sock.SetRcvhwm(Window), sock.SetLinger(time.Second),
			sock.SetMaxmsgsize(Chunk+64), sock.Bind(endpoint))
	}
	var resolved string
	if err == nil {
		resolved, err = sock.GetLastEndpoint()
	}
	if err != nil {
		sock.Close()
		return nil, fmt.Errorf("channel: listen on %s: %w", endpoint, err)
	}
	return &Receiver{sock: sock, endpoint: resolved}, nil
}

// Endpoint is the endpoint the receiver is bound to, for senders to
// connect to.
func (r *Receiver) Endpoint() string { return r.endpoint }

// Close releases the receiver's socket.
func (r *Receiver) Close() error {
	return r.sock.Close()
}

// Copy writes what the sender streams to w, in order, until the sender's
// end; it returns the payload bytes written. It
// returns early with ctx's error when ctx ends, and with an error when w
// fails or the stream is malformed (a gap, a second sender).
func (r *Receiver) Copy(ctx context.Context, w io.Writer) (int64, error) {
	poller := zmq.NewPoller()
	poller.Add(r.sock, zmq.POLLIN)
	var (
		sender string
		next   uint64
		n      int64
	)
	for {
		if err := ctx.Err(); err != nil {
			return n, fmt.Errorf("channel: receive: %w", err)
		}
		ready, err := poller.Poll(tick)
		if err != nil {
			return n, fmt.Errorf("channel: receive: %w", err)
		}
		if len(ready) == 0 {
			continue
		}
		msg, err := r.sock.RecvMessageBytes(zmq.DONTWAIT)
		if err != nil {
			if zmq.AsErrno(err) == zmq.Errno(syscall.EAGAIN) {
				continue
			}
			return n, fmt.Errorf("channel: receive: %w", err)
		}
		if len(msg) != 3 || len(msg[1]) != 9 {
			return n, fmt.Errorf("channel: receive: malformed message of %d frames", len(msg))
		}
		id := string(msg[0])
		if sender == "" {
			sender = id
		} else if id != sender {
			return n, errors.New("channel: receive: a second sender on a channel that has one")
		}
		kind, seq := msg[1][0], binary.BigEndian.Uint64(msg[1][1:])
		if seq != next {
			return n, fmt.Errorf("channel: receive: message %d where %d was due", seq, next)
		}
		next++
		switch kind {
		case kindData:
			m, err := w.Write(msg[2])
			n += int64(m)
			if err != nil {
				return n, fmt.Errorf("channel: write what was received: %w", err)
			}
		case kindEnd:
			return n, nil
		default:
			return n, fmt.Errorf("channel: receive: unknown message kind %q", kind)
		}
	}
}

// Send streams src to the receiver at endpoint until src's end, then
// queues the end (see the package doc: it leaves after Send returns). It is a CURVE client
// with keypair key that talks only to the server whose public key is
// server (nil key: plain ZeroMQ). A read of src that blocks is not
// interrupted by ctx: close src to end it.
func Send(ctx context.Context, endpoint string, key *shuffle.Curve, server string, src io.Reader) (int64, error) {
	sock, err := zmq.NewSocket(zmq.DEALER)
	if err != nil {
		return 0, fmt.Errorf("channel: send to %s: %w", endpoint, err)
	}
	defer sock.Close()
	if key != nil {
		if err := shuffle.SecureClient(sock, *key, server); err != nil {
			return 0, fmt.Errorf("channel: send to %s: %w", endpoint, err)
		}
	}
	if err := errors.Join(sock.SetSndhwm(Window), sock.SetSndtimeo(tick), sock.SetLinger(0),
		sock.SetImmediate(true), sock.Connect(endpoint)); err != nil {
		return 0, fmt.Errorf("channel: send to %s: %w", endpoint, err)
	}
	buf := make([]byte, Chunk)
	var (
		seq uint64
		n   int64
	)
	for {
		m, rerr := src.Read(buf)
		if m > 0 {
			if err := sendAll(ctx, sock, [][]byte{header(kindData, seq), buf[:m]}); err != nil {
				return n, fmt.Errorf("channel: send to %s: %w", endpoint, err)
			}
			seq++
			n += int64(m)
		}
		if errors.Is(rerr, io.EOF) {
			break
		}
		if rerr != nil {
			return n, fmt.Errorf("channel: read what to send: %w", rerr)
		}
	}
	if err := sendAll(ctx, sock, [][]byte{header(kindEnd, seq), nil}); err != nil {
		return n, fmt.Errorf("channel: send the end to %s: %w", endpoint, err)
	}
	// The socket lingers until everything queued has left (or the
	// receiver is gone): closing it does not drop the end.
	if err := sock.SetLinger(-1); err != nil {
		return n, fmt.Errorf("channel: send to %s: %w", endpoint, err)
	}
	return n, nil
}

// sendAll sends one multipart message, retrying while the socket's queue
// is full (the peer is slow or not yet connected) until ctx ends.
func sendAll(ctx context.Context, sock *zmq.Socket, parts [][]byte) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := sock.SetSndtimeo(tick); err != nil {
			return err
		}
		_, err := sock.SendMessage(parts)
		if err == nil {
			return nil
		}
		if zmq.AsErrno(err) != zmq.Errno(syscall.EAGAIN) {
			return err
		}
	}
}

// MakeFIFO makes the FIFO at path through which an app reads or writes a
// streaming channel, mode 0666 whatever the umask: the sandboxed app may
// run as another user than the worker, and the directory holding it
// decides who reaches it.
func MakeFIFO(path string) error {
	if err := syscall.Mkfifo(path, 0o666); err != nil {
		return &os.PathError{Op: "mkfifo", Path: path, Err: err}
	}
	return os.Chmod(path, 0o666)
}

// openFIFO opens the FIFO at path with flag (os.O_RDONLY or os.O_WRONLY),
// which waits for the app to open its end. If appDone is closed or ctx
// ends first (the app exited without opening the channel), it ends the
// wait by opening the other end itself, so that the FIFO reads as empty or
// what is written to it is refused. The FIFO lives in a directory the app
// can write, so a symbolic link or anything but a FIFO there is refused.
func openFIFO(ctx context.Context, path string, flag int, appDone <-chan struct{}) (*os.File, error) {
	type result struct {
		f   *os.File
		err error
	}
	res := make(chan result, 1)
	go func() {
		f, err := os.OpenFile(path, flag|syscall.O_NOFOLLOW, 0)
		res <- result{f, err}
	}()
	var r result
	select {
	case r = <-res:
	case <-appDone:
	case <-ctx.Done():
	}
	if r.f == nil && r.err == nil {
		other := os.O_WRONLY
		if flag == os.O_WRONLY {
			other = os.O_RDONLY
		}
		if f, err := os.OpenFile(path, other|syscall.O_NONBLOCK|syscall.O_NOFOLLOW, 0); err == nil {
			r = <-res
			f.Close()
		} else {
			r = <-res // the app opened it after all (or the open failed)
		}
	}
	if r.err != nil {
		return nil, fmt.Errorf("channel: open the device %s: %w", path, r.err)
	}
	fi, err := r.f.Stat()
	if err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		r.f.Close()
		return nil, fmt.Errorf("channel: the device %s is no longer the FIFO the worker made: refused", path)
	}
	return r.f, nil
}

// SendFIFO streams what the app writes into the FIFO at path (its device
// /dev/out/<peer>) to the receiver at endpoint (see Send), until the app
// closes it or exits (appDone closed). An app that never opened the
// channel sends an empty stream.
func SendFIFO(ctx context.Context, path string, appDone <-chan struct{}, endpoint string, key *shuffle.Curve, server string) (int64, error) {
	f, err := openFIFO(ctx, path, os.O_RDONLY, appDone)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	stop := context.AfterFunc(ctx, func() { f.Close() })
	defer stop()
	return Send(ctx, endpoint, key, server, f)
}

// ReceiveFIFO writes what the sender streams into the FIFO at path (the
// app's device /dev/in/<sender>), closing it at the sender's end so that
// the app reads end-of-file. When the app exits (appDone closed) or closes
// the channel before the end, the rest is received and dropped, so that
// the sender is not left blocked; it reports how many bytes the app was
// given.
func (r *Receiver) ReceiveFIFO(ctx context.Context, path string, appDone <-chan struct{}) (int64, error) {
	f, err := openFIFO(ctx, path, os.O_WRONLY, appDone)
	if err != nil {
		return 0, err
	}
	stop := context.AfterFunc(ctx, func() { f.Close() })
	defer stop()
	w := &dropAfterError{w: f}
	_, err = r.Copy(ctx, w)
	if cerr := f.Close(); err == nil && w.err == nil && cerr != nil && !errors.Is(cerr, os.ErrClosed) {
		err = fmt.Errorf("channel: close the device %s: %w", path, cerr)
	}
	return w.n, err
}

// dropAfterError writes to w until a write fails (the app closed its end:
// EPIPE), and from then on drops what it is given.
type dropAfterError struct {
	w   io.Writer
	n   int64
	err error
}

func (d *dropAfterError) Write(p []byte) (int, error) {
	if d.err == nil {
		m, err := d.w.Write(p)
		d.n += int64(m)
		d.err = err
	}
	return len(p), nil
}
