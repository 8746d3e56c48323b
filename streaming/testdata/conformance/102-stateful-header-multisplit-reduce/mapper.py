#!/usr/bin/env python3
# State across lines: the first line a mapper sees, its line count and a running total, emitted at the end.
import sys

first, n, total = None, 0, 0
for line in sys.stdin:
    fields = line.split()
    if first is None:
        first = fields[1]
    n += 1
    total += int(fields[2])
print("%s\tlines=%d total=%d" % (first, n, total))
