#!/usr/bin/env bash
# Set up what the tests need and run every test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
export CODEX_BIN="$PWD/.tools/codex/node_modules/.bin/codex"
# Keep the machine's proxies away from loopback traffic to the fake model.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY
export NO_PROXY="127.0.0.1,localhost"

echo "== Rust: unit, conformance and end-to-end tests (real codex app-server against the fake model)"
# The fault tests drive the host against the scripted fake app-server binary.
cargo build -p codex-manager-fakes --bins
cargo test --workspace --no-fail-fast 2>&1

echo "== Python SDK: pytest against a real host (the debug build, real app-server, fake model)"
cargo build -p codex-manager
.tools/py/bin/pytest python/tests -q

echo "== API contract fuzzer: schemathesis, from docs/openapi.json, against a real host (the debug build, real app-server, fake model)"
# Fixed seed and examples per operation (CM_FUZZ_SEED, CM_FUZZ_MAX_EXAMPLES): reproducible, bounded in time.
.tools/py/bin/pytest tests/contract -q -p no:cacheprovider

echo "== Plugins: unit tests of the shipped plugins and the SDK (native target)"
cargo test --manifest-path plugins/Cargo.toml --locked 2>&1

echo "== Web UI: unit and component tests (vitest), including the API contract against docs/openapi.json"
(cd web && npm test --silent)

echo "== Web UI: end-to-end tests in headless Chromium against a real host (production build, real app-server, fake model)"
cargo build -p codex-manager
(cd web && npm run --silent e2e)

