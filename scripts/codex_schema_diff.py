#!/usr/bin/env python3
"""What changed between two codex app-server schemas, in words.

    scripts/codex_schema_diff.py OLD_DIR NEW_DIR [--old-name 0.169.0] [--new-name 0.171.0]

Each DIR is what `codex app-server generate-json-schema --experimental --out DIR` wrote. Printed: the client request
methods, server requests (each new one is a request the host would have to answer), server and client notifications
added or removed, and the type files added, removed or changed (for a changed one: which top-level fields came or
went, and which became or stopped being required). Standard library only; scripts/codex-release.sh runs it.
"""

import argparse
import json
import sys
from pathlib import Path

# The unions of every message of one kind: their branches name the methods.
UNIONS = [
    ("ClientRequest.json", "client requests (the host may call)"),
    ("ServerRequest.json", "server requests (app-server asks, the host must answer)"),
    ("ServerNotification.json", "server notifications"),
    ("ClientNotification.json", "client notifications"),
]
# Bundles that repeat every other file: a change in them is a change elsewhere too.
BUNDLES = ("codex_app_server_protocol.schemas.json", "codex_app_server_protocol.v2.schemas.json")


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def methods(union):
    """The method names of a union's branches (`properties.method.enum`)."""
    out = set()
    for branch in union.get("oneOf", []):
        out.update(branch.get("properties", {}).get("method", {}).get("enum", []))
    return out


def type_files(root):
    return {
        p.relative_to(root).as_posix()
        for p in root.rglob("*.json")
        if p.name not in BUNDLES and p.relative_to(root).as_posix() not in {u for u, _ in UNIONS}
    }


def variants(schema):
    """A union's branches by name: its title, else the tag value (`type: "agentMessage"`), else the enum values
    themselves; with the fields each branch has."""
    out = {}
    for i, branch in enumerate(schema.get("oneOf", []) + schema.get("anyOf", [])):
        props = branch.get("properties", {})
        tag = next((f"{k}={v['enum'][0]}" for k, v in props.items() if isinstance(v, dict) and len(v.get("enum", [])) == 1 and k != "version"), None)
        if "enum" in branch:
            for value in branch["enum"]:
                out[str(value)] = set()
            continue
        out[branch.get("title") or tag or branch.get("$ref", "").rsplit("/", 1)[-1] or branch.get("type") and str(branch["type"]) or f"#{i}"] = set(props)
    for value in schema.get("enum", []):
        out[str(value)] = set()
    return out


def definition_change(old, new):
    """How one definition changed: variants gained or lost, fields gained or lost (its own or a variant's)."""
    parts = []
    vo, vn = variants(old), variants(new)
    for sign, names in (("+", set(vn) - set(vo)), ("-", set(vo) - set(vn))):
        if names:
            parts.append(f"variants {sign}{', '.join(sorted(names))}")
    for name in sorted(set(vo) & set(vn)):
        gained, lost = vn[name] - vo[name], vo[name] - vn[name]
        if gained or lost:
            parts.append(f"{name} fields " + " ".join([f"+{f}" for f in sorted(gained)] + [f"-{f}" for f in sorted(lost)]))
    po, pn = set(old.get("properties", {})), set(new.get("properties", {}))
    if pn - po or po - pn:
        parts.append("fields " + " ".join([f"+{f}" for f in sorted(pn - po)] + [f"-{f}" for f in sorted(po - pn)]))
    return "; ".join(parts) or "details"


def shape_change(old, new, defs):
    """A changed type file in a few words: top-level fields gained, lost or changed, required fields; the
    definitions it changed are tallied in `defs` (name -> {"+"|"-"|"~": (old, new)}) and told once for all files."""
    parts = []
    po, pn = old.get("properties", {}), new.get("properties", {})
    ro, rn = set(old.get("required", [])), set(new.get("required", []))
    for sign, names in (("+", set(pn) - set(po)), ("-", set(po) - set(pn))):
        if names:
            parts.append(f"fields {sign}{', '.join(sorted(names))}")
    changed = sorted(f for f in set(po) & set(pn) if po[f] != pn[f])
    if changed:
        parts.append(f"fields changed: {', '.join(changed)}")
    if rn - ro:
        parts.append(f"now required: {', '.join(sorted(rn - ro))}")
    if ro - rn:
        parts.append(f"no longer required: {', '.join(sorted(ro - rn))}")
    do, dn = old.get("definitions", {}), new.get("definitions", {})
    touched = False
    for name in set(do) | set(dn):
        sign = "+" if name not in do else "-" if name not in dn else "~" if do[name] != dn[name] else None
        if sign:
            defs.setdefault(name, {})[sign] = (do.get(name), dn.get(name))
            touched = True
    if not parts:
        parts.append("shared definitions only" if touched else "descriptions or other details")
    return "; ".join(parts)


def listing(sign, names, indent="    "):
    return [f"{indent}{sign} {n}" for n in sorted(names)]


def diff(old_dir, new_dir, old_name, new_name):
    lines = [f"schema {old_name} -> {new_name}"]
    new_server_requests = set()
    for file, what in UNIONS:
        mo, mn = methods(load(old_dir / file)), methods(load(new_dir / file))
        added, removed = mn - mo, mo - mn
        if file == "ServerRequest.json":
            new_server_requests = added
        if not added and not removed:
            lines.append(f"  {what}: unchanged ({len(mn)})")
            continue
        lines.append(f"  {what}: {len(added)} added, {len(removed)} removed ({len(mo)} -> {len(mn)})")
        lines += listing("+", added) + listing("-", removed)
    to, tn = type_files(old_dir), type_files(new_dir)
    added, removed = tn - to, to - tn
    changed = sorted(f for f in to & tn if load(old_dir / f) != load(new_dir / f))
    lines.append(f"  type files: {len(added)} added, {len(removed)} removed, {len(changed)} changed ({len(to)} -> {len(tn)})")
    lines += listing("+", added) + listing("-", removed)
    defs = {}
    lines += [f"    ~ {f}: {shape_change(load(old_dir / f), load(new_dir / f), defs)}" for f in changed]
    if defs:
        words = {"+": "added", "-": "removed", "~": "changed"}
        lines.append(f"  shared definitions touched: {len(defs)}")
        for sign in "+-":
            names = sorted(n for n, signs in defs.items() if sign in signs)
            if names:
                lines.append(f"    {words[sign]}: {', '.join(names)}")
        for name in sorted(n for n, signs in defs.items() if "~" in signs):
            lines.append(f"    changed {name}: {definition_change(*defs[name]['~'])}")
    if new_server_requests:
        lines.append(
            "  ATTENTION: app-server can now send requests the host does not know: "
            + ", ".join(sorted(new_server_requests))
            + " (each must be answered or declined by the host, see host/src/appserver/reliance.rs)"
        )
    return lines


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("old", type=Path)
    ap.add_argument("new", type=Path)
    ap.add_argument("--old-name", default="old")
    ap.add_argument("--new-name", default="new")
    a = ap.parse_args(argv)
    for d in (a.old, a.new):
        if not (d / "ClientRequest.json").is_file():
            print(f"{d} is not a generated app-server schema (no ClientRequest.json)", file=sys.stderr)
            return 2
    print("\n".join(diff(a.old, a.new, a.old_name, a.new_name)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
