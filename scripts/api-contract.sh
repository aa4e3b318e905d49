#!/usr/bin/env bash
# The OpenAPI document is the contract: schemathesis (PyPI, pinned in
# scripts/api/requirements.txt, installed into a venv in ~/.cache/hatchery/tools) runs
# every check against a live node running apps/demo, and must find no 5xx, no hang and no
# mismatch between the document and the server. One exclusion: GET /api/events, an event
# stream that never ends (tests/http.rs covers it). The seed is fixed so that a run is
# reproducible; `HATCHERY_API_SEED=random` draws a new one.
# Usage: scripts/api-contract.sh [path of the hatchery binary, default target/debug/hatchery]
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
bin="$(realpath "${1:-target/debug/hatchery}")"
tools="${HATCHERY_TOOLS:-$HOME/.cache/hatchery/tools}"
venv="$tools/schemathesis"
req=scripts/api/requirements.txt
if ! cmp -s "$req" "$venv/.installed-requirements.txt"; then
  echo "api-contract: installing schemathesis (PyPI) into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$req"
  cp "$req" "$venv/.installed-requirements.txt"
fi

work="$(mktemp -d)"
token="$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
# --keep-running: the checks may kill any process, the root supervisor too.
(cd "$work" && exec "$bin" run "$root/apps/demo" --keep-running --no-watch --http 127.0.0.1:0 \
  --http-token "$token" --crash-log "$work/crash.log" --no-compile-cache) >"$work/node.log" 2>&1 </dev/null &
node=$!
trap 'kill "$node" 2>/dev/null || true; wait "$node" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 600); do
  [ -s "$work/.hatchery/inspector.url" ] && break
  kill -0 "$node" 2>/dev/null || { cat "$work/node.log" >&2; echo "api-contract: the node did not start" >&2; exit 1; }
  sleep 0.1
done
url="$(cat "$work/.hatchery/inspector.url")"
seed="${HATCHERY_API_SEED:-20261203}"
seed_args=(--seed "$seed")
[ "$seed" = random ] && seed_args=()
echo "api-contract: schemathesis against $url (every check, ${seed_args[*]:-random seed})"
status=0
"$venv/bin/schemathesis" run "$url/api/openapi.json" --checks all \
  -H "Authorization: Bearer $token" --max-examples 100 --request-timeout 10 \
  --exclude-path /api/events "${seed_args[@]}" --no-color || status=$?
if ! kill -0 "$node" 2>/dev/null; then
  echo "api-contract: the node stopped during the run:" >&2
  tail -20 "$work/node.log" >&2
  exit 1
fi
exit "$status"
