#!/usr/bin/env bash
# Set up what the tests need and run every test suite. Every suite runs and reports even when an earlier one
# failed; the exit status is non-zero when any did, and the last lines name which.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test || { echo "== set-up failed: no suite can run" >&2; exit 1; }
source scripts/lib/codex-releases.sh
source scripts/lib/postgres.sh
# The store runs on PostgreSQL in one suite only (below); every other suite runs it on SQLite. A server of the
# caller's (CODEX_MANAGER_TEST_DATABASE_URL) is used for that suite instead of a private cluster.
own_pg_url="${CODEX_MANAGER_TEST_DATABASE_URL:-}"
unset CODEX_MANAGER_TEST_DATABASE_URL
trap pg_stop EXIT
# The pinned codex, unless the caller chose another binary.
export CODEX_BIN="${CODEX_BIN:-$PWD/.tools/codex/node_modules/.bin/codex}"
# Keep the machine's proxies away from loopback traffic to the fake model.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY
export NO_PROXY="127.0.0.1,localhost"

failed=()
# suite NAME COMMAND...: run one suite, remember it when it fails, go on either way.
suite() {
  local name=$1
  shift
  local started=$SECONDS
  if "$@"; then
    echo "== $name: ok ($((SECONDS - started)) s)"
  else
    echo "== $name: FAILED ($((SECONDS - started)) s)"
    failed+=("$name")
  fi
}

# The fault tests drive the host against the scripted fake app-server binary; the Python, fuzz and web suites
# run the debug host binary.
if ! cargo build -p codex-manager -p codex-manager-fakes --bins; then
  echo "== build of the host and the fakes FAILED: the suites that need them will fail too"
  failed+=("build")
fi

echo "== Rust: unit, conformance and end-to-end tests (real codex app-server against the fake model)"
suite "Rust tests" cargo test --workspace --no-fail-fast

echo "== Store on PostgreSQL: the host's unit tests (the store's and the services' over a store) and a host on it end to end, on a private cluster"
# store::testing gives each test a schema of its own on that server; the cluster goes when the suite is done.
if [ -n "$own_pg_url" ] || pg_start; then
  suite "Store on PostgreSQL" env CODEX_MANAGER_TEST_DATABASE_URL="${own_pg_url:-$CODEX_MANAGER_TEST_DATABASE_URL}" \
    bash -c 'rc=0; cargo test -p codex-manager-host --lib || rc=1; cargo test --no-fail-fast -p codex-manager --test postgres --test store_migrate --test hosts --test queue_hosts || rc=1; exit $rc'
  # queue-bench's PostgreSQL mode in its quick form (a schema of its own; one host, then two on one schema).
  suite "queue-bench --quick on PostgreSQL" env CODEX_MANAGER_TEST_DATABASE_URL="${own_pg_url:-$CODEX_MANAGER_TEST_DATABASE_URL}" \
    bash -c 'cargo build -p codex-manager-bench --bin queue-bench && target/debug/queue-bench --quick --database-url "$CODEX_MANAGER_TEST_DATABASE_URL"'
  pg_stop
else
  echo "== Store on PostgreSQL: FAILED (no cluster: see above)"
  failed+=("Store on PostgreSQL")
fi

echo "== Plugin conformance: the suite against a Python and a JavaScript plugin made with plugin new / plugin build"
suite "Plugin conformance (Python, JS)" scripts/plugin_conformance_languages.sh

echo "== Python SDK: pytest against a real host (the debug build, real app-server, fake model)"
suite "Python SDK tests" .tools/py/bin/pytest python/tests -q

echo "== API contract fuzzer: schemathesis, from docs/openapi.json, against a real host (the debug build, real app-server, fake model)"
# Fixed seed and examples per operation (CM_FUZZ_SEED, CM_FUZZ_MAX_EXAMPLES): reproducible, bounded in time.
suite "API contract fuzzer" .tools/py/bin/pytest tests/contract -q -p no:cacheprovider

echo "== Plugins: unit tests of the shipped plugins, the SDK (native target) and the Python and JavaScript helpers"
suite "Plugin tests" cargo test --manifest-path plugins/Cargo.toml --locked
# The Python and JavaScript helpers' error conversion, natively (the Python one on bindings componentize-py generates).
suite "Plugin helpers (Python, JavaScript)" bash -c '.tools/py/bin/pytest plugins/python/tests -q -p no:cacheprovider && node --test plugins/js/test/'

echo "== Web UI: unit and component tests (vitest), including the API contract against docs/openapi.json"
suite "Web unit tests" bash -c 'cd web && npm test --silent'

echo "== Web UI: end-to-end tests in headless Chromium against a real host (production build, real app-server, fake model)"
suite "Web end-to-end tests" bash -c 'cd web && npm run --silent e2e'

echo "== Benchmarks: cm-bench, plugin-bench (also per language) and queue-bench in their quick form (debug build; no timing is judged, only that they run and every client got every delta)"
# The debug binaries sit next to each other in target/debug, where each bench finds the host and the fakes; the
# real-codex scenario of cm-bench uses CODEX_BIN (the pin, above). Each bench exits non-zero when a check failed.
if ! cargo build -p codex-manager-bench --bins; then
  echo "== build of the benchmarks FAILED: the benchmark suites will fail too"
  failed+=("benchmarks build")
fi
suite "cm-bench --quick" target/debug/cm-bench --quick
suite "plugin-bench --quick" target/debug/plugin-bench --quick
suite "queue-bench --quick" target/debug/queue-bench --quick
# The template plugin in each language (Rust, Python, JavaScript), made and built by the CLI, then measured; a
# language that cannot be built (its componentizer missing) fails the suite.
suite "plugin-bench --languages --quick" target/debug/plugin-bench --languages --quick --require-all

# The tested releases besides the pin (host/src/appserver/version.rs, TESTED): the drift guard and the end-to-end
# suites against each, so the host stays green on every release it calls tested, not only on the pin.
if others=$(codex_other_tested_versions); then
  for version in $others; do
    echo "== codex $version: the drift guard and the end-to-end tests against the other tested release (CODEX_BIN=.tools/codex-$version)"
    suite "codex $version (drift guard + end-to-end)" codex_check_release "$version"
  done
else
  failed+=("reading the tested codex releases")
fi

if [ ${#failed[@]} -gt 0 ]; then
  printf '== FAILED suites: %s\n' "${failed[*]}"
  exit 1
fi
echo "== every suite passed"
