#!/usr/bin/env bash
# sdk: guest-sdk/js
# sdk: guest-sdk/wit
# Builds the JavaScript guests of the conformance suite into OUTDIR, as components of the
# hatchery:process world (componentize-qjs): conf_js (world process), conf_js_server and
# conf_js_server_v2 (world upgradable-behaviour), and the benchmark guests bench_js_noop
# and bench_js_pong (world process).
#
#   ./build.sh OUTDIR
#
# Exits with status 3 when componentize-qjs is not installed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../guest-build.sh" componentize-qjs JavaScript "$@"

build() { # build MODULE WORLD
  "$root/guest-sdk/js/hatchery/componentize.sh" "$root/guest-sdk/wit" "$2" \
    "$here/$1.js" "$out/$1.wasm"
}
build conf_js process
build conf_js_server upgradable-behaviour
build conf_js_server_v2 upgradable-behaviour
build bench_js_noop process
build bench_js_pong process
