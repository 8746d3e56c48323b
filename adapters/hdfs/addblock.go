package hdfs

import (
	"net"
	"reflect"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// The NameNode gives a file its next block only once the block before the
// last one is reported by its DataNodes; until then addBlock fails with a
// NotReplicatedYetException, for as long as a loaded DataNode or NameNode
// takes to report it. Hadoop's client retries (DataStreamer's
// locateFollowingBlock); colinmarc/hdfs does not, and its writer is left
// without a block: addNextBlock retries, then gives the writer the block.

// isNotReplicatedYet reports whether err is the NameNode's refusal to add
// a block before the one before the last is reported.
func isNotReplicatedYet(err error) bool {
	return err != nil && strings.Contains(err.Error(), "NotReplicatedYetException")
}

// addNextBlock asks the NameNode for w's next block, after its last block
// (written full), retrying with growing delays while the NameNode refuses
// it as not replicated yet, and hands the block to the library's writer.
// It returns errNoRawRPC when this library's writer cannot take it.
func (w *writer) addNextBlock() error {
	fw := reflect.ValueOf(w.w).Elem()
	bwField, err := unexported(fw, "blockWriter", reflect.Pointer)
	if err != nil || !bwField.IsNil() {
		return errNoRawRPC
	}
	if w.fs.copts.DataTransferProtection != "" {
		return errNoRawRPC // DataNode connections need SASL, which only the library sets up
	}
	if d, err := w.c.ServerDefaults(); err != nil || d.EncryptDataTransfer {
		return errNoRawRPC
	}
	blockSize, err := unexported(fw, "blockSize", reflect.Int64)
	if err != nil {
		return err
	}
	// The last block, as the NameNode lists it, with the length written.
	resp, err := rawCall(w.c, "getBlockLocations", "GetBlockLocationsRequestProto", "GetBlockLocationsResponseProto",
		map[string]any{"src": w.name, "offset": uint64(0), "length": uint64(max(w.written, 1))})
	if err != nil {
		return err
	}
	locs := field(resp, "locations")
	if !locs.IsValid() {
		return errNoRawRPC
	}
	last := field(locs.Message(), "lastBlock")
	if !last.IsValid() || !last.Message().IsValid() {
		return errNoRawRPC
	}
	prev := proto.Clone(field(last.Message(), "b").Message().Interface()).ProtoReflect()
	prev.Set(prev.Descriptor().Fields().ByName("numBytes"), protoreflect.ValueOfUint64(uint64(w.written-int64(field(last.Message(), "offset").Uint()))))
	req := map[string]any{"src": w.name, "clientName": clientName(w.c), "previous": prev}
	if id, err := unexported(fw, "fileId", reflect.Pointer); err == nil && !id.IsNil() {
		req["fileId"] = id.Elem().Uint()
	}
	delay := 100 * time.Millisecond
	for tries := 0; ; tries++ {
		select {
		case <-time.After(delay):
		case <-w.ctx.Done():
			return w.ctx.Err()
		}
		delay = min(2*delay, 2*time.Second)
		resp, err = rawCall(w.c, "addBlock", "AddBlockRequestProto", "AddBlockResponseProto", req)
		if err == nil {
			break
		}
		if !isNotReplicatedYet(err) || tries >= 15 {
			return err
		}
	}
	block := reflect.ValueOf(field(resp, "block").Message().Interface())
	bw := reflect.New(bwField.Type().Elem())
	b := bw.Elem()
	if b.FieldByName("Block").Type() != block.Type() {
		return errNoRawRPC
	}
	b.FieldByName("ClientName").SetString(clientName(w.c))
	b.FieldByName("Block").Set(block)
	b.FieldByName("BlockSize").SetInt(blockSize.Int())
	b.FieldByName("UseDatanodeHostname").SetBool(w.fs.copts.UseDatanodeHostname)
	dial := w.fs.copts.DatanodeDialFunc
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	b.FieldByName("DialFunc").Set(reflect.ValueOf(dial))
	if d, ok := w.ctx.Deadline(); ok {
		bw.MethodByName("SetDeadline").Call([]reflect.Value{reflect.ValueOf(d)})
	}
	bwField.Set(bw)
	return nil
}
