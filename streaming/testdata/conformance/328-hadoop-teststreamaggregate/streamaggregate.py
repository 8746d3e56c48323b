#!/usr/bin/env python3
# Port of Hadoop's StreamAggregate test helper: LongValueSum:word TAB 1 for
# every "."-separated word.
import sys

for line in sys.stdin:
    for word in line.rstrip("\n").split("."):
        if word:
            print(f"LongValueSum:{word}\t1")
