#!/usr/bin/env python3
# Like raw_reduce.py, but writes (key, sum as a 4-byte int) back in the
# rawbytes protocol.
import struct, sys

inp, out = sys.stdin.buffer, sys.stdout.buffer

def read():
    n = inp.read(4)
    if len(n) < 4:
        return None
    return inp.read(struct.unpack(">i", n)[0])

def emit(key, total):
    out.write(struct.pack(">i", len(key)) + key + struct.pack(">i", 4) + struct.pack(">i", total))

prev, total = None, 0
while True:
    key = read()
    if key is None:
        break
    if prev is not None and key != prev:
        emit(prev, total)
        total = 0
    total += struct.unpack(">i", read())[0]
    prev = key
if prev is not None:
    emit(prev, total)
out.flush()
