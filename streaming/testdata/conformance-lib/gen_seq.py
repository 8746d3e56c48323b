#!/usr/bin/env python3
"""Writes uncompressed SequenceFiles (version 6) for the conformance cases.

gen_seq.py FILE KEYCLASS VALUECLASS RECORDS_SPEC
KEYCLASS/VALUECLASS: text, int, long, bytes. RECORDS_SPEC is one of:
  words      the Hadoop test words with counts
  lines      TextInputFormat-like (offset, line) records of three lines
  bulk:N     N records with 40-byte text values (sync markers every 100 KB)
The sync marker is fixed (this is test data), and written as Hadoop's
SequenceFile.Writer does: before the first record at or after 102400 bytes
past the last one.
"""
import struct, sys

SYNC = bytes(range(0x41, 0x51))
CLASSES = {
    "text": "org.apache.hadoop.io.Text",
    "int": "org.apache.hadoop.io.IntWritable",
    "long": "org.apache.hadoop.io.LongWritable",
    "bytes": "org.apache.hadoop.io.BytesWritable",
}

def vint(v):
    if -112 <= v <= 127:
        return struct.pack(">b", v)
    n = -112
    if v < 0:
        v ^= -1
        n = -120
    t = v
    while t:
        t >>= 8
        n -= 1
    out = struct.pack(">b", n)
    k = -(n + 120) if n < -120 else -(n + 112)
    for i in range(k, 0, -1):
        out += bytes([(v >> ((i - 1) * 8)) & 0xFF])
    return out

def ser(cls, v):
    if cls == "text":
        b = v.encode("utf-8")
        return vint(len(b)) + b
    if cls == "int":
        return struct.pack(">i", v)
    if cls == "long":
        return struct.pack(">q", v)
    if cls == "bytes":
        return struct.pack(">i", len(v)) + v
    raise SystemExit("unknown class " + cls)

def records(spec):
    if spec == "words":
        for i, w in enumerate(["roses", "are", "red", "violets", "are", "blue"]):
            yield w, i + 1
    elif spec == "lines":
        off = 0
        for line in ["roses.are.red", "violets.are.blue", "bunnies.are.pink"]:
            yield off, line
            off += len(line) + 1
    elif spec.startswith("bulk:"):
        for i in range(int(spec[5:])):
            yield "key-%07d" % i, "value %07d %s" % (i, "x" * 26)
    else:
        raise SystemExit("unknown spec " + spec)

def conv(cls, v):
    if cls == "bytes":
        return v.encode() if isinstance(v, str) else str(v).encode()
    if cls in ("int", "long"):
        return v if isinstance(v, int) else len(v)
    return v if isinstance(v, str) else str(v)

path, kc, vc, spec = sys.argv[1:5]
out = bytearray(b"SEQ\x06")
for c in (kc, vc):
    name = CLASSES[c].encode()
    out += vint(len(name)) + name
out += b"\x00\x00" + struct.pack(">i", 0) + SYNC
last = 0
for k, v in records(spec):
    kb, vb = ser(kc, conv(kc, k)), ser(vc, conv(vc, v))
    if len(out) >= last + 102400:
        out += struct.pack(">i", -1) + SYNC
        last = len(out)
    out += struct.pack(">ii", len(kb) + len(vb), len(kb)) + kb + vb
open(path, "wb").write(out)
