#!/usr/bin/env bash
# sdk: guest-sdk/c
# Builds the C guests of the conformance suite (modules/conformance/PROTOCOL.md) and the C
# benchmark guests into OUTDIR:
#
#   ./build.sh OUTDIR    # conf_c, conf_c_server, conf_c_server_v2, bench_c_noop, bench_c_pong
#
# Exits with status 3 when clang or wasm-ld is missing (scripts/guests.sh skips it then).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../guest-build.sh" clang C "$@"
# shellcheck source=../../../guest-sdk/c/cc.sh
source "$here/../../../guest-sdk/c/cc.sh"
hx_find_toolchain || exit 3

hx_cc "$out/conf_c.wasm" "$here/conf_c.c"
hx_cc "$out/conf_c_server.wasm" "$here/conf_c_server.c" -DVERSION=1
hx_cc "$out/conf_c_server_v2.wasm" "$here/conf_c_server.c" -DVERSION=2
hx_cc "$out/bench_c_noop.wasm" "$here/bench_c_noop.c"
hx_cc "$out/bench_c_pong.wasm" "$here/bench_c_pong.c"
