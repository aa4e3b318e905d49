#!/usr/bin/env bash
# sdk: guest-sdk/assemblyscript
# Builds the polyglot app's AssemblyScript module (apps/polyglot/README.md), poly_counter,
# and its second build poly_counter_v2 (a hot-swap test loads it as a new version) into
# OUTDIR:  build.sh OUTDIR
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../guest-build.sh" asc AssemblyScript "$@"
cd "$here"
# asc names the abort handler by its path from here, without the .ts. --debug only adds
# the name section (about 6 KB), so that a trap's backtrace names the functions.
sdk=../../../guest-sdk/assemblyscript/hatchery
flags=(--runtime incremental -O3 --debug --exportStart _initialize
  --use "abort=$sdk/abort/hatcheryAbort")
# One asc per guest (each takes seconds), as many at once as there are CPUs; xargs fails
# if any of them does.
printf '%s\n' poly_counter poly_counter_v2 |
  xargs -P "$(nproc 2>/dev/null || echo 2)" -I{} asc {}.ts -o "$out/{}.wasm" "${flags[@]}"
