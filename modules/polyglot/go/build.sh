#!/usr/bin/env bash
# sdk: guest-sdk/go
# Builds poly_go_user (apps/polyglot) into OUTDIR.
#
#   ./build.sh OUTDIR
#
# Exits with status 3 when Go (>= 1.24) is not installed.
set -euo pipefail
if [ $# -ne 1 ]; then
  echo "usage: $0 OUTDIR" >&2
  exit 2
fi
out="$(mkdir -p "$1" && cd "$1" && pwd)"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tools="${HATCHERY_TOOLS:-$HOME/.cache/hatchery/tools}"
if ! command -v go >/dev/null 2>&1; then
  PATH="$tools/bin:$PATH"
fi
if ! command -v go >/dev/null 2>&1; then
  echo "Go toolchain missing: run ./scripts/toolchains.sh go" >&2
  exit 3
fi
# Never the network, never ~/go or ~/.config/go.
export GOCACHE="${GOCACHE:-$tools/go-cache}" GOPATH="${GOPATH:-$tools/gopath}"
export GOTOOLCHAIN=local GOTELEMETRY=off GOPROXY=off GOFLAGS="${GOFLAGS:--mod=mod}"
export XDG_CONFIG_HOME="${XDG_CONFIG_HOME:-$tools/config}"

cd "$here"
GOOS=wasip1 GOARCH=wasm go build -trimpath -o "$out/poly_go_user.wasm" .
