#!/usr/bin/env bash
# Builds {{name}}.wasm beside this script: ./build.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tools="${HATCHERY_TOOLS:-$HOME/.cache/hatchery/tools}"
if ! command -v go >/dev/null 2>&1; then
  PATH="$tools/bin:$PATH"
fi
if ! command -v go >/dev/null 2>&1; then
  echo "Go toolchain missing: run ./scripts/toolchains.sh go in a Hatchery checkout (or install Go >= 1.24)" >&2
  exit 3
fi
# Standard library only: the build never needs the network. Caches live with the
# Hatchery tools rather than in ~/go, unless you chose otherwise.
export GOCACHE="${GOCACHE:-$tools/go-cache}" GOPATH="${GOPATH:-$tools/gopath}"
export GOTOOLCHAIN=local GOTELEMETRY=off GOPROXY=off GOFLAGS="${GOFLAGS:--mod=mod}"
export XDG_CONFIG_HOME="${XDG_CONFIG_HOME:-$tools/config}"
cd "$here"
GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -trimpath -o {{name}}.wasm .
echo "built $here/{{name}}.wasm"
