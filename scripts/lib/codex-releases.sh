# shellcheck shell=bash
# The codex releases the project knows, read from the one place they are declared (host/src/appserver/version.rs:
# EXPECTED_CODEX_VERSION is the pin, TESTED the releases the suites passed on), and how one is installed beside the
# others. Sourced by scripts/setup.sh, scripts/test.sh and scripts/codex-release.sh, from the repository's root.

CODEX_VERSION_RS="host/src/appserver/version.rs"

# The pinned release (`0.171.0`); fails loudly when version.rs no longer has the line this reads.
codex_pinned_version() {
  local v
  v=$(sed -n 's/^pub const EXPECTED_CODEX_VERSION: &str = "\([^"]*\)";.*/\1/p' "$CODEX_VERSION_RS")
  [ -n "$v" ] || { echo "no \`pub const EXPECTED_CODEX_VERSION: &str = \"...\";\` line in $CODEX_VERSION_RS" >&2; return 1; }
  printf '%s\n' "$v"
}

# Every tested release, one a line, in TESTED's order.
codex_tested_versions() {
  sed -n '/^pub const TESTED: /,/\];/p' "$CODEX_VERSION_RS" | grep -o 'version: "[^"]*"' | sed 's/version: "\(.*\)"/\1/'
}

# The tested releases other than the pin: the ones CI checks besides the full suite on the pin.
codex_other_tested_versions() {
  local pinned
  pinned=$(codex_pinned_version) || return 1
  codex_tested_versions | grep -vxF "$pinned" || true
}

# Where a release other than the pin lives (the pin itself lives in .tools/codex).
codex_release_dir() { printf '.tools/codex-%s\n' "$1"; }

codex_bin_in() { printf '%s/node_modules/.bin/codex\n' "$1"; }

# codex_runs_version BIN VERSION: BIN runs and says it is exactly VERSION (`codex-cli 0.171.0`).
codex_runs_version() {
  [ -x "$1" ] && [ "$("$1" --version 2>/dev/null | awk '{print $NF}')" = "$2" ]
}

# codex_install VERSION DIR: @openai/codex@VERSION into DIR (npm --prefix), unless DIR already holds a codex that
# says it is VERSION. Needs only npm and the npm registry.
codex_install() {
  local version=$1 dir=$2 bin fresh=false
  bin=$(codex_bin_in "$dir")
  codex_runs_version "$bin" "$version" && return 0
  command -v npm >/dev/null || { echo "npm is needed to install @openai/codex@$version (install Node.js 20+)" >&2; return 1; }
  printf '[codex] installing @openai/codex@%s into %s\n' "$version" "$dir" >&2
  [ -e "$dir" ] || fresh=true
  mkdir -p "$dir"
  # A release npm does not have leaves no empty directory behind.
  npm install --prefix "$dir" --no-audit --no-fund --loglevel=error "@openai/codex@$version" >&2 || { $fresh && rm -rf -- "$dir"; return 1; }
  codex_runs_version "$bin" "$version" || { echo "the codex installed in $dir does not run or is not $version" >&2; return 1; }
}

# What says whether a codex release works with this host (CODEX_BIN chooses the binary in every suite): the drift
# guard (every fact the host relies on holds in the release's schema) and the end-to-end suites (cli/tests/*.rs, a
# real host driving the release against the fake model; they need `cargo build -p codex-manager -p
# codex-manager-fakes --bins` first).
codex_drift_guard() { CODEX_BIN=$1 cargo test -p codex-manager-conformance --test protocol_drift; }
codex_e2e_suites() { CODEX_BIN=$1 cargo test -p codex-manager --tests --no-fail-fast; }

# codex_check_release VERSION: install VERSION beside the pin (.tools/codex-VERSION), then the drift guard and the
# end-to-end suites against it, both run; fails when either does. scripts/test.sh runs it for every tested release
# other than the pin (the end-to-end binaries must be built).
codex_check_release() {
  local version=$1 dir bin guard=0 e2e=0
  dir=$(codex_release_dir "$version")
  codex_install "$version" "$dir" || return 1
  bin="$PWD/$(codex_bin_in "$dir")"
  codex_drift_guard "$bin" || guard=$?
  codex_e2e_suites "$bin" || e2e=$?
  [ "$guard" = 0 ] && [ "$e2e" = 0 ]
}
