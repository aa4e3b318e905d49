#!/usr/bin/env bash
# sdk: guest-sdk/c
# Builds the polyglot app's C module (apps/polyglot/README.md) into OUTDIR:
#
#   ./build.sh OUTDIR    # poly_ticker.wasm
#
# Exits with status 3 when clang or wasm-ld is missing (scripts/guests.sh skips it then).
set -euo pipefail
if [ $# -ne 1 ]; then
  echo "usage: $0 OUTDIR" >&2
  exit 2
fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mkdir -p "$1"
out="$(cd "$1" && pwd)"
# shellcheck source=../../../guest-sdk/c/cc.sh
source "$here/../../../guest-sdk/c/cc.sh"
hx_find_toolchain || exit 3

hx_cc "$out/poly_ticker.wasm" "$here/poly_ticker.c"
