#!/usr/bin/env python3
# Port of Hadoop's TrAppReduce test helper: tr(1) for a reducer.
import sys

find, replace = sys.argv[1][0], sys.argv[2][0]
for line in sys.stdin:
    sys.stdout.write(line.rstrip("\n").replace(find, replace) + "\n")
