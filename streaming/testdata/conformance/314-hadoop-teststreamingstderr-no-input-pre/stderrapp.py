#!/usr/bin/env python3
# Port of Hadoop's StderrApp test helper: writes argv[1] lines to stderr
# before reading input, argv[2] per input line while reading, argv[3]
# after, and passes its input through.
import sys

pre, during, post = (int(a) for a in sys.argv[1:4])
for i in range(pre):
    sys.stderr.write("a line of stderr before reading input\n")
for line in sys.stdin:
    sys.stdout.write(line)
    for i in range(during):
        sys.stderr.write("a line of stderr while reading input\n")
for i in range(post):
    sys.stderr.write("a line of stderr after reading input\n")
