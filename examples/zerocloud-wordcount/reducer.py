"""ZeroCloud word count reduce instance.

Reads every channel in /dev/in (one per map instance: /dev/in/map-1,
/dev/in/map-2, ...), each holding "count word" lines, sums the counts of
each word and prints "word<TAB>total" lines sorted by word (as the
streaming word count's output) on stdout, which the job stores.
"""
import collections
import os
import sys

totals = collections.Counter()
for name in sorted(os.listdir("/dev/in")):
    with open(os.path.join("/dev/in", name), encoding="utf-8", errors="surrogateescape") as f:
        for line in f:
            n, _, word = line.rstrip("\n").partition(" ")
            totals[word] += int(n)

out = sys.stdout
for word in sorted(totals, key=lambda w: w.encode("utf-8", "surrogateescape")):
    out.write(f"{word}\t{totals[word]}\n")
