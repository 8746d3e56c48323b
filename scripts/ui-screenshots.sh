#!/usr/bin/env bash
# Regenerates the screenshots of docs/ui.md: starts a local cluster
# (`zebra up --no-swift`, two workers), runs a job that succeeds, one that
# fails and one that keeps running, and has headless Chromium take a
# full-page screenshot of every page of the web UI at desktop (1280 px)
# and phone (390 px) width into docs/ui/*.png (cmd/zebra's
# TestUIScreenshots, suite "browser"). Needs Chromium (Debian's chromium
# package; installed when missing and running as root).
#
#   scripts/ui-screenshots.sh            write docs/ui/*.png
#   scripts/ui-screenshots.sh DIR        write DIR/*.png instead
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-$PWD/docs/ui}"
if ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
  else
    echo "ui-screenshots.sh: no Chromium: install Debian's chromium package" >&2
    exit 1
  fi
fi
mkdir -p "$out"
ZEBRA_SUITES=browser ZEBRA_UI_SHOTS="$(cd "$out" && pwd)" \
  go test -count=1 -timeout 10m -run '^TestUIScreenshots$' -v ./cmd/zebra
ls -l "$out"/*.png
