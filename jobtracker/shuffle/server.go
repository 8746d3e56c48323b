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

	out       chan outMsg   // messages of fetch sessions, sent by the socket goroutine
	wake      chan struct{} // tells the notifier to wake the socket goroutine
	closing   chan struct{} // closed by Close
	closeOnce sync.Once
	done      chan struct{}  // closed when the socket goroutine has stopped
	running   sync.WaitGroup // session goroutines
	active    atomic.Int64   // session goroutines, for tests
	stopCtx   func() bool
}

var inprocSeq atomic.Uint64

// Listen binds a server to endpoint, such as "tcp://127.0.0.1:*" for a free
// port (see Endpoint). The server stops when ctx is done or Close is called.
// A nil logger discards.
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
		out:      make(chan outMsg, 256),
		wake:     make(chan struct{}, 1),
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
// through which session goroutines, which cannot use the ROUTER socket,
// wake the socket goroutine when they have queued messages on s.out.
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
	s.running.Wait()
	return nil
}

// notify turns signals on s.wake into messages that wake the socket
// goroutine from its poll. It owns tx.
func (s *Server) notify(tx *zmq.Socket) {
	defer tx.Close()
	sig := []byte{0}
	for {
		select {
		case <-s.wake:
			tx.SendBytes(sig, zmq.DONTWAIT) // a full queue means it is awake anyway
		case <-s.closing:
			tx.SendBytes(sig, zmq.DONTWAIT)
			return
		}
	}
}

// outMsg is a message a session wants sent to its fetcher.
type outMsg struct {
	sess  *session
	hdr   []byte
	body  [][]byte // the payload frames, if any
	buf   batchBuf // to be reused once sent
	final bool     // the session's last message
}

// batchBuf holds the memory of a data message: its head frame and the
// buffer its data frame is in.
type batchBuf struct {
	head, data []byte
}

// router is the state of the socket goroutine, which alone uses the ROUTER
// socket and the sessions map.
type router struct {
	srv      *Server
	sock     *zmq.Socket
	sessions map[string]*session // by fetcher identity
	frames   [][]byte
	out      [][]byte // frames being sent
}

// serve is the socket goroutine: it receives requests, starts and stops
// sessions and sends what sessions queue.
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
		r.flush()
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

// flush sends everything sessions have queued.
func (r *router) flush() {
	for {
		select {
		case m := <-r.srv.out:
			r.send(m)
		default:
			return
		}
	}
}

func (r *router) send(m outMsg) {
	ss := m.sess
	if r.sessions[ss.ident] != ss {
		return // ended meanwhile
	}
	r.out = append(append(r.out[:0], ss.identBytes, m.hdr), m.body...)
	err := sendFrames(r.sock, zmq.DONTWAIT, r.out...)
	if m.buf.data != nil {
		ss.recycle(m.buf)
	}
	ss.heard = time.Now()
	switch {
	case err != nil:
		// Gone (EHOSTUNREACH) or not reading (EAGAIN: more queued than
		// credits allow).
		r.srv.log.Warn("shuffle server: cannot send to fetcher, dropping fetch", "id", ss.id, "partition", ss.partition, "err", err)
		r.end(ss)
	case m.final:
		r.end(ss)
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

// grant passes n credits to ss. A fetcher returns one credit per data
// message it receives, so it never has more than its window to grant.
func (r *router) grant(ss *session, n uint32) {
	if n <= uint32(cap(ss.credit)) {
		select {
		case ss.credit <- int(n):
			return
		default:
		}
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
		srv:        r.srv,
		ident:      string(ident),
		identBytes: ident,
		id:         id,
		partition:  int(req.partition),
		batchBytes: int(min(max(req.batchBytes, minBatchBytes), maxBatchBytes)),
		avail:      window,
		credit:     make(chan int, window),
		stop:       make(chan struct{}),
		heard:      time.Now(),
	}
	r.sessions[ss.ident] = ss
	r.srv.running.Add(1)
	r.srv.active.Add(1)
	go ss.run(seg)
}

// end forgets a session and stops its goroutine.
func (r *router) end(ss *session) {
	if r.sessions[ss.ident] == ss {
		delete(r.sessions, ss.ident)
		close(ss.stop)
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
	r.flush() // drops what is queued: unblocks sessions
}

// session is one fetch: it reads the partition's segment and queues data
// messages while it has credits.
type session struct {
	srv        *Server
	ident      string
	identBytes []byte
	id         string
	partition  int
	batchBytes int

	avail  int           // credits, owned by the session goroutine
	credit chan int      // credits granted by the fetcher
	stop   chan struct{} // closed when the session has ended
	// free holds the buffers of sent messages for reuse, the last sent
	// on top: reused first, it is the likeliest to be in the CPU's cache.
	freeMu sync.Mutex
	free   []batchBuf

	heard time.Time // last message to or from the fetcher; owned by the socket goroutine
}

func (ss *session) run(seg mapreduce.Segment) {
	defer ss.srv.running.Done()
	defer ss.srv.active.Add(-1)
	chunks, err := mapreduce.OpenSegmentChunks(seg)
	if err != nil {
		ss.fail(err)
		return
	}
	defer chunks.Close()
	enc := newEncoder()
	var offsets []int32
	for seq := uint32(0); ; seq++ {
		if !ss.acquire() {
			return
		}
		b := ss.reuse()
		data, offs, err := chunks.Next(b.data, ss.batchBytes, append(offsets[:0], 0))
		offsets = offs
		if err != nil {
			ss.fail(err)
			return
		}
		if len(data) == 0 {
			break
		}
		head, pad, err := enc.batch(offsets, data, b.head)
		if err != nil {
			ss.fail(err)
			return
		}
		m := outMsg{hdr: dataHeader(seq), body: [][]byte{head, data, pad}, buf: batchBuf{head: head, data: data[:cap(data)]}}
		if !ss.queue(m) {
			return
		}
	}
	ss.queue(outMsg{hdr: endHeader(seg.Records, seg.Length, seg.IFileSize), final: true})
}

// fail queues the error message for err, a failure to read the segment.
func (ss *session) fail(err error) {
	code := byte(codeNotFound) // unreadable: the map output is lost
	if mapreduce.IsKind(err, mapreduce.Internal) || errors.Is(err, errTooLarge) {
		code = codeCorrupt
	}
	if !errors.Is(err, fs.ErrNotExist) {
		ss.srv.log.Warn("shuffle server: cannot read map output", "id", ss.id, "partition", ss.partition, "err", err)
	}
	ss.queue(outMsg{hdr: errorHeader(code), body: [][]byte{[]byte(err.Error())}, final: true})
}

// acquire takes one credit, waiting for the fetcher to grant one; false if
// the session has ended.
func (ss *session) acquire() bool {
	for ss.avail == 0 {
		select {
		case n := <-ss.credit:
			ss.avail += n
		case <-ss.stop:
			return false
		}
	}
	ss.avail--
	return true
}

// queue hands a message to the socket goroutine; false if the session has
// ended.
func (ss *session) queue(m outMsg) bool {
	m.sess = ss
	select {
	case ss.srv.out <- m:
	case <-ss.stop:
		return false
	}
	select {
	case ss.srv.wake <- struct{}{}:
	default: // a wake-up is pending
	}
	return true
}

// recycle returns a sent message's buffers; called by the socket goroutine.
func (ss *session) recycle(b batchBuf) {
	ss.freeMu.Lock()
	if len(ss.free) <= cap(ss.credit) { // the window, and the one being encoded
		ss.free = append(ss.free, b)
	}
	ss.freeMu.Unlock()
}

// reuse returns the buffers last recycled, if any.
func (ss *session) reuse() batchBuf {
	ss.freeMu.Lock()
	defer ss.freeMu.Unlock()
	n := len(ss.free)
	if n == 0 {
		return batchBuf{}
	}
	b := ss.free[n-1]
	ss.free[n-1] = batchBuf{}
	ss.free = ss.free[:n-1]
	return b
}
