#!/usr/bin/env bash
# sdk: guest-sdk/zig
# Builds poly_kv, the Zig key-value store of the polyglot app (apps/polyglot/README.md),
# into OUTDIR:
#
#   ./build.sh OUTDIR    # poly_kv.wasm
#
# Exits with status 3 when zig is missing (scripts/guests.sh skips it then).
set -euo pipefail
if [ $# -ne 1 ]; then
  echo "usage: $0 OUTDIR" >&2
  exit 2
fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mkdir -p "$1"
out="$(cd "$1" && pwd)"
# shellcheck source=../../../guest-sdk/zig/hatchery/zig.sh
source "$here/../../../guest-sdk/zig/hatchery/zig.sh"
hatchery_zig_find || exit 3

cd "$here"
hatchery_zig_build "$out/poly_kv.wasm" poly_kv.zig upgradable
