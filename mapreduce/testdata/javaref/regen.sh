#!/bin/sh
# Regenerates the golden files read by zebra's Go tests from the real
# Hadoop 3.4.1 classes (JDK 17 required: Double.toString changed in JDK 19).
#   mapreduce/testdata/javaref/regen.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
cp="$(mktemp)"
trap 'rm -f "$cp"' EXIT
(cd "$here" && mvn -q dependency:build-classpath -Dmdep.outputFile="$cp")
java -version 2>&1 | grep -q '"17\.' || echo "warning: not JDK 17; Double.toString output may differ" >&2
java -cp "$(cat "$cp")" "$here/GenGolden.java" "$root/mapreduce/testdata" "$root/streaming/testdata"
