#!/usr/bin/env bash
# Builds one JavaScript guest into a WebAssembly component with componentize-qjs:
#
#   hatchery/componentize.sh WIT_DIR WORLD ENTRY.js OUT.wasm
#
# WIT_DIR is the folder holding hatchery:process (process.wit: guest-sdk/wit in the
# Hatchery repository, wit/ in a project), and the component is built against its world
# WORLD as it is: `process` (export run), `behaviour` (start, handle) or
# `upgradable-behaviour` (also stateSave, codeChange). componentize-qjs must be on PATH
# (the callers look for it and say how to install it), and node (which runs it anyway).
#
# What this adds to the plain command: `--sync` (the host has no component-model async);
# the module root (the build runs the module's top level once and snapshots the result,
# so the entry's imports must all be reachable under one folder: the closest folder
# holding both the entry and this SDK); a half-made OUT is never seen; and a hint when
# the top level called the host, which fails the build.
set -euo pipefail
if [ $# -ne 4 ]; then
  echo "usage: $0 WIT_DIR WORLD ENTRY.js OUT.wasm" >&2
  exit 2
fi
sdk="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
wit="$(cd "$1" && pwd)"
world="$2"
entry="$(cd "$(dirname "$3")" && pwd)/$(basename "$3")"
out="$4"
case "$world" in
  process | behaviour | upgradable-behaviour) ;;
  *)
    echo "$0: unknown world '$world' (process, behaviour or upgradable-behaviour)" >&2
    exit 2
    ;;
esac
if ! command -v componentize-qjs >/dev/null 2>&1; then
  echo "componentize-qjs is not on PATH" >&2
  exit 3
fi

# A behaviour's init export is `start`. An entry that still exports `init` (the name
# before hatchery:process said `start`) builds, and then traps when its process starts
# (`function 'start' not found`): say so now.
if [ "$world" != process ] && node -e '
  const s = require("fs").readFileSync(process.argv[1], "utf8");
  process.exit(/\bexport\b[^;]*\binit\b/.test(s) && !/\bstart\b/.test(s) ? 0 : 1);
' "$entry"; then
  echo "$0: warning: $3 exports \`init\` but no \`start\`: a behaviour's init export is" >&2
  echo "  \`start\` (export const { start, handle, ... } = serve(...))" >&2
fi

root="$(dirname "$entry")"
while [[ "$sdk/" != "${root%/}/"* ]]; do
  root="$(dirname "$root")"
done

# Built beside OUT and moved into place when complete, so that a node watching OUT
# (`hatchery run`) never loads a half-made component. WASI is not stubbed: the QuickJS
# runtime uses it for Date, performance.now and its report of an uncaught exception, and
# the host gives every component WASI 0.2.
part="$out.part$$"
log="$(mktemp)"
trap 'rm -f "$part" "$log"' EXIT
if ! componentize-qjs --wit "$wit" --world "$world" --js "$entry" --module-root "$root" \
  --sync --output "$part" >"$log" 2>&1; then
  cat "$log" >&2
  if grep -q 'unknown import: `hatchery:process/host' "$log"; then
    echo "$0: the module's top level called the host (print, Math.random, register, ...)." >&2
    echo "  The top level runs at build time, where there is no node: move that call into" >&2
    echo "  run, or into the server's init (the behaviour's start)." >&2
  fi
  exit 1
fi
mv -f "$part" "$out"
