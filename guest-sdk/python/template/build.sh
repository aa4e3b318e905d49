#!/usr/bin/env bash
# Builds {{name}}.wasm beside this script: ./build.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tools="${HATCHERY_TOOLS:-$HOME/.cache/hatchery/tools}"
if ! command -v componentize-py >/dev/null 2>&1; then
  PATH="$tools/bin:$PATH"
fi
if ! command -v componentize-py >/dev/null 2>&1; then
  echo "componentize-py missing: run ./scripts/toolchains.sh python in a Hatchery checkout" \
    "(or: pip install componentize-py==0.25.1)" >&2
  exit 3
fi
cd "$here"
# wit/ is the Hatchery component world; the app (app.py) and the SDK (hatchery/) are
# found on the path "." and frozen into the component at build time.
componentize-py -q -d wit -w upgradable-behaviour componentize app -p . -o {{name}}.wasm
echo "built $here/{{name}}.wasm"
