#!/usr/bin/env bash
# Benchmarks Hatchery beside Erlang/OTP on this machine and prints one table.
# `scripts/bench.sh --write BENCHMARKS.md` also puts the tables into BENCHMARKS.md between
# their marker comments (the hand-written text stays); `--quick` is a smoke run.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
if ! command -v escript >/dev/null; then
  echo "bench: installing Erlang/OTP (erlang-nox) for the side-by-side figures"
  if [ "$(id -u)" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq erlang-nox >/dev/null
  else
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq erlang-nox >/dev/null
  fi
fi
(cd modules && cargo build --release --quiet)
cargo build --release --quiet -p hatchery-bench -p hatchery  # the dist rows start `hatchery run` nodes
exec ./target/release/hatchery-bench "$@"
