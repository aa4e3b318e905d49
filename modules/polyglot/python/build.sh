#!/usr/bin/env bash
# sdk: guest-sdk/python
# sdk: guest-sdk/wit
# Builds poly_py_user (apps/polyglot) into OUTDIR, as a component (world process) with
# componentize-py.
#
#   ./build.sh OUTDIR
#
# Exits with status 3 when componentize-py is not installed.
set -euo pipefail
if [ $# -ne 1 ]; then
  echo "usage: $0 OUTDIR" >&2
  exit 2
fi
out="$(mkdir -p "$1" && cd "$1" && pwd)"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
tools="${HATCHERY_TOOLS:-$HOME/.cache/hatchery/tools}"
if ! command -v componentize-py >/dev/null 2>&1; then
  PATH="$tools/bin:$PATH"
fi
if ! command -v componentize-py >/dev/null 2>&1; then
  echo "Python toolchain missing: run ./scripts/toolchains.sh python" >&2
  exit 3
fi

# componentize-py writes __pycache__ folders beside the sources it imports: build from a
# copy, so the tree stays clean.
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
cp "$here"/*.py "$stage/"
cp -R "$root/guest-sdk/python/hatchery" "$stage/hatchery"
rm -rf "$stage/hatchery/__pycache__"
componentize-py -q -d "$root/guest-sdk/wit" -w process componentize poly_py_user \
  -p "$stage" -o "$out/poly_py_user.wasm"
