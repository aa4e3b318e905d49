#!/usr/bin/env bash
# Sets up this machine and runs every check: formatting, lints, the guest SDK's unit
# tests, and the host's unit, integration and browser tests (which build the guest modules).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh --browser

echo "test: formatting"
cargo fmt --all --check
(cd guest-sdk && cargo fmt --check)
(cd modules && cargo fmt --all --check)

echo "test: lints"
cargo clippy --workspace --all-targets --quiet -- -D warnings

echo "test: guest SDK unit tests"
cargo test --quiet --manifest-path guest-sdk/Cargo.toml

echo "test: host unit and integration tests"
# The CLI tests run the `hatchery` binary, which a test build alone does not produce.
cargo build --workspace --bins --quiet
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --no-fail-fast
else
  cargo test --workspace --no-fail-fast
fi
