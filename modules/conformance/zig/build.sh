#!/usr/bin/env bash
# sdk: guest-sdk/zig
# Builds the Zig guests of the conformance suite (modules/conformance/PROTOCOL.md) and the
# Zig benchmark guests into OUTDIR:
#
#   ./build.sh OUTDIR    # conf_zig, conf_zig_server, conf_zig_server_v2, bench_zig_noop, bench_zig_pong
#
# Exits with status 3 when zig is missing (scripts/guests.sh skips it then). ReleaseSmall,
# for the reason given in guest-sdk/zig/hatchery/zig.sh.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../guest-build.sh" zig Zig "$@"
# shellcheck source=../../../guest-sdk/zig/hatchery/zig.sh
source "$here/../../../guest-sdk/zig/hatchery/zig.sh"
hatchery_zig_find || exit 3

cd "$here"
hatchery_zig_build "$out/conf_zig.wasm" conf_zig.zig main
hatchery_zig_build "$out/conf_zig_server.wasm" conf_zig_server.zig upgradable
hatchery_zig_build "$out/conf_zig_server_v2.wasm" conf_zig_server_v2.zig upgradable
hatchery_zig_build "$out/bench_zig_noop.wasm" bench_zig_noop.zig main
hatchery_zig_build "$out/bench_zig_pong.wasm" bench_zig_pong.zig main
