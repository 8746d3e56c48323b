#!/usr/bin/env python3
# Port of the scripts of Hadoop's TestStreamingStatus: status and counter
# reporter: lines before, while and after reading input.
import sys

role = sys.argv[1]
sys.stderr.write(f"reporter:status:{role} starting\n")
sys.stderr.write("reporter:counter:myOwnCounterGroup,myOwnCounter,1\n")
for line in sys.stdin:
    sys.stdout.write(line)
    sys.stderr.write(f"reporter:counter:myOwnCounterGroup,{role}Lines,1\n")
sys.stderr.write(f"reporter:status:{role} done\n")
sys.stderr.write("reporter:counter:myOwnCounterGroup,myOwnCounter,1\n")
