#!/usr/bin/env bash
# Everything a fresh machine needs before Hatchery builds and runs. Idempotent; sourced or
# run by demo.sh, test.sh and bench.sh.
set -euo pipefail

# Guest modules are built for WASI preview 1; rustup does not install targets by itself here.
if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-wasip1; then
  echo "setup: adding the wasm32-wasip1 Rust target"
  rustup target add wasm32-wasip1
fi

# The binaries' allocator (jemalloc, built from its crate's C sources) needs a C compiler and
# make; Debian-based machines usually have both.
if ! command -v make >/dev/null 2>&1 || ! command -v cc >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing a C compiler and make (apt), for jemalloc"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gcc make >/dev/null
  else
    echo "setup: note: building needs a C compiler and make; run (as root): apt-get install gcc make"
  fi
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

# With --browser (scripts/test.sh): what the browser test (tests/browser.rs) needs, Debian's
# Chromium driven by playwright-core from npm (tests/e2e), and the NATS server the cluster
# tests start. apt needs root; CI runs as root.
if [ "${1:-}" != "--browser" ]; then
  exit 0
fi
apt_install() {
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing $* (apt)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "$@" >/dev/null
  else
    echo "setup: note: the browser test needs $*; run (as root): apt-get install $*"
  fi
}
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  apt_install nodejs npm
fi
if [ ! -x /usr/bin/chromium ]; then
  apt_install chromium
fi
# The cluster tests (tests/cluster.rs) start their own NATS server; `--nats auto` uses it too.
if ! command -v nats-server >/dev/null 2>&1; then
  apt_install nats-server
fi
# The metrics test (tests/metrics.rs) scrapes a node with a real Prometheus server and
# checks the exposition with promtool; without them it fails with a note saying so.
if ! command -v prometheus >/dev/null 2>&1 || ! command -v promtool >/dev/null 2>&1; then
  apt_install prometheus
fi
# The OTLP test (tests/otlp.rs) checks exported spans against OpenTelemetry's protobuf
# definitions (PyPI, pinned in scripts/otlp/requirements.txt).
otlp_req="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/otlp/requirements.txt"
otlp_venv="${HATCHERY_TOOLS:-$HOME/.cache/hatchery/tools}/otlp"
if ! cmp -s "$otlp_req" "$otlp_venv/.installed-requirements.txt"; then
  echo "setup: installing opentelemetry-proto (PyPI) into $otlp_venv"
  python3 -m venv "$otlp_venv"
  "$otlp_venv/bin/pip" install --quiet --disable-pip-version-check -r "$otlp_req"
  cp "$otlp_req" "$otlp_venv/.installed-requirements.txt"
fi
# npm ci only when node_modules is missing or older than the lock file (a copy of the lock
# it was installed from sits beside it).
e2e="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/e2e"
if command -v npm >/dev/null 2>&1 && ! cmp -s "$e2e/package-lock.json" "$e2e/node_modules/.installed-lock.json"; then
  echo "setup: installing the browser test's npm packages (npm ci in tests/e2e)"
  npm ci --prefix "$e2e" --no-audit --no-fund --loglevel=error
  cp "$e2e/package-lock.json" "$e2e/node_modules/.installed-lock.json"
fi
