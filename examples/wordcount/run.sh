#!/bin/sh
# Runs the word count example on zebra's embedded local runner, exactly as
# the same job runs on Hadoop:
#
#   hadoop jar $HADOOP_HOME/share/hadoop/tools/lib/hadoop-streaming-3.4.1.jar \
#     -files mapper.py,reducer.py -input input.txt -output out \
#     -mapper mapper.py -reducer reducer.py
#
# Usage: examples/wordcount/run.sh [OUTPUT_DIR]   (default: a new temp dir)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=${1:-$(mktemp -d)/out}
cd "$here"
# zebra links libzmq, zlib and libbz2 (cgo): install them on Debian if missing.
"$top/scripts/deps.sh" build
go build -o "$top/bin/zebra" "$top/cmd/zebra"
"$top/bin/zebra" streaming -files mapper.py,reducer.py \
  -input input.txt -output "$out" -mapper mapper.py -reducer reducer.py
echo "--- $out/part-00000"
cat "$out/part-00000"
