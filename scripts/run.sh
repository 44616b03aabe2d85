#!/usr/bin/env bash
# Set up what is missing, build, and run the host. Extra arguments go to `codex-manager serve`
# (for example `--demo` to try it against the built-in fake model, with no API key).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x target/release/codex-manager ]; then
  # Measured on a fresh clone of this machine's kind (2 cores): 11 minutes to the login link, most of it compiling
  # wasmtime in release. Every later start finds everything built and takes under a second.
  printf '[run] first start: set-up and a release build, about 11 minutes on 2 cores; later starts take a second\n'
fi
scripts/setup.sh
cargo build --release -p codex-manager
exec target/release/codex-manager serve "$@"
