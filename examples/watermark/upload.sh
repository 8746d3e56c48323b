#!/bin/sh
# Builds the watermark app, uploads it to Swift as apps/watermark.wasm and
# a generated sample photo as images/photo.jpg (containers made if needed),
# and prints the URL that opens the photo watermarked.
#
# Needs the environment `eval "$(zebra up)"` sets (ST_AUTH, ST_USER, ST_KEY,
# ZEBRA_JOBTRACKER) and the swift command-line client (python3-swiftclient,
# installed with Swift by `zebra up`).
#
# Usage: examples/watermark/upload.sh [IMAGE]   (default: a generated 800x600 JPEG)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
: "${ST_AUTH:?run eval \"\$(zebra up)\" first}" "${ZEBRA_JOBTRACKER:?run eval \"\$(zebra up)\" first}"
"$here/build.sh"
image=${1:-}
if [ -z "$image" ]; then
  image=$(mktemp -d)/photo.jpg
  (cd "$here" && go run ./sample -o "$image" -size 800x600)
fi
case "$image" in
  *.png) name=photo.png ;;
  *) name=photo.jpg ;;
esac
swift upload --object-name watermark.wasm apps "$here/watermark.wasm" >/dev/null
swift upload --object-name "$name" images "$image" >/dev/null
echo "uploaded apps/watermark.wasm and images/$name; open (with your token, e.g. logged in to the web UI):"
echo "  $ZEBRA_JOBTRACKER/open/images/$name?app=apps/watermark.wasm&text=hello"
