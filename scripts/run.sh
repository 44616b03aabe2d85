#!/usr/bin/env bash
# Set up what is missing, build, and run the host. Extra arguments go to `codex-manager serve`
# (for example `--demo` to try it against the built-in fake model, with no API key).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo build --release -p codex-manager
exec target/release/codex-manager serve "$@"
