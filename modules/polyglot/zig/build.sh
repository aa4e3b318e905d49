#!/usr/bin/env bash
# sdk: guest-sdk/zig
# Builds poly_kv, the Zig key-value store of the polyglot app (apps/polyglot/README.md),
# into OUTDIR:
#
#   ./build.sh OUTDIR    # poly_kv.wasm
#
# Exits with status 3 when zig is missing (scripts/guests.sh skips it then).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../guest-build.sh" zig Zig "$@"
# shellcheck source=../../../guest-sdk/zig/hatchery/zig.sh
source "$here/../../../guest-sdk/zig/hatchery/zig.sh"
hatchery_zig_find || exit 3

cd "$here"
hatchery_zig_build "$out/poly_kv.wasm" poly_kv.zig upgradable
