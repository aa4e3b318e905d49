#!/usr/bin/env bash
# sdk: guest-sdk/js
# sdk: guest-sdk/wit
# Builds poly_reporter (apps/polyglot) into OUTDIR, as a component of the hatchery:process
# world `process` (componentize-qjs).
#
#   ./build.sh OUTDIR
#
# Exits with status 3 when componentize-qjs is not installed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../guest-build.sh" componentize-qjs JavaScript "$@"
"$root/guest-sdk/js/hatchery/componentize.sh" "$root/guest-sdk/wit" process \
  "$here/poly_reporter.js" "$out/poly_reporter.wasm"
