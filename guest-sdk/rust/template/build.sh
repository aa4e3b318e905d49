#!/usr/bin/env bash
# Builds {{name}}.wasm (Rust, wasm32-wasip1) in this folder.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v cargo >/dev/null 2>&1; then
  echo "Rust is missing: install it with rustup (https://rustup.rs), then: rustup target add wasm32-wasip1" >&2
  exit 3
fi
if command -v rustup >/dev/null 2>&1 && ! rustup target list --installed | grep -qx wasm32-wasip1; then
  echo "adding the wasm32-wasip1 target (rustup target add wasm32-wasip1)" >&2
  rustup target add wasm32-wasip1
fi
cargo build --release --quiet --target wasm32-wasip1
cp target/wasm32-wasip1/release/{{name}}.wasm {{name}}.wasm
echo "built {{name}}.wasm"
