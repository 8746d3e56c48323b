#!/bin/sh
# Regenerates streaming/testdata/split_golden.tsv from the real Hadoop
# streaming classes, using the jars fetched by scripts/hadoop-oracle.sh:
#   scripts/hadoop-oracle.sh install
#   streaming/testdata/javaref/regen.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
cp=$("$root/scripts/hadoop-oracle.sh" classpath)
java -cp "$cp" "$here/SplitGolden.java" "$root/streaming/testdata/split_golden.tsv"
