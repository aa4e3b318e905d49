#!/usr/bin/env bash
# sdk: guest-sdk/go
# Builds the Go guests of the conformance suite into OUTDIR: conf_go (a command),
# conf_go_server and conf_go_server_v2 (behaviours, -buildmode=c-shared), and the
# benchmark guests bench_go_noop and bench_go_pong (commands).
#
#   ./build.sh OUTDIR
#
# Exits with status 3 when Go (>= 1.24, for //go:wasmexport) is not installed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../guest-build.sh" go Go "$@"
# Never the network, never ~/go or ~/.config/go.
export GOCACHE="${GOCACHE:-$tools/go-cache}" GOPATH="${GOPATH:-$tools/gopath}"
export GOTOOLCHAIN=local GOTELEMETRY=off GOPROXY=off GOFLAGS="${GOFLAGS:--mod=mod}"
export XDG_CONFIG_HOME="${XDG_CONFIG_HOME:-$tools/config}"
export GOOS=wasip1 GOARCH=wasm

cd "$here"
build() { # build MODULE [go build flags...]
  local module="$1"
  shift
  go build -trimpath "$@" -o "$out/$module.wasm" "./$module"
}
build conf_go
build conf_go_server -buildmode=c-shared
build conf_go_server_v2 -buildmode=c-shared
build bench_go_noop
build bench_go_pong
