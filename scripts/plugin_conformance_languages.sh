#!/usr/bin/env bash
# The plugin conformance suite (conformance/tests/plugin_suite.rs) and the pool check (plugin_pool.rs: ~20 calls at
# once into the package and its copies, none refused for want of an instance) against a Python and a JavaScript plugin, made
# the way an author makes them: `codex-manager plugin new --lang python|js` in a scratch directory outside the
# repository, `plugin build` with the pinned componentizers scripts/setup.sh --test installs (.tools/plugin-*).
#
#   scripts/plugin_conformance_languages.sh     (after `cargo build -p codex-manager --bins`; scripts/test.sh does)
set -uo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
cli="${CARGO_TARGET_DIR:-$repo/target}/debug/codex-manager"
[ -x "$cli" ] || { echo "no $cli: cargo build -p codex-manager --bins" >&2; exit 1; }
export CODEX_MANAGER_COMPONENTIZE_PY="$repo/.tools/plugin-py/bin/componentize-py"
export CODEX_MANAGER_COMPONENTIZE_QJS="$repo/.tools/plugin-js/node_modules/.bin/componentize-qjs"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

status=0
for lang in python js; do
  id="conformance-$lang"
  if ! (cd "$scratch" && "$cli" plugin new "$id" --lang "$lang" >/dev/null && "$cli" plugin build "$id" >/dev/null); then
    echo "== conformance ($lang): the template does not build" >&2
    status=1
    continue
  fi
  if PLUGIN_UNDER_TEST="$scratch/$id/dist/$id" cargo test -q -p codex-manager-conformance --test plugin_suite --test plugin_pool; then
    echo "== conformance ($lang): ok"
  else
    echo "== conformance ($lang): FAILED" >&2
    status=1
  fi
done
exit "$status"
