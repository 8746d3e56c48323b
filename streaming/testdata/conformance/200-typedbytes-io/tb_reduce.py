#!/usr/bin/env python3
# Port of Hadoop's TypedBytesReduceApp: sums the typed int values of each
# run of equal typed keys and writes (key, sum) in typed bytes.
import struct, sys

inp, out = sys.stdin.buffer, sys.stdout.buffer

def read_raw():
    code = inp.read(1)
    if not code:
        return None
    c = code[0]
    if c == 3:
        return code + inp.read(4)
    if c in (0, 7):
        n = inp.read(4)
        return code + n + inp.read(struct.unpack(">i", n)[0])
    raise SystemExit("tb_reduce.py: unexpected type code %d" % c)

prev, total = None, 0
while True:
    key = read_raw()
    if key is None:
        break
    if prev is not None and key != prev:
        out.write(prev + bytes([3]) + struct.pack(">i", total))
        total = 0
    value = read_raw()
    total += struct.unpack(">i", value[1:5])[0]
    prev = key
if prev is not None:
    out.write(prev + bytes([3]) + struct.pack(">i", total))
out.flush()
