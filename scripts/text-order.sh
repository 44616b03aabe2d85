#!/usr/bin/env bash
# Record which functions a release host runs, and write them to cli/text-order.txt: the linker lays those out first
# and together (cli/build.rs), so the kernel's 64 KiB fault-around windows land on code the host runs instead of
# pulling in its neighbours. Run it after changes that move a lot of code (a dependency bump, new code on the start,
# turn or plugin-call path); a stale file only costs resident memory (docs/benchmarks.md, "Code layout").
#
# The scenario, under callgrind against the built-in fake model: a first start that installs (compiles) the shipped
# plugins; a restart, 20 s of idle (dump 1), a session with three turns, a 12,000-delta reply and a few reads, and the
# plugins' unload after them (dump 2). The file lists dump
# 1's functions, then those only dump 2 ran, then those only the first start ran (the install path, without the
# compile: that runs in a child), each group sorted so a regenerated file diffs by function.
# Needs valgrind (Debian: `apt-get install valgrind`); takes about 3 minutes after the build.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "text-order: needs valgrind (apt-get install valgrind)" >&2; exit 1; }
cargo build --release -p codex-manager -p codex-manager-fakes --bins
target=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
bin=$target/release/codex-manager
fake=$target/release/fake-app-server
work=$(mktemp -d)
host_pid=""
cleanup() { [ -n "$host_pid" ] && kill "$host_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export CODEX_MANAGER_URL=http://127.0.0.1:$port CODEX_MANAGER_DATA_DIR=$work/data

wait_ready() { # $1: seconds
  for _ in $(seq 1 "$1"); do
    "$bin" status >/dev/null 2>&1 && return 0
    kill -0 "$host_pid" 2>/dev/null || { echo "text-order: the host exited; its log: $work/log" >&2; cat "$work/log" >&2; exit 1; }
    sleep 1
  done
  echo "text-order: the host was not ready in $1 s" >&2; exit 1
}
serve() { "$@" serve --codex-bin "$fake" --data-dir "$work/data" --bind "127.0.0.1:$port" >>"$work/log" 2>&1 & host_pid=$!; }

echo "[text-order] first start under callgrind: installs (compiles) the shipped plugins"
serve valgrind --tool=callgrind --demangle=no --smc-check=all-non-file --callgrind-out-file="$work/install" "$bin"
wait_ready 600
# The shipped plugins (plugins/dist without the test plugins) install one by one after ready.
shipped=$(grep -L '^description = "Test plugin' plugins/dist/*/plugin.toml | wc -l)
for waited in $(seq 1 900); do
  [ "$(grep -c 'installed a bundled plugin' "$work/log" || true)" -ge "$shipped" ] && break
  grep -q 'could not install a bundled plugin' "$work/log" && { echo "text-order: an install failed" >&2; cat "$work/log" >&2; exit 1; }
  [ "$waited" = 900 ] && { echo "text-order: the shipped plugins did not install in 900 s" >&2; exit 1; }
  sleep 1
done
kill "$host_pid"; wait "$host_pid" || true

echo "[text-order] restart under callgrind (start-up takes about a minute there)"
serve valgrind --tool=callgrind --demangle=no --smc-check=all-non-file --callgrind-out-file="$work/cg" "$bin"
wait_ready 600; sleep 20
dump() { # callgrind_control's exit status does not say whether the dump was written: wait for the file
  callgrind_control --dump="$1" "$host_pid" >/dev/null 2>&1 || true
  for _ in $(seq 1 60); do [ -s "$work/cg.$2" ] && return 0; sleep 1; done
  echo "text-order: callgrind wrote no dump $2" >&2; exit 1
}
dump idle 1
session=$("$bin" sessions create --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
for i in 1 2 3; do "$bin" send "$session" "turn $i" --wait >/dev/null; done
# A long reply runs what short turns do not: the event log's prune (every 10,000 events), SQLite spilling its page
# cache, the plugins' calls for each delta and their unload after (what a 20,000-delta reply maps, docs/benchmarks.md).
"$bin" send "$session" "bench:deltas=12000,rate=0" --wait >/dev/null
"$bin" sessions list >/dev/null; "$bin" sessions show "$session" >/dev/null; "$bin" events --limit 20 >/dev/null
curl -s -o /dev/null "$CODEX_MANAGER_URL/"
sleep 6 # the plugins unload 2 s after their last call (IDLE_UNLOAD); valgrind runs the host ~50x slower
dump turns 2
kill "$host_pid"; wait "$host_pid" || true; host_pid=""

python3 - "$work/cg.1" "$work/cg.2" "$work/install" "$(basename "$bin")" >"$work/order" <<'EOF'
import re, sys

def dump(path, binary):
    """Functions of `binary` with cost in a callgrind dump (names as the linker knows them), and the dump's calls
    (caller, callee) between any two functions."""
    names, objects, found, calls, current, caller = {}, {}, set(), set(), None, None
    plain = lambda name: re.sub(r"'\d+$", "", name)  # callgrind's recursion-depth suffix
    for line in open(path, errors="replace"):
        m = re.match(r"^(c?fn|c?ob)=\((\d+)\)(?: (.*))?$", line.rstrip("\n"))
        if not m:
            continue
        kind, index, name = m.groups()
        if kind in ("ob", "cob"):
            objects.setdefault(index, name)
            if kind == "ob":
                current = objects[index]
            continue
        names.setdefault(index, name)
        if kind == "fn":
            caller = plain(names[index])
            if current and current.endswith("/" + binary):
                found.add(caller)
        elif caller:
            calls.add((caller, plain(names[index])))
    return {f for f in found if not f.startswith("0x") and not f.startswith("(")}, calls

def outside(functions, calls, pattern):
    """`functions` minus those run only under a function matching `pattern`: not reachable from the dump's roots
    (functions nothing calls) without passing through one."""
    skip = {f for f in functions | {c for _, c in calls} if re.search(pattern, f)}
    callees, called = {}, set()
    for a, b in calls:
        callees.setdefault(a, set()).add(b)
        called.add(b)
    seen = {f for f in functions | set(callees) if f not in called and f not in skip}
    todo = list(seen)
    while todo:
        for b in callees.get(todo.pop(), ()):
            if b not in seen and b not in skip:
                seen.add(b)
                todo.append(b)
    return functions & seen

binary = sys.argv[4]
idle, _ = dump(sys.argv[1], binary)
turns = dump(sys.argv[2], binary)[0] - idle
# Under valgrind the host compiles the plugins itself (the child's engine, on the real CPU, is not valgrind's); a
# native host compiles in a child process: what only the compile runs (under `compile_here`, and on the rayon
# threads wasmtime compiles functions on) is not the host's to lay out.
first, calls = dump(sys.argv[3], binary)
install = outside(first, calls, r"compile_here|rayon_core") - idle - turns
print(f"[text-order] {len(idle)} functions to idle, {len(turns)} more in turns, {len(install)} more to install the "
      f"plugins ({len(first - idle - turns - install)} left out: the compile)", file=sys.stderr)
print("\n".join(sorted(idle) + sorted(turns) + sorted(install)))
EOF
mv "$work/order" cli/text-order.txt # replaced whole, or not at all
echo "[text-order] wrote cli/text-order.txt ($(wc -l <cli/text-order.txt) functions); rebuild with cargo build --release"
