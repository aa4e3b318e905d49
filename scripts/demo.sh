#!/usr/bin/env bash
# Sets up this machine, builds everything, and runs the messenger demo on one node.
# Extra arguments go to `hatchery run` (for example --max-processes 1000).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
echo "demo: building the guest modules and the host (the first build takes a few minutes)"
(cd modules && cargo build --release --quiet)
cargo build --release --quiet -p hatchery
echo "demo: starting a node with the messenger demo; Ctrl-C stops it"
exec ./target/release/hatchery run modules/target/wasm32-wasip1/release/messenger_demo.wasm "$@"
