#!/usr/bin/env bash
# The one command to add a codex release (docs/operations.md, "Upgrading codex / adding a release"):
#
#   scripts/codex-release.sh VERSION [--skip-suites]
#
# installs @openai/codex@VERSION into .tools/codex-VERSION (the pin stays in .tools/codex), says in words what
# changed in its app-server schema against the pinned release's, runs the drift guard and the end-to-end suites
# against it (CODEX_BIN), and prints its schema fingerprint and the TestedRelease line for
# host/src/appserver/version.rs. --skip-suites: the install, the schema diff, the fingerprint and the drift guard
# only. Exits non-zero when the guard or a suite fails. Nothing is edited first: the suites assert the verdict the
# host's rules give the release they run on (tested, compatible with or without sameSchemaAs, or incompatible outside
# SUPPORTED_RANGE), so a release not yet in TESTED or the range passes them as it is.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/codex-releases.sh

usage() { echo "usage: scripts/codex-release.sh VERSION [--skip-suites]   (VERSION like 0.172.0)" >&2; exit 2; }
version="" skip_suites=false
for arg in "$@"; do
  case $arg in
    --skip-suites) skip_suites=true ;;
    -h | --help) usage ;;
    -*) usage ;;
    *) [ -z "$version" ] || usage; version=$arg ;;
  esac
done
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$ ]] || usage

pinned=$(codex_pinned_version) || exit 1
say() { printf '[codex-release] %s\n' "$*"; }

# The pin is compared with (and lives in .tools/codex); any other release goes beside it.
codex_install "$pinned" .tools/codex || { say "cannot install the pinned codex $pinned"; exit 1; }
if [ "$version" = "$pinned" ]; then dir=.tools/codex; else dir=$(codex_release_dir "$version"); fi
codex_install "$version" "$dir" || { say "cannot install @openai/codex@$version"; exit 1; }
bin="$PWD/$(codex_bin_in "$dir")"
say "codex $version: $bin"

# Each step's output goes to a log; the summary is one line a step.
logs="target/codex-release/$version"
rm -rf "$logs" && mkdir -p "$logs"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
failed=()
summary=()
# step NAME COMMAND...: run it into $logs/NAME.log, print ok/FAILED with its seconds (and the log's tail on failure).
step() {
  local name=$1 started=$SECONDS
  shift
  if "$@" >"$logs/$name.log" 2>&1; then
    summary+=("$(printf '  %-12s ok (%d s)' "$name" $((SECONDS - started)))")
  else
    summary+=("$(printf '  %-12s FAILED (%d s): %s' "$name" $((SECONDS - started)) "$logs/$name.log")")
    failed+=("$name")
    tail -n 40 "$logs/$name.log" | sed 's/^/    | /'
  fi
  echo "${summary[-1]}"
}

# generate_schema BIN DIR: the schema the host checks (experimental surface included), with a scratch CODEX_HOME so
# the user's codex home is neither read nor written.
generate_schema() {
  mkdir -p "$2.home" && CODEX_HOME="$2.home" "$1" app-server generate-json-schema --experimental --out "$2"
}

say "schemas, fingerprint"
step schema-pin generate_schema "$PWD/$(codex_bin_in .tools/codex)" "$scratch/$pinned"
step schema-new generate_schema "$bin" "$scratch/new"
step fingerprint cargo run -q -p codex-manager-conformance --bin schema-fingerprint -- "$scratch/new"
fingerprint=$(tail -n 1 "$logs/fingerprint.log")
[[ $fingerprint =~ ^[0-9a-f]{64}$ ]] || fingerprint=""
if [ -f "$scratch/new/ClientRequest.json" ] && [ -f "$scratch/$pinned/ClientRequest.json" ]; then
  echo
  python3 scripts/codex_schema_diff.py "$scratch/$pinned" "$scratch/new" --old-name "$pinned" --new-name "$version"
  echo
fi

# Codex's own binary chosen everywhere: the guard and every end-to-end test spawn CODEX_BIN.
say "drift guard (every fact host/src/appserver/reliance.rs relies on, in codex $version's schema)"
step drift-guard codex_drift_guard "$bin"
if ! $skip_suites; then
  say "end-to-end suites (cli/tests/*.rs, a real host driving codex $version against the fake model)"
  unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY
  export NO_PROXY="127.0.0.1,localhost"
  step build cargo build -p codex-manager -p codex-manager-fakes --bins
  step e2e codex_e2e_suites "$bin"
  grep -E '^test result:' "$logs/e2e.log" | awk '{p += $4; f += $6} END {printf "  e2e tests: %d passed, %d failed\n", p, f}'
fi

echo
say "codex $version against this host"
printf '%s\n' "${summary[@]}"
if [ -n "$fingerprint" ]; then
  echo "  schema fingerprint: $fingerprint"
  known=$(sed -n '/^pub const TESTED: /,/\];/p' "$CODEX_VERSION_RS" | grep -F "\"$fingerprint\"" | grep -o 'version: "[^"]*"' | sed 's/version: "\(.*\)"/\1/' | head -n 1)
  if [ "$known" = "$version" ]; then
    echo "  $version is in TESTED with this fingerprint"
  elif [ -n "$known" ]; then
    echo "  the same schema as the tested $known: the host already reports $version as compatible, sameSchemaAs $known (no warning)"
  fi
fi
range=$(sed -n 's/^pub const SUPPORTED_RANGE: (&str, &str) = ("\([^"]*\)", "\([^"]*\)");.*/\1 \2/p' "$CODEX_VERSION_RS")
new_range=""
if [ -n "$range" ]; then
  read -r from to <<<"$range"
  core=${version%%[-+]*}
  lowest=$(printf '%s\n%s\n' "$from" "$core" | sort -V | head -n 1)
  below_to=$(printf '%s\n%s\n' "$core" "$to" | sort -V | head -n 1)
  if [ "$lowest" = "$from" ] && [ "$below_to" = "$core" ] && [ "$core" != "$to" ]; then
    echo "  inside SUPPORTED_RANGE [$from, $to)"
  else
    # The suites asserted what the host says of it now (incompatible); once in TESTED the range must hold it: from the
    # oldest tested release to one minor past the newest (docs/operations.md).
    IFS=. read -r major minor _ <<<"$core"
    if [ "$lowest" = "$core" ]; then new_range="(\"$core\", \"$to\")"; else new_range="(\"$from\", \"$major.$((minor + 1)).0\")"; fi
    echo "  OUTSIDE SUPPORTED_RANGE [$from, $to): the host reports it incompatible until the range moves"
  fi
fi
if [ ${#failed[@]} -gt 0 ]; then
  echo "  FAILED: ${failed[*]} (logs in $logs/): do not add $version to TESTED; see docs/operations.md"
  exit 1
fi
if $skip_suites; then
  echo "  the suites were skipped: run without --skip-suites before adding $version to TESTED"
  exit 0
fi
if codex_tested_versions | grep -qxF "$version"; then
  echo "  Passed. $version is already in TESTED (the drift guard checked its fingerprint there)."
  exit 0
fi
echo
echo "Passed. Add this line to TESTED in $CODEX_VERSION_RS (and commit; scripts/test.sh then checks $version in CI):"
echo "    TestedRelease { version: \"$version\", schema: \"$fingerprint\" },"
if [ -n "$new_range" ]; then
  echo "and, in the same commit, move the range to hold it (the unit tests check every tested release is inside it):"
  echo "    pub const SUPPORTED_RANGE: (&str, &str) = $new_range;"
fi
