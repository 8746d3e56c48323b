#!/usr/bin/env python3
# Port of Hadoop's UniqApp test helper: uniq(1) that prefixes each line
# with argv[1].
import sys

prefix = sys.argv[1] if len(sys.argv) > 1 else ""
prev = None
for line in sys.stdin:
    line = line.rstrip("\n")
    if line != prev:
        sys.stdout.write(prefix + line + "\n")
    prev = line
