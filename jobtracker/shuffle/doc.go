// Package shuffle moves map outputs from the worker that ran the map to the
// reducers that need them: a Server on each worker serves the partitions of
// the map outputs registered with it, and a reducer calls Fetch for each
// partition it needs, which writes it to a local segment file for the
// reduce-side merge.
//
// # Wire protocol
//
// The server binds a ZeroMQ ROUTER socket; each Fetch connects a DEALER
// socket of its own, so the server tells fetches apart by their ZeroMQ
// routing identity. Every message is a header frame, whose first byte is
// the message kind, followed by at most one payload frame. Integers are
// little-endian.
//
// Fetcher to server:
//
//	open    'O' version:u8 partition:u32 batchBytes:u32 window:u32 | map output id
//	credit  'C' n:u32
//	cancel  'X'
//
// Server to fetcher:
//
//	data    'D' seq:u32 | head | records | padding
//	end     'E' records:u64 length:u64 ifileSize:u64
//	error   'R' code:u8 | text
//
// The version is 2; a server answers an open of another version with a bad
// request error naming both. A fetch starts with open and holds window
// credits. The server sends a data message only against a credit; the
// fetcher returns one credit per data message it receives (before writing
// the batch out). So at most window batches, each about batchBytes, are
// on their way per fetch, in the server's queues, the network, or the
// fetcher's; nothing is pushed beyond that.
//
// Data messages are numbered from 0. The three frames of their payloads
// make an encapsulated Arrow IPC stream message, split around the record
// batch's data buffer: the message up to it (prefix, metadata, offsets
// buffer), the data buffer, its padding. The schema message (one field,
// record, binary, not nullable) precedes the first record batch in data
// message 0, one record batch is in each later one, one row per record in
// segment order; concatenated, the payloads make an Arrow IPC stream. A row
// is the record exactly as the map output's segment stores it (uvarint key
// length, uvarint value length, key, value), so a batch's data buffer is a
// run of whole records of the segment, sent from the buffer it was read
// into and written to the fetched segment file from the one it arrives in,
// after the fetcher has checked that each row parses as one record. The
// fetcher does not parse the Arrow metadata: it requires the bytes the
// server's encoder writes for a record batch of the offsets and data it
// received (so both sides must use the same Arrow release), checked by
// encoding the batch again when its record count or data length is new,
// and otherwise against the metadata of the last batch so checked, which
// depends on nothing else (see decoder). An
// end message closes a fetch with the segment's record count, length and
// IFile size as the server registered them, which the fetcher checks
// against what it wrote. An empty partition gets end at once.
//
// An error message ends a fetch: code 1 not found (unknown map output or
// partition, unreadable file: the map output is lost), 2 corrupt (the
// segment file does not parse), 3 unavailable (the server is closing), 4
// bad request. The fetcher sends cancel when it gives up; the server also
// drops a fetch when sending to the fetcher fails or the fetcher has been
// silent for two minutes.
//
// ZeroMQ connects never fail and it reconnects silently, so a dead or
// unreachable server shows only as silence: a fetch fails with
// ErrUnavailable when no message arrives within its timeout. A message
// arriving out of sequence, an undecodable batch or counts that do not
// match the end message fail it with ErrCorrupt.
//
// # Concurrency
//
// ZeroMQ sockets are not safe for concurrent use. A server's ROUTER socket
// is used by one goroutine only, which receives requests and, as a fetch's
// credits arrive, reads its segment, encodes the batches and sends them:
// the bytes are read right before ZeroMQ copies them, in the same thread.
// Close wakes it through an inproc socket pair. A Fetch uses its socket in
// the calling goroutine only.
package shuffle
