package shuffle

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"time"

	zmq "github.com/pebbe/zmq4"

	"zebra/mapreduce"
)

// Defaults and limits of FetchOptions.
const (
	DefaultBatchBytes = 1 << 20
	DefaultWindow     = 4
	DefaultTimeout    = 30 * time.Second

	minBatchBytes = 4 << 10
	maxBatchBytes = 64 << 20
	maxWindow     = 64
)

// FetchOptions tunes a fetch. Zero fields take the defaults.
type FetchOptions struct {
	// BatchBytes is the target size of a record batch (keys, values and
	// offsets). A batch holds one record at least, however large. Clamped
	// to [4 KiB, 64 MiB]; default 1 MiB.
	BatchBytes int
	// Window is how many batches may be on their way to the fetcher: the
	// server sends a batch only against a credit, and the fetcher returns
	// one credit per batch received. At most 64; default 4.
	Window int
	// Timeout is how long the fetcher waits for any message from the server
	// before it gives up with ErrUnavailable; default 30 s.
	Timeout time.Duration
	// Curve, if set, is the fetcher's CURVE keypair: the fetch is a CURVE
	// client of a server started with ListenSecure whose public key is
	// ServerKey (see Curve). Without it the fetch is plain, and a CURVE
	// server never answers it.
	Curve     *Curve
	ServerKey string
}

func (o FetchOptions) normalize() FetchOptions {
	if o.BatchBytes <= 0 {
		o.BatchBytes = DefaultBatchBytes
	}
	o.BatchBytes = min(max(o.BatchBytes, minBatchBytes), maxBatchBytes)
	if o.Window <= 0 {
		o.Window = DefaultWindow
	}
	o.Window = min(o.Window, maxWindow)
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	return o
}

// pollSlice bounds each wait in a poll, so that a canceled context is
// noticed promptly.
const pollSlice = 20 * time.Millisecond

// testHookData, if set, is called after each data message a fetch has
// written.
var testHookData func(seq uint32)

// Fetch fetches partition of the map output registered as id with the
// server at endpoint and writes it as a segment file at path, created or
// truncated; it returns the file's Segment, whose Records, Length and
// IFileSize are those of the server's segment. On failure the file is
// removed and the error, a *mapreduce.Error, wraps ErrNotFound,
// ErrUnavailable, ErrCorrupt, the context's error, or the error of writing
// the file. The first call in a process tunes its C heap for ZeroMQ's
// messages (see tuneMalloc).
func Fetch(ctx context.Context, endpoint, id string, partition int, path string, opt FetchOptions) (mapreduce.Segment, error) {
	seg, kind, err := fetch(ctx, endpoint, id, partition, path, opt.normalize())
	if err != nil {
		if kind == mapreduce.Other {
			switch {
			case errors.Is(err, ErrNotFound):
				kind = mapreduce.NotExist
			case errors.Is(err, ErrUnavailable):
				kind = mapreduce.Transient
			case errors.Is(err, ErrCorrupt):
				kind = mapreduce.Infra
			case ctx.Err() != nil && errors.Is(err, ctx.Err()):
				kind = mapreduce.Canceled
			}
		}
		return mapreduce.Segment{}, mapreduce.E(fmt.Sprintf("fetch partition %d of map output %s from %s", partition, id, endpoint), kind, "", err)
	}
	return seg, nil
}

func fetch(ctx context.Context, endpoint, id string, partition int, path string, opt FetchOptions) (_ mapreduce.Segment, kind mapreduce.Kind, err error) {
	if partition < 0 || int64(partition) > 1<<32-1 {
		return mapreduce.Segment{}, mapreduce.Invalid, fmt.Errorf("bad partition %d", partition)
	}
	if err := ctx.Err(); err != nil {
		return mapreduce.Segment{}, mapreduce.Other, err
	}
	tuneMalloc()
	sock, err := zmq.NewSocket(zmq.DEALER)
	if err != nil {
		return mapreduce.Segment{}, mapreduce.Infra, err
	}
	defer sock.Close()
	if err := sock.SetLinger(closeLinger); err != nil {
		return mapreduce.Segment{}, mapreduce.Infra, err
	}
	if opt.Curve != nil {
		if err := secureClient(sock, *opt.Curve, opt.ServerKey); err != nil {
			return mapreduce.Segment{}, mapreduce.Invalid, err
		}
	}
	if err := sock.Connect(endpoint); err != nil {
		return mapreduce.Segment{}, mapreduce.Invalid, fmt.Errorf("connect: %w", err)
	}
	out, err := mapreduce.CreateSegmentFile(path)
	if err != nil {
		return mapreduce.Segment{}, mapreduce.Other, err
	}
	f := &fetcher{ctx: ctx, sock: sock, timeout: opt.Timeout, poller: zmq.NewPoller(), dec: newDecoder()}
	f.poller.Add(sock, zmq.POLLIN)
	want, err := f.run(id, uint32(partition), opt, out)
	if err != nil {
		sendFrames(sock, zmq.DONTWAIT, []byte{kindCancel}) // best effort
		out.Close()
		os.Remove(path)
		return mapreduce.Segment{}, mapreduce.Other, err
	}
	seg, err := out.Close()
	if err == nil && (seg.Records != want.Records || seg.Length != want.Length || seg.IFileSize != want.IFileSize) {
		err = corrupt("received %d records, %d bytes, IFile size %d; the server's segment has %d, %d, %d",
			seg.Records, seg.Length, seg.IFileSize, want.Records, want.Length, want.IFileSize)
	}
	if err != nil {
		os.Remove(path)
		return mapreduce.Segment{}, mapreduce.Other, err
	}
	return seg, mapreduce.Other, nil
}

// fetcher is one fetch's state; it alone uses the socket.
type fetcher struct {
	ctx     context.Context
	sock    *zmq.Socket
	poller  *zmq.Poller
	timeout time.Duration
	frames  [][]byte
	dec     *decoder
}

// run requests the partition and writes the data messages to out. It
// returns the counts of the server's end message.
func (f *fetcher) run(id string, partition uint32, opt FetchOptions, out *mapreduce.SegmentFile) (mapreduce.Segment, error) {
	req := openRequest{partition: partition, batchBytes: uint32(opt.BatchBytes), window: uint32(opt.Window)}
	if err := sendFrames(f.sock, zmq.DONTWAIT, openHeader(req), []byte(id)); err != nil {
		return mapreduce.Segment{}, fmt.Errorf("send open request: %v: %w", err, ErrUnavailable)
	}
	credit := creditHeader(1)
	for seq := uint32(0); ; {
		frames, err := f.recv()
		if err != nil {
			return mapreduce.Segment{}, err
		}
		hdr := frames[0]
		switch {
		case hdr[0] == kindData && len(hdr) == dataLen && len(frames) == 4:
			if got := binary.LittleEndian.Uint32(hdr[1:]); got != seq {
				return mapreduce.Segment{}, corrupt("data message %d where %d was due", got, seq)
			}
			// Return the credit first, so that the server works on the next
			// batch while this one is written.
			if err := sendFrames(f.sock, zmq.DONTWAIT, credit); err != nil {
				return mapreduce.Segment{}, fmt.Errorf("send credit: %v: %w", err, ErrUnavailable)
			}
			if err := f.dec.decode(frames[1:], out); err != nil {
				return mapreduce.Segment{}, err
			}
			if testHookData != nil {
				testHookData(seq)
			}
			seq++
		case hdr[0] == kindEnd && len(hdr) == endLen:
			return mapreduce.Segment{
				Records:   int64(binary.LittleEndian.Uint64(hdr[1:])),
				Length:    int64(binary.LittleEndian.Uint64(hdr[9:])),
				IFileSize: int64(binary.LittleEndian.Uint64(hdr[17:])),
			}, nil
		case hdr[0] == kindError && len(hdr) == errorLen:
			text := "server error"
			if len(frames) > 1 {
				text = string(frames[1])
			}
			return mapreduce.Segment{}, fmt.Errorf("%s: %w", text, codeError(hdr[1]))
		default:
			return mapreduce.Segment{}, corrupt("unexpected message %q", hdr[:min(len(hdr), 8)])
		}
	}
}

// recv waits for the next message from the server, for at most the
// timeout, and returns it with a non-empty first frame.
func (f *fetcher) recv() ([][]byte, error) {
	deadline := time.Now().Add(f.timeout)
	for {
		if err := f.ctx.Err(); err != nil {
			return nil, err
		}
		frames, err := recvFrames(f.sock, zmq.DONTWAIT, f.frames)
		f.frames = frames
		if err == nil {
			if len(frames) == 0 || len(frames[0]) == 0 {
				return nil, corrupt("empty message")
			}
			return frames, nil
		}
		if !isAgain(err) {
			return nil, fmt.Errorf("receive: %v: %w", err, ErrUnavailable)
		}
		wait := time.Until(deadline)
		if wait <= 0 {
			return nil, fmt.Errorf("no message from the server for %v: %w", f.timeout, ErrUnavailable)
		}
		if _, err := f.poller.Poll(max(min(wait, pollSlice), time.Millisecond)); err != nil {
			return nil, fmt.Errorf("poll: %v: %w", err, ErrUnavailable)
		}
	}
}
