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
source "$(dirname "${BASH_SOURCE[0]}")/../../guest-build.sh" componentize-py Python "$@"

# componentize-py writes __pycache__ folders beside the sources it imports: build from a
# copy, so the tree stays clean.
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
cp "$here"/*.py "$stage/"
cp -R "$root/guest-sdk/python/hatchery" "$stage/hatchery"
rm -rf "$stage/hatchery/__pycache__"
componentize-py -q -d "$root/guest-sdk/wit" -w process componentize poly_py_user \
  -p "$stage" -o "$out/poly_py_user.wasm"
