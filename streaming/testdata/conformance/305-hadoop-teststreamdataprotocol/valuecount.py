#!/usr/bin/env python3
# Port of Hadoop's ValueCountReduce test helper: the number of values of
# each key (the reducer sees key TAB value lines, sorted by key).
import sys

key, count = None, 0
for line in sys.stdin:
    k = line.rstrip("\n").split("\t", 1)[0]
    if k != key and key is not None:
        print(f"{key}\t{count}")
        count = 0
    key = k
    count += 1
if key is not None:
    print(f"{key}\t{count}")
