#!/usr/bin/env bash
# Builds {{name}}.wasm beside this script: ./build.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if ! command -v componentize-qjs >/dev/null 2>&1; then
  PATH="${HATCHERY_TOOLS:-$HOME/.cache/hatchery/tools}/bin:$PATH"
fi
if ! command -v componentize-qjs >/dev/null 2>&1; then
  echo "JavaScript toolchain missing: run ./scripts/toolchains.sh js in a Hatchery checkout" >&2
  echo "(or install it with npm: npm install -g componentize-qjs@0.4.5)" >&2
  exit 3
fi
# World upgradable-behaviour: a server whose state survives a new version of the module.
"$here/hatchery/componentize.sh" "$here/wit" upgradable-behaviour "$here/main.js" "$here/{{name}}.wasm"
echo "built $here/{{name}}.wasm"
