#!/usr/bin/env bash
# Builds the Go oracle offline (GOPATH mode over Debian's /usr/share/gocode, no module proxy),
# runs its own tests, then checks every golden case that asks for it (fixtures/cases/*/go-oracle).
# usage: run-oracle.sh GO OUT_DIR
set -euo pipefail
go=${1:?go binary}
out=${2:?output directory}
src=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$out"
export GO111MODULE=off GOPATH=/usr/share/gocode GOFLAGS= GOCACHE="$out/cache"
cd "$src"
"$go" vet ./test/go/oracle
"$go" test -count=1 ./test/go/oracle
"$go" build -o "$out/oracle" ./test/go/oracle
"$out/oracle" fixtures/cases/*/
