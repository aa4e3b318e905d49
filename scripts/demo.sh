#!/usr/bin/env bash
# Sets up this machine, builds everything, and runs an application on one node with the
# inspector: by default apps/demo (the messenger server, the kv server and a counter under
# supervisors). `./scripts/demo.sh apps/polyglot` runs the tree whose workers are written in
# seven languages (it installs their toolchains first). Extra arguments go to
# `hatchery run` (for example --max-processes 1000).
set -euo pipefail
cd "$(dirname "$0")/.."
app=apps/demo
if [ $# -gt 0 ] && [ -e "$1" ] && [ "${1#-}" = "$1" ]; then
  app="$1"
  shift
fi
./scripts/setup.sh
echo "demo: building the guest modules and the host (the first build takes a few minutes)"
(cd modules && cargo build --release --quiet)
if [ "$app" != apps/demo ]; then
  ./scripts/toolchains.sh
  ./scripts/guests.sh --strict
fi
cargo build --release --quiet -p hatchery
echo "demo: starting $app with the inspector; Ctrl-C stops it"
exec ./target/release/hatchery run "$app" "$@"
