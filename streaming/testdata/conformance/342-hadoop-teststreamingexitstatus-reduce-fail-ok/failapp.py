#!/usr/bin/env python3
# Port of Hadoop's FailApp test helper: copies its input to its output, then
# fails (exit 1, as an uncaught Java exception does) unless argv[1] is "false".
import sys

for line in sys.stdin:
    sys.stdout.write(line)
if not (len(sys.argv) > 1 and sys.argv[1] == "false"):
    sys.stderr.write("Intentionally failing task\n")
    sys.exit(1)
