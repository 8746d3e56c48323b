#!/bin/sh
# 120 counters of the task's own (a map task holds one more).
i=0
while [ $i -lt 120 ]; do echo "reporter:counter:G,c$i,1" >&2; i=$((i+1)); done
cat
