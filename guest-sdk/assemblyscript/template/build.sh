#!/usr/bin/env bash
# Builds {{name}}.wasm from {{name}}.ts:  ./build.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
PATH="$PATH:${HATCHERY_TOOLS:-$HOME/.cache/hatchery/tools}/bin"
if ! command -v asc >/dev/null 2>&1; then
  echo "AssemblyScript toolchain missing: run ./scripts/toolchains.sh assemblyscript in a" >&2
  echo "Hatchery clone (or: npm install -g assemblyscript@0.28.20)" >&2
  exit 3
fi
# --use abort: no env.abort import (a node refuses it); --exportStart: the top-level code
# is the _initialize the node calls; incremental: a GC for a long-lived process; --debug:
# function names in a crash's backtrace.
asc {{name}}.ts -o {{name}}.wasm --runtime incremental -O3 --debug --exportStart _initialize \
  --use abort=hatchery/abort/hatcheryAbort
echo "built {{name}}.wasm"
