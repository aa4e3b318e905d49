#!/usr/bin/env bash
# Everything a fresh machine needs before Hatchery builds and runs. Idempotent; sourced or
# run by demo.sh, test.sh and bench.sh.
set -euo pipefail

# Guest modules are built for WASI preview 1; rustup does not install targets by itself here.
if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-wasip1; then
  echo "setup: adding the wasm32-wasip1 Rust target"
  rustup target add wasm32-wasip1
fi

# Each live process needs several memory mappings; Linux's default limit (65530) stops a
# node near 13,000 processes. Raise it when we can (root), say how otherwise.
want=16777216
have=$(cat /proc/sys/vm/max_map_count 2>/dev/null || echo "$want")
if [ "$have" -lt "$want" ]; then
  if [ "$(id -u)" = 0 ] && sysctl -qw vm.max_map_count="$want" 2>/dev/null; then
    echo "setup: raised vm.max_map_count from $have to $want"
  else
    echo "setup: note: vm.max_map_count is $have; for more than ~13,000 processes run (as root): sysctl -w vm.max_map_count=$want"
  fi
fi
