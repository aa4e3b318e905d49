#!/usr/bin/env bash
# Sets up this machine and runs every check: formatting, lints, the guest SDKs' unit tests,
# the guest modules in every language, and the host's unit, integration, conformance and
# browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh --browser
# Every guest language's toolchain, at pinned versions (cached in ~/.cache/hatchery/tools).
./scripts/toolchains.sh
eval "$(./scripts/toolchains.sh --env)"

echo "test: formatting"
cargo fmt --all --check
(cd guest-sdk && cargo fmt --check)
(cd modules && cargo fmt --all --check)
test -z "$(gofmt -l guest-sdk/go modules/conformance/go modules/polyglot/go)" ||
  { gofmt -l guest-sdk/go modules/conformance/go modules/polyglot/go; echo "test: gofmt wants these files changed" >&2; exit 1; }

echo "test: lints"
cargo clippy --workspace --all-targets --quiet -- -D warnings
(cd guest-sdk/go && GOOS=wasip1 GOARCH=wasm go vet ./...)

echo "test: guest SDK unit tests"
cargo test --quiet --manifest-path guest-sdk/Cargo.toml
(cd guest-sdk/go && go test ./...)
(cd guest-sdk/c && cc -std=c11 -g -fsanitize=address,undefined -Wno-attributes -Ihatchery \
  tests/sdk_test.c hatchery/hx_json.c hatchery/hx_buf.c hatchery/hx_reason.c \
  -o ../../target/c_sdk_test && ../../target/c_sdk_test)
guest-sdk/assemblyscript/test/test.sh
(cd guest-sdk/python && python3 -m unittest discover -s tests)
(cd guest-sdk/js && node --import ./test/register.mjs --test test/*.test.mjs)

echo "test: guest modules in C, Zig, AssemblyScript, Go, JavaScript and Python"
./scripts/guests.sh --strict

echo "test: host unit and integration tests"
# Every language must be built and pass (no "not built" cells in the conformance table).
export HATCHERY_STRICT_LANGUAGES=1
# The CLI tests run the `hatchery` binary, which a test build alone does not produce.
cargo build --workspace --bins --quiet
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --no-fail-fast
  # Again with the processes on the node's tokio runtime instead of its schedulers
  # (`NodeConfig::schedulers` = 0): the integration tests' nodes read
  # HATCHERY_TEST_SCHEDULERS (tests/support). Not again: what runs in other OS processes
  # (templates, the browser) and the language matrix past Rust and WAT (the conformance
  # rows of other languages, the polyglot tree), which test the guests' SDKs, not where
  # the host polls a process; they are a third of the run's time.
  echo "test: integration tests without schedulers"
  HATCHERY_TEST_SCHEDULERS=0 cargo nextest run -p hatchery-tests --no-fail-fast \
    -E 'not binary(templates) and not binary(browser) and not binary(polyglot)
        and not (binary(conformance) and not (test(=rust) or test(=wat)))'
else
  cargo test --workspace --no-fail-fast
fi

echo "test: the HTTP API against its OpenAPI document (schemathesis)"
./scripts/api-contract.sh target/debug/hatchery
