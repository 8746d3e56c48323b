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
# zebra links libzmq (its cluster shuffle); install it on Debian if missing.
if ! pkg-config --exists libzmq 2>/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing libzmq3-dev (needed to build zebra) ..." >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq && apt-get install -y -qq libzmq3-dev pkg-config >&2
  else
    echo "zebra needs libzmq to build: run 'apt-get install libzmq3-dev pkg-config' as root" >&2
    exit 1
  fi
fi
go build -o "$top/bin/zebra" "$top/cmd/zebra"
"$top/bin/zebra" streaming -files mapper.py,reducer.py \
  -input input.txt -output "$out" -mapper mapper.py -reducer reducer.py
echo "--- $out/part-00000"
cat "$out/part-00000"
