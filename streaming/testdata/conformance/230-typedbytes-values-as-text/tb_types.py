#!/usr/bin/env python3
# Writes typed bytes records of many types (one per input line, keyed by a
# typed string) for an IdentityReducer, so that TextOutputFormat prints each
# value with TypedBytesWritable.toString.
import struct, sys

out = sys.stdout.buffer

def s(v):
    b = v.encode("utf-8")
    return bytes([7]) + struct.pack(">i", len(b)) + b

def i(v):
    return bytes([3]) + struct.pack(">i", v)

values = [
    ("a-int", i(-42)),
    ("b-long", bytes([4]) + struct.pack(">q", 1 << 40)),
    ("c-byte", bytes([1]) + struct.pack(">b", -5)),
    ("d-bool", bytes([2, 1])),
    ("e-double", bytes([6]) + struct.pack(">d", 1.5)),
    ("f-double-big", bytes([6]) + struct.pack(">d", 1e7)),
    ("g-double-small", bytes([6]) + struct.pack(">d", 1e-4)),
    ("h-double-frac", bytes([6]) + struct.pack(">d", 123456789.125)),
    ("i-float", bytes([5]) + struct.pack(">f", 0.1)),
    ("j-list", bytes([9]) + i(1) + s("x") + bytes([255])),
    ("k-vector", bytes([8]) + struct.pack(">i", 2) + i(7) + s("y")),
    ("l-map", bytes([10]) + struct.pack(">i", 2) + s("b") + i(1) + s("a") + i(2)),
    ("m-string", s("héllo wörld")),
    ("n-double-neg", bytes([6]) + struct.pack(">d", -0.0)),
]
sys.stdin.buffer.read()
for k, v in values:
    out.write(s(k) + v)
out.flush()
