#!/usr/bin/env python3
import sys
cur = None
n = 0
for line in sys.stdin:
    k, v = line.rstrip("\n").split("\t", 1)
    if k != cur:
        if cur is not None:
            print("%s\t%d" % (cur, n))
        cur, n = k, 0
    n += int(v)
if cur is not None:
    print("%s\t%d" % (cur, n))
