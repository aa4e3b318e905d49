#!/usr/bin/env bash
# sdk: guest-sdk/go
# Builds poly_go_user (apps/polyglot) into OUTDIR.
#
#   ./build.sh OUTDIR
#
# Exits with status 3 when Go (>= 1.24) is not installed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../guest-build.sh" go Go "$@"
# Never the network, never ~/go or ~/.config/go.
export GOCACHE="${GOCACHE:-$tools/go-cache}" GOPATH="${GOPATH:-$tools/gopath}"
export GOTOOLCHAIN=local GOTELEMETRY=off GOPROXY=off GOFLAGS="${GOFLAGS:--mod=mod}"
export XDG_CONFIG_HOME="${XDG_CONFIG_HOME:-$tools/config}"

cd "$here"
GOOS=wasip1 GOARCH=wasm go build -trimpath -o "$out/poly_go_user.wasm" .
