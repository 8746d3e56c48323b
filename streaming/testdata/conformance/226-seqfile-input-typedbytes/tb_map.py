#!/usr/bin/env python3
# Port of Hadoop's TypedBytesMapApp: reads typed bytes (key, value) pairs,
# splits each value's text at the separator given as argument and writes
# (part, 1) as a typed string and a typed int.
import struct, sys

inp, out = sys.stdin.buffer, sys.stdout.buffer

def read():
    code = inp.read(1)
    if not code:
        return None
    c = code[0]
    if c == 3:
        return struct.unpack(">i", inp.read(4))[0]
    if c == 4:
        return struct.unpack(">q", inp.read(8))[0]
    if c in (0, 7):
        n = struct.unpack(">i", inp.read(4))[0]
        b = inp.read(n)
        return b.decode("utf-8") if c == 7 else b
    raise SystemExit("tb_map.py: unexpected type code %d" % c)

def write_string(s):
    b = s.encode("utf-8")
    out.write(bytes([7]) + struct.pack(">i", len(b)) + b)

def write_int(i):
    out.write(bytes([3]) + struct.pack(">i", i))

sep = sys.argv[1]
while True:
    key = read()
    if key is None:
        break
    value = read()
    for part in str(value).split(sep):
        write_string(part)
        write_int(1)
out.flush()
