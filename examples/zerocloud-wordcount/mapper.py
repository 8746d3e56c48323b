"""ZeroCloud word count map instance.

Reads its object from /dev/input, counts the words of every line and
writes "count word" lines to its channels in /dev/out: to /dev/out/reduce
when there is one reduce instance, else each word to the instance chosen
by a hash of the word (so every instance sees all counts of its words).
"""
import collections
import os
import zlib

counts = collections.Counter()
with open("/dev/input", "rb") as f:
    for line in f:
        counts.update(line.decode("utf-8", "surrogateescape").split())

outs = sorted(os.listdir("/dev/out"))
files = [open(os.path.join("/dev/out", name), "w", encoding="utf-8", errors="surrogateescape") for name in outs]
for word, n in counts.items():
    i = zlib.crc32(word.encode("utf-8", "surrogateescape")) % len(files) if len(files) > 1 else 0
    files[i].write(f"{n} {word}\n")
for f in files:
    f.close()
