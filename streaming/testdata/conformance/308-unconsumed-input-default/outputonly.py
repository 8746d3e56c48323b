#!/usr/bin/env python3
# Port of Hadoop's OutputOnlyApp test helper: writes argv[1] "key\tvalue"
# lines and exits without reading its input.
import sys

for i in range(int(sys.argv[1])):
    sys.stdout.write("key\tvalue\n")
