# cc.sh: how the C guests in this repository are compiled. Sourced by the build.sh files
# under modules/ (bash); it defines hx_find_toolchain and hx_cc.
#
#   source "$root/guest-sdk/c/cc.sh"
#   hx_find_toolchain || exit 3
#   hx_cc "$out/foo.wasm" foo.c            # foo.c + the SDK -> foo.wasm
#   hx_cc "$out/bar.wasm" bar.c -DX=1      # extra clang flags after the sources

hx_sdk_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/hatchery" && pwd)"

# Puts clang and wasm-ld on PATH: from PATH, else from the folder scripts/toolchains.sh
# fills. Says what to run and returns 3 when they are missing.
hx_find_toolchain() {
  local tools="${HATCHERY_TOOLS:-$HOME/.cache/hatchery/tools}/bin"
  if ! command -v clang >/dev/null 2>&1 || ! command -v wasm-ld >/dev/null 2>&1; then
    [ -d "$tools" ] && PATH="$tools:$PATH"
  fi
  if ! command -v clang >/dev/null 2>&1 || ! command -v wasm-ld >/dev/null 2>&1; then
    echo "C toolchain missing: run ./scripts/toolchains.sh c" >&2
    return 3
  fi
}

# hx_cc OUT.wasm SOURCE... [-FLAG...]: compiles the sources with the SDK into one module.
#   --target=wasm32-wasi     Debian's clang 16 + wasi-libc (wasm32-wasip1 is unknown to it)
#   -mexec-model=reactor     the entry is hatchery_main, and returning from it does not run
#                            libc's exit path; the host calls _initialize first
#   --strip-debug            no DWARF, but the name section stays for trap backtraces
hx_cc() {
  local out="$1"
  shift
  clang --target=wasm32-wasi -mexec-model=reactor -std=c11 -O2 -Wall -Wextra \
    -I"$hx_sdk_dir" "$@" "$hx_sdk_dir"/*.c -Wl,--strip-debug -o "$out"
}
