#!/usr/bin/env python3
# Port of Hadoop's RawBytesReduceApp: reads rawbytes (key, IntWritable)
# pairs, sums the values of each run of equal keys and prints
# "key<TAB>sum" lines.
import struct, sys

inp, out = sys.stdin.buffer, sys.stdout.buffer

def read():
    n = inp.read(4)
    if len(n) < 4:
        return None
    return inp.read(struct.unpack(">i", n)[0])

prev, total = None, 0
while True:
    key = read()
    if key is None:
        break
    if prev is not None and key != prev:
        out.write(prev + b"\t" + str(total).encode() + b"\n")
        total = 0
    total += struct.unpack(">i", read())[0]
    prev = key
if prev is not None:
    out.write(prev + b"\t" + str(total).encode() + b"\n")
out.flush()
