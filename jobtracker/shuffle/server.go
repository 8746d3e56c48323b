package shuffle

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	zmq "github.com/pebbe/zmq4"

	"zebra/mapreduce"
)

const (
	// maxRequest bounds the size of messages the server accepts.
	maxRequest = 64 << 10
	// closeLinger is how long a closed socket keeps trying to deliver what
	// it has queued (the server's error messages, a fetcher's cancel).
	closeLinger = 200 * time.Millisecond
)

var (
	// sessionIdle is how long a fetch may go without a message to or from
	// its fetcher before the server drops it (the fetcher died without a
	// cancel).
	sessionIdle = 2 * time.Minute
	// sweepEvery is how often the server looks for such fetches.
	sweepEvery = time.Second
)

// Server serves the partitions of registered map outputs to Fetch callers
// over one ZeroMQ ROUTER socket. Its methods may be called concurrently.
type Server struct {
	log      *slog.Logger
	endpoint string

	mu      sync.RWMutex
	outputs map[string]mapreduce.MapOutput

	closing   chan struct{} // closed by Close
	closeOnce sync.Once
	done      chan struct{} // closed when the socket goroutine has stopped
	active    atomic.Int64  // fetches under way, for tests
	stopCtx   func() bool
}

var inprocSeq atomic.Uint64

// Listen binds a server to endpoint, such as "tcp://127.0.0.1:*" for a free
// port (see Endpoint). The server stops when ctx is done or Close is called.
// A nil logger discards. Like Fetch, it tunes the process's C heap for
// ZeroMQ's messages, once (see tuneMalloc).
func Listen(ctx context.Context, endpoint string, logger *slog.Logger) (*Server, error) {
	return listenWith(ctx, endpoint, logger, nil, nil)
}

// ListenSecure is Listen for a CURVE server (see Curve) with keypair key
// that serves only the clients whose public keys are clients.
func ListenSecure(ctx context.Context, endpoint string, logger *slog.Logger, key Curve, clients []string) (*Server, error) {
	return listenWith(ctx, endpoint, logger, &key, clients)
}

func listenWith(ctx context.Context, endpoint string, logger *slog.Logger, key *Curve, clients []string) (*Server, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	tuneMalloc()
	router, rx, tx, err := openSockets(endpoint, key, clients)
	if err != nil {
		return nil, fmt.Errorf("shuffle: listen on %s: %w", endpoint, err)
	}
	resolved, err := router.GetLastEndpoint()
	if err != nil {
		router.Close()
		rx.Close()
		tx.Close()
		return nil, fmt.Errorf("shuffle: listen on %s: %w", endpoint, err)
	}
	s := &Server{
		log:      logger,
		endpoint: resolved,
		outputs:  make(map[string]mapreduce.MapOutput),
		closing:  make(chan struct{}),
		done:     make(chan struct{}),
	}
	go s.notify(tx)
	go s.serve(router, rx)
	s.stopCtx = context.AfterFunc(ctx, func() { s.Close() })
	logger.Debug("shuffle server listening", "endpoint", resolved)
	return s, nil
}

// openSockets makes the ROUTER socket bound to endpoint and the inproc pair
// through which Close wakes the socket goroutine.
func openSockets(endpoint string, key *Curve, clients []string) (router, rx, tx *zmq.Socket, err error) {
	router, err1 := zmq.NewSocket(zmq.ROUTER)
	rx, err2 := zmq.NewSocket(zmq.PULL)
	tx, err3 := zmq.NewSocket(zmq.PUSH)
	if err = errors.Join(err1, err2, err3); err == nil && key != nil {
		_, err = secureServer(router, *key, clients)
	}
	if err == nil {
		name := fmt.Sprintf("inproc://zebra-shuffle-wake-%d", inprocSeq.Add(1))
		// Mandatory routing makes a send to a fetcher that is gone fail
		// instead of vanishing; the size limit keeps bogus peers from
		// costing memory.
		err = errors.Join(
			router.SetRouterMandatory(1),
			router.SetMaxmsgsize(maxRequest),
			router.SetLinger(closeLinger),
			router.Bind(endpoint),
			rx.Bind(name),
			tx.Connect(name),
		)
	}
	if err != nil {
		for _, s := range []*zmq.Socket{router, rx, tx} {
			if s != nil {
				s.Close()
			}
		}
		return nil, nil, nil, err
	}
	return router, rx, tx, nil
}

// Endpoint returns the endpoint the server is bound to, with the port
// resolved: "tcp://127.0.0.1:40123".
func (s *Server) Endpoint() string { return s.endpoint }

// Add registers a finished map output under id (the map attempt's id),
// replacing any output registered under it.
func (s *Server) Add(id string, out mapreduce.MapOutput) {
	s.mu.Lock()
	s.outputs[id] = out
	s.mu.Unlock()
}

// Remove unregisters the map output of id. Fetches already under way
// finish; new ones fail with ErrNotFound.
func (s *Server) Remove(id string) {
	s.mu.Lock()
	delete(s.outputs, id)
	s.mu.Unlock()
}

func (s *Server) output(id string) (mapreduce.MapOutput, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out, ok := s.outputs[id]
	return out, ok
}

// Close stops the server: fetches under way are told it is closing (they
// fail with ErrUnavailable) and the endpoint is released. It waits for the
// server's goroutines to end and always returns nil.
func (s *Server) Close() error {
	s.closeOnce.Do(func() { close(s.closing) })
	s.stopCtx()
	<-s.done
	return nil
}

// notify wakes the socket goroutine from its poll when the server closes.
// It owns tx.
func (s *Server) notify(tx *zmq.Socket) {
	defer tx.Close()
	<-s.closing
	tx.SendBytes([]byte{0}, zmq.DONTWAIT)
}

// router is the state of the socket goroutine, which alone uses the ROUTER
// socket and the sessions map.
type router struct {
	srv      *Server
	sock     *zmq.Socket
	sessions map[string]*session // by fetcher identity
	frames   [][]byte
}

// serve is the socket goroutine: it receives requests, starts and stops
// sessions, and reads, encodes and sends their data as credits allow.
// Reading a map output in this goroutine, right before ZeroMQ copies it,
// keeps the bytes in one CPU's cache; a read from disk rather than the page
// cache holds up the other fetches meanwhile (as Hadoop's shuffle handler,
// which reads in its I/O threads, does).
func (s *Server) serve(sock, rx *zmq.Socket) {
	defer close(s.done)
	defer sock.Close()
	defer rx.Close()
	r := &router{srv: s, sock: sock, sessions: make(map[string]*session)}
	poller := zmq.NewPoller()
	poller.Add(sock, zmq.POLLIN)
	poller.Add(rx, zmq.POLLIN)
	lastSweep := time.Now()
	for {
		select {
		case <-s.closing:
			r.shutdown()
			return
		default:
		}
		if _, err := poller.Poll(sweepEvery); err != nil {
			s.log.Error("shuffle server: poll failed, stopping", "endpoint", s.endpoint, "err", err)
			r.shutdown()
			return
		}
		for {
			if _, err := rx.RecvBytes(zmq.DONTWAIT); err != nil {
				break
			}
		}
		r.receive()
		if now := time.Now(); now.Sub(lastSweep) >= sweepEvery {
			lastSweep = now
			r.sweep(now)
		}
	}
}

// receive handles the requests that have arrived, a bounded number at a
// time so that queued data keeps flowing.
func (r *router) receive() {
	for range 256 {
		frames, err := recvFrames(r.sock, zmq.DONTWAIT, r.frames)
		r.frames = frames
		if err != nil {
			if !isAgain(err) {
				r.srv.log.Warn("shuffle server: receive failed", "err", err)
			}
			return
		}
		if len(frames) < 2 || len(frames[1]) == 0 {
			continue
		}
		ident, hdr := frames[0], frames[1]
		switch hdr[0] {
		case kindOpen:
			r.open(ident, hdr, frames[2:])
		case kindCredit:
			if ss := r.sessions[string(ident)]; ss != nil && len(hdr) == creditLen {
				ss.heard = time.Now()
				r.grant(ss, binary.LittleEndian.Uint32(hdr[1:]))
			}
		case kindCancel:
			if ss := r.sessions[string(ident)]; ss != nil {
				r.end(ss)
			}
		}
	}
}

// grant passes n credits to ss and sends what they allow. A fetcher
// returns one credit per data message it receives, so it never has more
// than its window to grant.
func (r *router) grant(ss *session, n uint32) {
	if uint64(ss.avail)+uint64(n) <= uint64(ss.window) {
		ss.avail += int(n)
		r.pump(ss)
		return
	}
	r.srv.log.Warn("shuffle server: fetcher exceeds its window, dropping fetch", "id", ss.id, "partition", ss.partition)
	r.reply(ss.identBytes, codeBadRequest, "credits beyond the window")
	r.end(ss)
}

// reply sends an error message to a fetcher.
func (r *router) reply(ident []byte, code byte, text string) {
	if err := sendFrames(r.sock, zmq.DONTWAIT, ident, errorHeader(code), []byte(text)); err != nil {
		r.srv.log.Debug("shuffle server: cannot send error", "err", err)
	}
}

// open starts a session for an open request.
func (r *router) open(ident, hdr []byte, rest [][]byte) {
	if r.sessions[string(ident)] != nil {
		return // a repeated open: ignore
	}
	req, err := parseOpen(hdr)
	if err != nil || len(rest) != 1 {
		if err == nil {
			err = errors.New("open request without a map output id")
		}
		r.reply(ident, codeBadRequest, err.Error())
		return
	}
	id := string(rest[0])
	out, ok := r.srv.output(id)
	if !ok {
		r.reply(ident, codeNotFound, fmt.Sprintf("no map output %q", id))
		return
	}
	if int64(req.partition) >= int64(len(out.Segments)) {
		r.reply(ident, codeNotFound, fmt.Sprintf("map output %q has %d partitions, not %d", id, len(out.Segments), req.partition+1))
		return
	}
	seg := out.Segments[req.partition]
	if seg.Length == 0 {
		if err := sendFrames(r.sock, zmq.DONTWAIT, ident, endHeader(0, 0, seg.IFileSize)); err != nil {
			r.srv.log.Debug("shuffle server: cannot send end", "err", err)
		}
		return
	}
	window := int(min(max(req.window, 1), maxWindow))
	ss := &session{
		ident:      string(ident),
		identBytes: ident,
		id:         id,
		partition:  int(req.partition),
		batchBytes: int(min(max(req.batchBytes, minBatchBytes), maxBatchBytes)),
		seg:        seg,
		window:     window,
		avail:      window,
		heard:      time.Now(),
	}
	chunks, err := mapreduce.OpenSegmentChunks(seg)
	if err != nil {
		r.fail(ss, err)
		return
	}
	ss.chunks, ss.enc = chunks, newEncoder()
	r.sessions[ss.ident] = ss
	r.srv.active.Add(1)
	r.pump(ss)
}

// pump reads, encodes and sends data messages of ss while it has credits,
// and the end message after the last.
func (r *router) pump(ss *session) {
	for ss.avail > 0 && r.sessions[ss.ident] == ss {
		data, offsets, err := ss.chunks.Next(ss.buf.data, ss.batchBytes, append(ss.offsets[:0], 0))
		ss.offsets = offsets
		if err != nil {
			r.fail(ss, err)
			r.end(ss)
			return
		}
		if len(data) == 0 {
			r.sendOrDrop(ss, ss.identBytes, endHeader(ss.seg.Records, ss.seg.Length, ss.seg.IFileSize))
			r.end(ss)
			return
		}
		head, pad, err := ss.enc.batch(offsets, data, ss.buf.head)
		if err != nil {
			r.fail(ss, err)
			r.end(ss)
			return
		}
		// ZeroMQ copies what it is given: the buffers are free again once
		// it returns.
		ss.buf = batchBuf{head: head, data: data[:cap(data)]}
		if !r.sendOrDrop(ss, ss.identBytes, dataHeader(ss.seq), head, data, pad) {
			return
		}
		ss.seq++
		ss.avail--
	}
}

// sendOrDrop sends a message to the fetcher of ss; if that fails (the
// fetcher is gone, or not reading: more queued than credits allow), it
// ends ss and returns false.
func (r *router) sendOrDrop(ss *session, frames ...[]byte) bool {
	ss.heard = time.Now()
	if err := sendFrames(r.sock, zmq.DONTWAIT, frames...); err != nil {
		r.srv.log.Warn("shuffle server: cannot send to fetcher, dropping fetch", "id", ss.id, "partition", ss.partition, "err", err)
		r.end(ss)
		return false
	}
	return true
}

// fail sends the error message for err, a failure to read the segment of
// ss, to its fetcher.
func (r *router) fail(ss *session, err error) {
	code := byte(codeNotFound) // unreadable: the map output is lost
	if mapreduce.IsKind(err, mapreduce.Internal) || errors.Is(err, errTooLarge) {
		code = codeCorrupt
	}
	if !errors.Is(err, fs.ErrNotExist) {
		r.srv.log.Warn("shuffle server: cannot read map output", "id", ss.id, "partition", ss.partition, "err", err)
	}
	r.reply(ss.identBytes, code, err.Error())
}

// end forgets a session and releases its file.
func (r *router) end(ss *session) {
	if r.sessions[ss.ident] == ss {
		delete(r.sessions, ss.ident)
		ss.chunks.Close()
		r.srv.active.Add(-1)
	}
}

// sweep ends sessions that have exchanged no message with their fetcher
// for too long: the fetcher is gone (a session waits for its credits).
func (r *router) sweep(now time.Time) {
	for _, ss := range r.sessions {
		if now.Sub(ss.heard) > sessionIdle {
			r.srv.log.Warn("shuffle server: fetcher silent, dropping fetch", "id", ss.id, "partition", ss.partition)
			r.end(ss)
		}
	}
}

// shutdown tells every fetcher under way that the server is closing.
func (r *router) shutdown() {
	for _, ss := range r.sessions {
		r.reply(ss.identBytes, codeUnavailable, "shuffle server closing")
		r.end(ss)
	}
}

// session is one fetch, owned by the socket goroutine: it reads the
// partition's segment and sends data messages while it has credits.
type session struct {
	ident      string
	identBytes []byte
	id         string
	partition  int
	batchBytes int
	seg        mapreduce.Segment
	window     int

	chunks  *mapreduce.SegmentChunks
	enc     *encoder
	offsets []int32
	buf     batchBuf  // the memory of the last data message, reused
	seq     uint32    // of the next data message
	avail   int       // credits
	heard   time.Time // last message to or from the fetcher
}

// batchBuf holds the memory of a data message: its head frame and the
// buffer its data frame is in.
type batchBuf struct {
	head, data []byte
}
