"""Generate every client's types and operation table from docs/openapi.json (itself generated from the host).

    python3 scripts/gen_clients            write the generated files
    python3 scripts/gen_clients --check    exit 1 naming each stale file (a conformance test runs this)

One module per target (``ts.py`` for the web UI, ``python.py`` for the SDK, ``rust.py`` for the CLI), each with
``generate(doc) -> {repo-relative path: file text}``. Standard library only: the generator runs on a fresh machine
before anything is installed.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))

TARGETS = ("ts", "python", "rust")


def load_doc() -> dict:
    return json.loads((REPO / "docs" / "openapi.json").read_text())


def outputs() -> dict[str, str]:
    from common import Document

    doc = Document(load_doc())
    files: dict[str, str] = {}
    for name in TARGETS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError:
            continue  # a target not written yet
        files.update(module.generate(doc))
    return files


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for rel, text in sorted(outputs().items()):
        path = REPO / rel
        current = path.read_text() if path.exists() else None
        if current == text:
            continue
        if check:
            stale.append(rel)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            print(f"wrote {rel}")
    if stale:
        print("stale generated files (run `python3 scripts/gen_clients` and commit them):", file=sys.stderr)
        for rel in stale:
            print(f"  {rel}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
