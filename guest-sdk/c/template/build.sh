#!/usr/bin/env bash
# Builds {{name}}.wasm from {{name}}.c and the SDK in hatchery/:  ./build.sh
#
# It needs clang (16 or newer) with wasm-ld and wasi-libc. It looks for them on PATH, in
# ${HATCHERY_TOOLS:-$HOME/.cache/hatchery/tools}/bin (where Hatchery's
# scripts/toolchains.sh puts them), as Debian's clang-16, or in $WASI_SDK_PATH (wasi-sdk).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
tools="${HATCHERY_TOOLS:-$HOME/.cache/hatchery/tools}/bin"
PATH="$PATH:$tools"

cc=""
sysroot=()
if [ -n "${WASI_SDK_PATH:-}" ] && [ -x "$WASI_SDK_PATH/bin/clang" ]; then
  cc="$WASI_SDK_PATH/bin/clang"
  sysroot=(--sysroot="$WASI_SDK_PATH/share/wasi-sysroot")
else
  for c in clang clang-16; do
    if command -v "$c" >/dev/null 2>&1; then
      cc="$c"
      break
    fi
  done
fi
# clang runs wasm-ld itself; Debian's clang-16 finds it in /usr/lib/llvm-16/bin.
if [ -z "$cc" ] || { ! command -v wasm-ld >/dev/null 2>&1 && ! command -v wasm-ld-16 >/dev/null 2>&1 &&
  [ -z "${WASI_SDK_PATH:-}" ]; }; then
  echo "C toolchain missing: run ./scripts/toolchains.sh c in a Hatchery checkout, or (Debian, as root)" >&2
  echo "  apt-get install clang-16 lld-16 wasi-libc libclang-rt-16-dev-wasm32" >&2
  exit 3
fi

# --target=wasm32-wasi: clang 16 does not know wasm32-wasip1.
# -mexec-model=reactor: hatchery_main is the entry; returning from it runs no libc exit path.
# --strip-debug: no DWARF, but function names stay for the backtraces of crash reports.
"$cc" --target=wasm32-wasi ${sysroot[@]+"${sysroot[@]}"} -mexec-model=reactor -std=c11 -O2 -Wall -Wextra \
  -Ihatchery {{name}}.c hatchery/*.c -Wl,--strip-debug -o {{name}}.wasm
echo "built {{name}}.wasm ($(wc -c <{{name}}.wasm) bytes)"
