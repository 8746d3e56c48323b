package hdfs

import (
	"errors"
	"fmt"
	"reflect"
	"unsafe"

	hdfs "github.com/colinmarc/hdfs/v2"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// github.com/colinmarc/hdfs/v2 exports no call for two NameNode RPCs zebra
// needs: getBlockLocations for a byte range (block locality) and rename2
// without overwrite (Rename's "to must not exist", atomically, as Hadoop's
// FileContext.rename does). Both go through the client's own NameNode
// connection (same authentication, same failover), reached by reflection:
// Client.namenode is an *rpc.NamenodeConnection whose exported
// Execute(method, req, resp) sends one call. The request and response
// messages are the library's own generated types, found by their protobuf
// names in the global registry and filled through protoreflect. The test
// suite exercises both calls, so a library upgrade that moves these parts
// fails loudly there; at run time rawCall then reports errNoRawRPC and the
// callers fall back (Rename to stat-then-rename, Locate to no hints).

var errNoRawRPC = errors.New("this version of github.com/colinmarc/hdfs/v2 offers no raw NameNode call")

// rawCall runs the NameNode RPC method with a request of protobuf type
// "hadoop.hdfs.<reqType>" whose fields are set from fields (by proto field
// name), and returns the response message of type "hadoop.hdfs.<respType>".
func rawCall(c *hdfs.Client, method, reqType, respType string, fields map[string]any) (protoreflect.Message, error) {
	exec, err := executeFunc(c)
	if err != nil {
		return nil, err
	}
	req, err := newMessage(reqType)
	if err != nil {
		return nil, err
	}
	for name, v := range fields {
		fd := req.Descriptor().Fields().ByName(protoreflect.Name(name))
		if fd == nil {
			return nil, fmt.Errorf("%w: %s has no field %s", errNoRawRPC, reqType, name)
		}
		req.Set(fd, protoreflect.ValueOf(v))
	}
	resp, err := newMessage(respType)
	if err != nil {
		return nil, err
	}
	out := exec.Call([]reflect.Value{reflect.ValueOf(method), reflect.ValueOf(req.Interface()), reflect.ValueOf(resp.Interface())})
	if e, _ := out[0].Interface().(error); e != nil {
		return nil, e
	}
	return resp, nil
}

func newMessage(name string) (protoreflect.Message, error) {
	mt, err := protoregistry.GlobalTypes.FindMessageByName(protoreflect.FullName("hadoop.hdfs." + name))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errNoRawRPC, err)
	}
	return mt.New(), nil
}

var (
	msgType = reflect.TypeOf((*proto.Message)(nil)).Elem()
	errType = reflect.TypeOf((*error)(nil)).Elem()
)

// executeFunc is c.namenode.Execute as a callable reflect.Value.
func executeFunc(c *hdfs.Client) (reflect.Value, error) {
	if c == nil {
		return reflect.Value{}, errNoRawRPC
	}
	f := reflect.ValueOf(c).Elem().FieldByName("namenode")
	if !f.IsValid() || f.Kind() != reflect.Pointer || f.IsNil() {
		return reflect.Value{}, errNoRawRPC
	}
	nn := reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem()
	m := nn.MethodByName("Execute")
	if !m.IsValid() {
		return reflect.Value{}, errNoRawRPC
	}
	t := m.Type()
	if t.NumIn() != 3 || t.In(0).Kind() != reflect.String || t.In(1) != msgType || t.In(2) != msgType ||
		t.NumOut() != 1 || t.Out(0) != errType {
		return reflect.Value{}, errNoRawRPC
	}
	return m, nil
}

// field reads a field of a protobuf message by name (zero Value if unset).
func field(m protoreflect.Message, name string) protoreflect.Value {
	if m == nil || !m.IsValid() {
		return protoreflect.Value{}
	}
	fd := m.Descriptor().Fields().ByName(protoreflect.Name(name))
	if fd == nil {
		return protoreflect.Value{}
	}
	return m.Get(fd)
}

// block is one located block of a getBlockLocations answer.
type block struct {
	offset, length int64
	hosts          []datanode
}

type datanode struct {
	ip, hostname string
	xferPort     uint32
}

// blockLocations asks the NameNode which blocks (and DataNodes) hold the
// bytes [off, off+n) of name.
func blockLocations(c *hdfs.Client, name string, off, n int64) ([]block, error) {
	resp, err := rawCall(c, "getBlockLocations", "GetBlockLocationsRequestProto", "GetBlockLocationsResponseProto",
		map[string]any{"src": name, "offset": uint64(off), "length": uint64(n)})
	if err != nil {
		return nil, err
	}
	locs := field(resp, "locations")
	if !locs.IsValid() {
		return nil, nil
	}
	blocks := field(locs.Message(), "blocks")
	if !blocks.IsValid() {
		return nil, nil
	}
	list := blocks.List()
	out := make([]block, 0, list.Len())
	for i := 0; i < list.Len(); i++ {
		lb := list.Get(i).Message()
		var b block
		b.offset = int64(field(lb, "offset").Uint())
		if eb := field(lb, "b"); eb.IsValid() {
			b.length = int64(field(eb.Message(), "numBytes").Uint())
		}
		if field(lb, "corrupt").Bool() {
			continue
		}
		dns := field(lb, "locs").List()
		for j := 0; j < dns.Len(); j++ {
			id := field(dns.Get(j).Message(), "id")
			if !id.IsValid() {
				continue
			}
			idm := id.Message()
			b.hosts = append(b.hosts, datanode{
				ip:       field(idm, "ipAddr").String(),
				hostname: field(idm, "hostName").String(),
				xferPort: uint32(field(idm, "xferPort").Uint()),
			})
		}
		out = append(out, b)
	}
	return out, nil
}

// rename2 renames from to to, failing (FileAlreadyExistsException) if to
// exists.
func rename2(c *hdfs.Client, from, to string) error {
	_, err := rawCall(c, "rename2", "Rename2RequestProto", "Rename2ResponseProto",
		map[string]any{"src": from, "dst": to, "overwriteDest": false})
	return err
}

// complete asks the NameNode to complete the file name, written by c with
// size bytes, naming its last block (as the NameNode lists it, with the
// length the writer gave it); it reports whether the file is complete.
func complete(c *hdfs.Client, name string, size int64) (bool, error) {
	resp, err := rawCall(c, "getBlockLocations", "GetBlockLocationsRequestProto", "GetBlockLocationsResponseProto",
		map[string]any{"src": name, "offset": uint64(0), "length": uint64(max(size, 1))})
	if err != nil {
		return false, err
	}
	fields := map[string]any{"src": name, "clientName": clientName(c)}
	if locs := field(resp, "locations"); locs.IsValid() {
		if last := field(locs.Message(), "lastBlock"); last.IsValid() && last.Message().IsValid() {
			b := proto.Clone(field(last.Message(), "b").Message().Interface()).ProtoReflect()
			off := int64(field(last.Message(), "offset").Uint())
			b.Set(b.Descriptor().Fields().ByName("numBytes"), protoreflect.ValueOfUint64(uint64(size-off)))
			fields["last"] = b
		}
	}
	resp, err = rawCall(c, "complete", "CompleteRequestProto", "CompleteResponseProto", fields)
	if err != nil {
		return false, err
	}
	return field(resp, "result").Bool(), nil
}

// clientName is the name c's NameNode connection gives the NameNode (the
// holder of c's leases).
func clientName(c *hdfs.Client) string {
	f := reflect.ValueOf(c).Elem().FieldByName("namenode")
	if !f.IsValid() || f.IsNil() {
		return ""
	}
	n := f.Elem().FieldByName("ClientName")
	if n.Kind() != reflect.String {
		return ""
	}
	return n.String()
}
