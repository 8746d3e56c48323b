#!/usr/bin/env bash
# zebra's static checks: gofmt, go vet and staticcheck (from the Go module
# proxy, pinned) over the whole module. Part of scripts/test.sh; `make lint`.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

echo "== go vet"
go vet ./...

echo "== staticcheck"
go run honnef.co/go/tools/cmd/staticcheck@v0.7.0 ./...
