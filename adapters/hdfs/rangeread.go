package hdfs

import (
	"context"
	"errors"
	"io"
	"reflect"
	"unsafe"

	"github.com/colinmarc/hdfs/v2"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Sizes of the reads past a split's range (OpenRange): the first asks the
// DataNode for tailFirst bytes, each next one for twice as many, up to
// tailMax.
const (
	tailFirst = 16 << 10
	tailMax   = 1 << 20
)

// OpenRange implements mapreduce.RangeOpener: Open, but the DataNode is
// asked for bytes [off, off+n) only, not for the rest of their block, and
// what is read beyond them is asked for in pieces (tailFirst bytes, each
// next piece twice as long up to tailMax), so that a split's reader
// finishing its last line costs about that line. n <= 0 is Open. With a
// version of the client library whose reader this cannot bound, the
// reader reads on to the end of each block, as Open's does.
func (f *FS) OpenRange(ctx context.Context, name string, off, n int64) (io.ReadCloser, error) {
	rc, err := f.Open(ctx, name, off)
	if err != nil || n <= 0 {
		return rc, err
	}
	r := rc.(*reader)
	blocks, err := fileBlocks(r.r, name)
	if err != nil {
		return rc, nil // unbounded, see above
	}
	rr := &rangeReader{reader: r, blocks: blocks, pos: off, end: off, next: n}
	return rr, nil
}

// rangeReader reads a file in windows [pos, end), each one asked of the
// DataNodes alone.
type rangeReader struct {
	*reader
	blocks   reflect.Value // the file's located blocks, as the NameNode gave them
	pos, end int64
	next     int64 // the size of the next window
	tail     bool  // past the first window (the range asked for)
	err      error
}

func (rr *rangeReader) Read(b []byte) (int, error) {
	if rr.err != nil {
		return 0, rr.err
	}
	if rr.pos >= rr.end {
		if rr.pos >= rr.r.Stat().Size() {
			return 0, io.EOF
		}
		rr.end = rr.pos + rr.next
		if !rr.tail {
			rr.tail, rr.next = true, tailFirst
		} else {
			rr.next = min(2*rr.next, tailMax)
		}
		if err := rr.window(); err != nil {
			rr.err = rr.fs.wrap("read", rr.name, err)
			return 0, rr.err
		}
	}
	if int64(len(b)) > rr.end-rr.pos {
		b = b[:rr.end-rr.pos]
	}
	n, err := rr.reader.Read(b)
	rr.pos += int64(n)
	return n, err
}

// window makes the library's reader read [pos, end) next: it drops its
// DataNode stream and reads with blocks that end at end.
func (rr *rangeReader) window() error {
	if _, err := rr.r.Seek(rr.pos, io.SeekStart); err != nil {
		return err
	}
	cut := reflect.MakeSlice(rr.blocks.Type(), rr.blocks.Len(), rr.blocks.Len())
	for i := 0; i < rr.blocks.Len(); i++ {
		blk := rr.blocks.Index(i)
		m := blk.Interface().(proto.Message).ProtoReflect()
		start := int64(m.Get(m.Descriptor().Fields().ByName("offset")).Uint())
		b := m.Get(m.Descriptor().Fields().ByName("b")).Message()
		size := int64(b.Get(b.Descriptor().Fields().ByName("numBytes")).Uint())
		if start < rr.end && rr.end < start+size {
			c := proto.Clone(m.Interface()).ProtoReflect()
			cb := c.Mutable(c.Descriptor().Fields().ByName("b")).Message()
			cb.Set(cb.Descriptor().Fields().ByName("numBytes"), protoreflect.ValueOfUint64(uint64(rr.end-start)))
			blk = reflect.ValueOf(c.Interface())
		}
		cut.Index(i).Set(blk)
	}
	field, err := blocksField(rr.r)
	if err != nil {
		return err
	}
	field.Set(cut)
	return nil
}

// fileBlocks asks the NameNode for the located blocks of name, as values
// of the type the library's reader keeps them in.
func fileBlocks(r *hdfs.FileReader, name string) (reflect.Value, error) {
	field, err := blocksField(r)
	if err != nil {
		return reflect.Value{}, err
	}
	c, err := readerClient(r)
	if err != nil {
		return reflect.Value{}, err
	}
	resp, err := rawCall(c, "getBlockLocations", "GetBlockLocationsRequestProto", "GetBlockLocationsResponseProto",
		map[string]any{"src": cleanPath(name), "offset": uint64(0), "length": uint64(max(r.Stat().Size(), 1))})
	if err != nil {
		return reflect.Value{}, err
	}
	locs := reflect.ValueOf(resp.Interface()).MethodByName("GetLocations")
	if !locs.IsValid() {
		return reflect.Value{}, errNoRawRPC
	}
	get := locs.Call(nil)[0].MethodByName("GetBlocks")
	if !get.IsValid() {
		return reflect.Value{}, errNoRawRPC
	}
	blocks := get.Call(nil)[0]
	if blocks.Type() != field.Type() {
		return reflect.Value{}, errNoRawRPC
	}
	return blocks, nil
}

// blocksField is the library reader's cache of the file's located blocks
// (FileReader.blocks), settable.
func blocksField(r *hdfs.FileReader) (reflect.Value, error) {
	return unexported(reflect.ValueOf(r).Elem(), "blocks", reflect.Slice)
}

// readerClient is the client the library's reader reads with.
func readerClient(r *hdfs.FileReader) (*hdfs.Client, error) {
	f, err := unexported(reflect.ValueOf(r).Elem(), "client", reflect.Pointer)
	if err != nil {
		return nil, err
	}
	c, ok := f.Interface().(*hdfs.Client)
	if !ok || c == nil {
		return nil, errNoRawRPC
	}
	return c, nil
}

// unexported is the settable field name of the struct v, if it is of kind k.
func unexported(v reflect.Value, name string, k reflect.Kind) (reflect.Value, error) {
	f := v.FieldByName(name)
	if !f.IsValid() || f.Kind() != k {
		return reflect.Value{}, errors.Join(errNoRawRPC, errors.New("no field "+name))
	}
	return reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem(), nil
}
