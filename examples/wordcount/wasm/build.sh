#!/bin/sh
# Builds the Go word count mapper and reducer as WASI preview 1 modules,
# mapper.wasm and reducer.wasm beside this script, for zebra's wasm backend:
#
#   zebra streaming -files mapper.wasm,reducer.wasm -input ../input.txt \
#     -output out -mapper mapper.wasm -reducer reducer.wasm
#
# Usage: examples/wordcount/wasm/build.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
for prog in mapper reducer; do
  GOOS=wasip1 GOARCH=wasm go build -trimpath -o "$prog.wasm" "./$prog"
done
ls -l mapper.wasm reducer.wasm
