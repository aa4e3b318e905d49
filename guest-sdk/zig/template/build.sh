#!/usr/bin/env bash
# Builds {{name}}.wasm from {{name}}.zig with the Hatchery Zig SDK in hatchery/:
#
#   ./build.sh           # writes {{name}}.wasm beside this script
#   ./build.sh OUTDIR    # writes it to OUTDIR
#
# Finds zig on PATH or in ${HATCHERY_TOOLS:-~/.cache/hatchery/tools}/bin; exits with status 3
# and says what to install when there is none.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mkdir -p "${1:-$here}"
out="$(cd "${1:-$here}" && pwd)"
# shellcheck source=hatchery/zig.sh
source "$here/hatchery/zig.sh"
if ! hatchery_zig_find; then
  echo "  (that is in a Hatchery clone; elsewhere: pip install ziglang==0.17.1)" >&2
  exit 3
fi
hatchery_zig_build "$out/{{name}}.wasm" "$here/{{name}}.zig" upgradable
echo "built $out/{{name}}.wasm"
