#!/usr/bin/env bash
# sdk: guest-sdk/python
# sdk: guest-sdk/wit
# Builds the Python guests of the conformance suite into OUTDIR, as components with
# componentize-py: conf_py (world process), conf_py_server and conf_py_server_v2 (world
# upgradable-behaviour), and the benchmark guests bench_py_noop and bench_py_pong
# (world process).
#
#   ./build.sh OUTDIR
#
# Exits with status 3 when componentize-py is not installed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../guest-build.sh" componentize-py Python "$@"

# componentize-py writes __pycache__ folders beside the sources it imports: build from a
# copy, so the tree stays clean (and no stale .pyc can leak into a build).
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
cp "$here"/*.py "$stage/"
cp -R "$root/guest-sdk/python/hatchery" "$stage/hatchery"
rm -rf "$stage/hatchery/__pycache__"

build() { # build MODULE WORLD
  componentize-py -q -d "$root/guest-sdk/wit" -w "$2" componentize "$1" \
    -p "$stage" -o "$out/$1.wasm"
}
# Each build keeps about one core busy for 10 s: run as many at once as there are cores.
jobs="$(nproc 2>/dev/null || echo 2)"
pids=()
for spec in conf_py:process conf_py_server:upgradable-behaviour \
  conf_py_server_v2:upgradable-behaviour bench_py_noop:process bench_py_pong:process; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  build "${spec%%:*}" "${spec#*:}" &
  pids+=("$!")
done
status=0
for pid in "${pids[@]}"; do
  wait "$pid" || status=1
done
exit $status
