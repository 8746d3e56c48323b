#!/bin/sh
# Builds the watermark app as a WASI preview 1 module, watermark.wasm beside
# this script (not committed), for zebra's run on open.
#
# Usage: examples/watermark/build.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
GOOS=wasip1 GOARCH=wasm go build -trimpath -o watermark.wasm .
ls -l watermark.wasm
