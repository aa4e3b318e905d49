#!/usr/bin/env bash
# Sets up this machine, builds everything, and runs the demo application on one node:
# the messenger server, the kv server and a counter under supervisors, with the inspector.
# Extra arguments go to `hatchery run` (for example --max-processes 1000).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
echo "demo: building the guest modules and the host (the first build takes a few minutes)"
(cd modules && cargo build --release --quiet)
cargo build --release --quiet -p hatchery
echo "demo: starting the demo application (apps/demo) with the inspector; Ctrl-C stops it"
exec ./target/release/hatchery run apps/demo "$@"
