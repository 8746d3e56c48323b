#!/bin/sh
# Reports counters whether or not it gets input.
echo "reporter:counter:UserCounters,Started,1" >&2
n=0
while IFS= read -r line; do n=$((n+1)); echo "$line"; done
echo "reporter:counter:UserCounters,Lines,$n" >&2
echo "reporter:counter:UserCounters,Done,1" >&2
