#!/usr/bin/env python3
# Port of Hadoop's TrApp test helper: a minimal tr(1) (argv[1] -> argv[2],
# "\n" unescaped), reporting one UserCounters/InputLines count per input line.
import sys

def unescape(s):
    return "\n" if s == "\\n" else s

find, replace = unescape(sys.argv[1])[0], unescape(sys.argv[2])[0]
for line in sys.stdin:
    sys.stdout.write(line.rstrip("\n").replace(find, replace) + "\n")
    sys.stderr.write("reporter:counter:UserCounters,InputLines,1\n")
