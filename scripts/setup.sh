#!/usr/bin/env bash
# Install what Codex Manager needs and is missing. Safe to run again: each step checks first.
#
#   scripts/setup.sh            codex (when not on PATH) + the Rust build prerequisites
#   scripts/setup.sh --test     also what the test suites need (the pinned codex, always; Chromium for the web UI;
#                               componentize-py and componentize-qjs for plugins in Python and JavaScript; Debian's
#                               postgresql for the store's tests on PostgreSQL)
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/lib/codex-releases.sh
# The pin lives in one place, host/src/appserver/version.rs (EXPECTED_CODEX_VERSION).
CODEX_VERSION=$(codex_pinned_version)
want_tests=false
[ "${1:-}" = "--test" ] && want_tests=true

say() { printf '[setup] %s\n' "$*"; }

# The pinned release lives in .tools/codex (other releases beside it, in .tools/codex-VERSION).
install_local_codex() {
  codex_runs_version "$(codex_bin_in .tools/codex)" "$CODEX_VERSION" && return
  say "installing @openai/codex@$CODEX_VERSION into .tools/codex"
  codex_install "$CODEX_VERSION" .tools/codex || exit 1
}

# The product uses `codex` from PATH when there is one; tests always use the pinned release.
if $want_tests || ! command -v codex >/dev/null; then
  install_local_codex
fi

command -v cargo >/dev/null || { echo "cargo is needed (https://rustup.rs)" >&2; exit 1; }
# SQLite and jemalloc (the host's allocator) are built from C: a C compiler, and make for jemalloc.
missing_build_tools=()
command -v cc >/dev/null || missing_build_tools+=(gcc libc6-dev)
command -v make >/dev/null || missing_build_tools+=(make)
if [ ${#missing_build_tools[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing ${missing_build_tools[*]} (apt) to build SQLite and jemalloc"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing_build_tools[@]}" >/dev/null
  else
    echo "building the host needs a C compiler and make: install them (sudo apt-get install -y gcc make) and run again" >&2
    exit 1
  fi
fi

# The plugins that ship with the product are WebAssembly components; the tests also need the misbehaving test plugins.
if $want_tests; then
  say "building the plugins and the test plugins (wasm32-wasip2)"
  plugins/build.sh --quiet
else
  say "building the shipped plugins (wasm32-wasip2)"
  plugins/build.sh --shipped --quiet
fi

# The web UI (web/): npm ci when the lock file changed, a production build when the sources are newer than it.
web_stale() {
  [ -f web/dist/index.html ] || return 0
  [ -n "$(find web/src web/index.html web/package.json web/package-lock.json web/vite.config.ts web/public \
      -newer web/dist/index.html -print -quit 2>/dev/null)" ]
}
if web_stale; then
  command -v npm >/dev/null || { echo "npm is needed to build the web UI (install Node.js 20+)" >&2; exit 1; }
  if [ ! -f web/node_modules/.package-lock.json ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
    say "installing the web UI's packages (npm ci)"
    (cd web && npm ci --no-audit --no-fund --loglevel=error)
  fi
  say "building the web UI (web/dist)"
  (cd web && npm run --silent build >/dev/null)
fi

# The web UI's end-to-end tests drive Debian's Chromium (never a downloaded browser).
if $want_tests && ! command -v chromium >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing chromium (apt) for the web UI's end-to-end tests"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "the web UI's end-to-end tests need Chromium: install it (sudo apt-get install -y chromium) and run again" >&2
    exit 1
  fi
fi
# The store's tests on PostgreSQL run against a private cluster (scripts/lib/postgres.sh, started by scripts/test.sh).
# Without the server only that suite fails: the others do not need it.
if $want_tests; then
  source scripts/lib/postgres.sh
  pg_install || say "no PostgreSQL server: the suite \"Store on PostgreSQL\" will fail until it is installed"
fi
# The Python SDK's tests (python/): a venv at .tools/py with the package installed editable, plus pytest; and the
# contract fuzzer's pinned packages (tests/contract/requirements.txt). Rebuilt when either file changes.
PY_TEST_REQUIREMENTS="tests/contract/requirements.txt"
py_stale() {
  [ -x .tools/py/bin/pytest ] && [ -f .tools/py/.installed ] || return 0
  .tools/py/bin/python -c 'import codex_manager_sdk, httpx, websockets, schemathesis' 2>/dev/null || return 0
  [ python/pyproject.toml -nt .tools/py/.installed ] || [ "$PY_TEST_REQUIREMENTS" -nt .tools/py/.installed ]
}
if $want_tests && py_stale; then
  if ! command -v python3 >/dev/null || ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      say "installing python3 and python3-venv (apt) for the Python SDK's tests"
      DEBIAN_FRONTEND=noninteractive apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv >/dev/null
    else
      echo "the Python SDK's tests need python3 with venv: install them (sudo apt-get install -y python3 python3-venv) and run again" >&2
      exit 1
    fi
  fi
  python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || { echo "the Python SDK needs Python 3.11+; python3 is $(python3 --version 2>&1)" >&2; exit 1; }
  say "installing the Python SDK, pytest and the contract fuzzer into .tools/py"
  rm -rf .tools/py
  python3 -m venv .tools/py
  .tools/py/bin/python -m pip install -q --disable-pip-version-check -e 'python[test]' -r "$PY_TEST_REQUIREMENTS"
  touch .tools/py/.installed
fi
# Plugin authoring in Python and JavaScript (cli/tests/authoring.rs, the conformance suite's Python and JS runs): the
# pinned componentizers, each in a folder of its own so the SDK's venv above is never rebuilt for them. The versions
# are the CLI's (cli/src/commands/authoring/tools.rs); a second run only checks them.
COMPONENTIZE_PY_VERSION="$(sed -n -E 's/^pub const COMPONENTIZE_PY: &str = "(.*)";/\1/p' cli/src/commands/authoring/tools.rs)"
COMPONENTIZE_QJS_VERSION="$(sed -n -E 's/^pub const COMPONENTIZE_QJS: &str = "(.*)";/\1/p' cli/src/commands/authoring/tools.rs)"
if $want_tests; then
  if ! .tools/plugin-py/bin/componentize-py --version 2>/dev/null | grep -qx "componentize-py $COMPONENTIZE_PY_VERSION"; then
    python3 -c 'import venv, ensurepip' 2>/dev/null \
      || { echo "componentize-py needs python3 with venv (apt-get install -y python3-venv)" >&2; exit 1; }
    say "installing componentize-py $COMPONENTIZE_PY_VERSION into .tools/plugin-py (Python plugins)"
    rm -rf .tools/plugin-py
    python3 -m venv .tools/plugin-py
    .tools/plugin-py/bin/python -m pip install -q --disable-pip-version-check "componentize-py==$COMPONENTIZE_PY_VERSION"
  fi
  qjs_installed() {
    node -e 'const p=require(process.argv[1]); process.exit(p.version===process.argv[2]?0:1)' \
      "$PWD/.tools/plugin-js/node_modules/componentize-qjs/package.json" "$COMPONENTIZE_QJS_VERSION" 2>/dev/null \
      && [ -x .tools/plugin-js/node_modules/.bin/componentize-qjs ]
  }
  if ! qjs_installed; then
    command -v npm >/dev/null || { echo "npm is needed to install componentize-qjs (install Node.js 20+)" >&2; exit 1; }
    say "installing componentize-qjs $COMPONENTIZE_QJS_VERSION into .tools/plugin-js (JavaScript plugins)"
    mkdir -p .tools/plugin-js
    npm install --prefix .tools/plugin-js --no-audit --no-fund --loglevel=error --save-exact "componentize-qjs@$COMPONENTIZE_QJS_VERSION"
    qjs_installed || { echo "the componentize-qjs install in .tools/plugin-js does not run" >&2; exit 1; }
  fi
fi
say "ready"
