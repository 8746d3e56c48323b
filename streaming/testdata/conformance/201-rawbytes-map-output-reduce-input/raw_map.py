#!/usr/bin/env python3
# Port of Hadoop's RawBytesMapApp: reads text lines, splits them at the
# separator given as argument and writes each part and the IntWritable 1 in
# the rawbytes protocol (4-byte length, bytes).
import struct, sys

out = sys.stdout.buffer
sep = sys.argv[1].encode()
for line in sys.stdin.buffer:
    line = line.rstrip(b"\n")
    for part in line.split(sep):
        out.write(struct.pack(">i", len(part)) + part)
        out.write(struct.pack(">i", 4) + struct.pack(">i", 1))
out.flush()
