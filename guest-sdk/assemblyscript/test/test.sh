#!/usr/bin/env bash
# Runs the SDK's unit tests: builds json_test.ts and mailbox_test.ts into one module and
# runs its test_* exports under Node against the fake host in run.mjs.
#
#   guest-sdk/assemblyscript/test/test.sh
set -euo pipefail
PATH="$PATH:${HATCHERY_TOOLS:-$HOME/.cache/hatchery/tools}/bin"
if ! command -v asc >/dev/null 2>&1; then
  echo "AssemblyScript toolchain missing: run ./scripts/toolchains.sh assemblyscript" >&2
  exit 3
fi
cd "$(dirname "${BASH_SOURCE[0]}")"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
asc json_test.ts mailbox_test.ts -o "$out/sdk_test.wasm" --runtime incremental -O1 \
  --exportStart _initialize --use abort=../hatchery/abort/hatcheryAbort
node run.mjs "$out/sdk_test.wasm"
