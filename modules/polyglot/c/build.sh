#!/usr/bin/env bash
# sdk: guest-sdk/c
# Builds the polyglot app's C module (apps/polyglot/README.md) into OUTDIR:
#
#   ./build.sh OUTDIR    # poly_ticker.wasm
#
# Exits with status 3 when clang or wasm-ld is missing (scripts/guests.sh skips it then).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../guest-build.sh" clang C "$@"
# shellcheck source=../../../guest-sdk/c/cc.sh
source "$here/../../../guest-sdk/c/cc.sh"
hx_find_toolchain || exit 3

hx_cc "$out/poly_ticker.wasm" "$here/poly_ticker.c"
