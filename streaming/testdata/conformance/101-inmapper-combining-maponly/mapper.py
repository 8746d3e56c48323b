#!/usr/bin/env python3
# In-mapper combining: counts kept in a dict across every line, emitted once at the end.
import sys

counts = {}
for line in sys.stdin:
    for word in line.split():
        counts[word] = counts.get(word, 0) + 1
for word in sorted(counts):
    print("%s\t%d" % (word, counts[word]))
