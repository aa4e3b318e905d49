# Sourced by build scripts (bash): finds Zig and builds one guest module with this SDK.
#
#   source path/to/hatchery/zig.sh
#   hatchery_zig_find || exit 3                              # 3: no toolchain (said why)
#   hatchery_zig_build out/echo.wasm echo.zig main           # exports hatchery_main
#   hatchery_zig_build out/kv.wasm kv.zig server             # + hatchery_handle
#   hatchery_zig_build out/counter.wasm counter.zig upgradable   # + the hot swap exports
#
# Why these flags:
# - wasm32-freestanding with -fno-entry: no WASI `_start`, whose `proc_exit` after main would
#   end a behaviour when its init returns; the host calls the exported `hatchery_main`.
# - --export=...: a Zig `export fn` reaches the module's exports only when the linker is told
#   (-rdynamic would also export __stack_pointer).
# - --stack 262144: 256 KiB of stack, well under the node's 16 MiB memory cap (a wasm32-wasi
#   exe defaults to a 16 MiB stack, which the node refuses to instantiate).
# - ReleaseSmall: modules of a few KiB, so compiling and instantiating one per process is
#   cheap; guests spend their time in the host's mailbox calls, not in their own loops.

hatchery_zig_sdk="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# Puts zig on PATH (from $HATCHERY_TOOLS/bin when it is not already) and keeps its cache
# in the tools folder; returns 3 after saying what to install when there is no zig.
hatchery_zig_find() {
  local tools="${HATCHERY_TOOLS:-$HOME/.cache/hatchery/tools}"
  if ! command -v zig >/dev/null 2>&1 && [ -x "$tools/bin/zig" ]; then
    PATH="$tools/bin:$PATH"
  fi
  # `pip install ziglang` gives `python3 -m ziglang` but no `zig` on PATH.
  if ! command -v zig >/dev/null 2>&1 && python3 -c 'import ziglang' >/dev/null 2>&1; then
    zig() { python3 -m ziglang "$@"; }
  fi
  if ! command -v zig >/dev/null 2>&1; then
    echo "Zig toolchain missing: run ./scripts/toolchains.sh zig" >&2
    return 3
  fi
  export ZIG_GLOBAL_CACHE_DIR="${ZIG_GLOBAL_CACHE_DIR:-$tools/zig-cache}"
}

# hatchery_zig_build OUT.wasm ROOT.zig [main|server|upgradable] [extra zig flags...]
hatchery_zig_build() {
  local out="$1" root="$2" kind="${3:-main}"
  shift 3 || shift $#
  local exports=(--export=hatchery_main)
  case "$kind" in
    main) ;;
    server) exports+=(--export=hatchery_handle) ;;
    upgradable) exports+=(--export=hatchery_handle --export=hatchery_state_save --export=hatchery_code_change) ;;
    *) echo "hatchery_zig_build: kind is main, server or upgradable, not '$kind'" >&2; return 2 ;;
  esac
  local name
  name="$(basename "$out" .wasm)"
  zig build-exe -target wasm32-freestanding -O ReleaseSmall -fno-entry --stack 262144 \
    "${exports[@]}" "$@" --name "$name" -femit-bin="$out" \
    --dep hatchery -Mroot="$root" -Mhatchery="$hatchery_zig_sdk/hatchery.zig"
}
