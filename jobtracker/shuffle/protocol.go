package shuffle

import (
	"encoding/binary"
	"errors"
	"fmt"
	"syscall"

	zmq "github.com/pebbe/zmq4"
)

// protocolVersion is sent in every open request; a server refuses others.
// Version 2: a record batch has one column, the records as the segment
// stores them (version 1 had key and value columns).
const protocolVersion = 2

// Message kinds: the first byte of a message's header frame.
const (
	kindOpen   = 'O' // fetcher: open a fetch
	kindCredit = 'C' // fetcher: may send n more data messages
	kindCancel = 'X' // fetcher: abandon the fetch
	kindData   = 'D' // server: Arrow IPC message(s)
	kindEnd    = 'E' // server: the partition is complete
	kindError  = 'R' // server: the fetch failed
)

// Error codes of an error message.
const (
	codeNotFound    = 1
	codeCorrupt     = 2
	codeUnavailable = 3
	codeBadRequest  = 4
)

// Errors of Fetch, matched with errors.Is. Fetch wraps them in a
// *mapreduce.Error naming the fetch, whose Kind is NotExist, Transient or
// Infra respectively.
var (
	// ErrNotFound: the server does not have the map output or partition, or
	// can no longer read it. The map output is lost.
	ErrNotFound = errors.New("map output not found")
	// ErrUnavailable: the server did not answer within the timeout (it is
	// dead, hung or unreachable), or it is shutting down.
	ErrUnavailable = errors.New("shuffle server unavailable")
	// ErrCorrupt: malformed or inconsistent data or protocol messages.
	ErrCorrupt = errors.New("corrupt shuffle data")
)

func codeError(code byte) error {
	switch code {
	case codeNotFound:
		return ErrNotFound
	case codeUnavailable:
		return ErrUnavailable
	}
	return ErrCorrupt
}

// openRequest is the header of an open message; the map output id follows
// in a frame of its own.
type openRequest struct {
	partition  uint32
	batchBytes uint32
	window     uint32
}

// Header layouts, all integers little-endian:
//
//	open   'O' version:u8 partition:u32 batchBytes:u32 window:u32
//	credit 'C' n:u32
//	cancel 'X'
//	data   'D' seq:u32
//	end    'E' records:u64 length:u64 ifileSize:u64
//	error  'R' code:u8
const (
	openLen   = 14
	creditLen = 5
	dataLen   = 5
	endLen    = 25
	errorLen  = 2
)

func openHeader(r openRequest) []byte {
	b := []byte{kindOpen, protocolVersion}
	b = binary.LittleEndian.AppendUint32(b, r.partition)
	b = binary.LittleEndian.AppendUint32(b, r.batchBytes)
	return binary.LittleEndian.AppendUint32(b, r.window)
}

func parseOpen(b []byte) (openRequest, error) {
	if len(b) != openLen {
		return openRequest{}, fmt.Errorf("bad open request of %d bytes", len(b))
	}
	if b[1] != protocolVersion {
		return openRequest{}, fmt.Errorf("shuffle protocol version %d is not supported: this server speaks version %d (run the same zebra release on every worker)", b[1], protocolVersion)
	}
	return openRequest{
		partition:  binary.LittleEndian.Uint32(b[2:]),
		batchBytes: binary.LittleEndian.Uint32(b[6:]),
		window:     binary.LittleEndian.Uint32(b[10:]),
	}, nil
}

func creditHeader(n uint32) []byte {
	return binary.LittleEndian.AppendUint32([]byte{kindCredit}, n)
}

func dataHeader(seq uint32) []byte {
	return binary.LittleEndian.AppendUint32([]byte{kindData}, seq)
}

func endHeader(records, length, ifile int64) []byte {
	b := []byte{kindEnd}
	b = binary.LittleEndian.AppendUint64(b, uint64(records))
	b = binary.LittleEndian.AppendUint64(b, uint64(length))
	return binary.LittleEndian.AppendUint64(b, uint64(ifile))
}

func errorHeader(code byte) []byte { return []byte{kindError, code} }

// sendFrames sends frames as one message.
func sendFrames(s *zmq.Socket, flags zmq.Flag, frames ...[]byte) error {
	for i, f := range frames {
		fl := flags
		if i < len(frames)-1 {
			fl |= zmq.SNDMORE
		}
		if _, err := s.SendBytes(f, fl); err != nil {
			return err
		}
	}
	return nil
}

// maxFrames bounds the frames kept of one received message; our messages
// have at most four.
const maxFrames = 4

// recvFrames receives one message into frames[:0]. Frames beyond maxFrames
// are read and dropped (the message is then malformed anyway).
func recvFrames(s *zmq.Socket, flags zmq.Flag, frames [][]byte) ([][]byte, error) {
	frames = frames[:0]
	for {
		b, err := s.RecvBytes(flags)
		if err != nil {
			return frames, err
		}
		if len(frames) < maxFrames {
			frames = append(frames, b)
		}
		more, err := s.GetRcvmore()
		if err != nil {
			return frames, err
		}
		if !more {
			return frames, nil
		}
		flags = 0 // the rest of a message has arrived with its first frame
	}
}

func isAgain(err error) bool { return zmq.AsErrno(err) == zmq.Errno(syscall.EAGAIN) }
