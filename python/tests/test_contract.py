"""The contract: every route the SDK calls exists in docs/openapi.json (generated from the host's routes), and no
SDK module builds an /api/ path outside the route table. API drift fails here, not in a user's script."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import codex_manager_sdk
from codex_manager_sdk.routes import ROUTES
from hosthelper import REPO

PACKAGE = Path(codex_manager_sdk.__file__).parent
OPENAPI = REPO / "docs" / "openapi.json"


def openapi_operations() -> set[tuple[str, str]]:
    doc = json.loads(OPENAPI.read_text())
    return {
        (method.upper(), path)
        for path, item in doc["paths"].items()
        for method in item
        if method in {"get", "put", "post", "patch", "delete", "head", "options"}
    }


def test_every_sdk_route_is_in_the_openapi_document():
    ops = openapi_operations()
    missing = sorted(f"{name}: {r.method} {r.path}" for name, r in ROUTES.items() if (r.method, r.path) not in ops)
    assert not missing, f"routes the SDK calls but docs/openapi.json lacks (API drift):\n" + "\n".join(missing)


def test_path_parameters_match_the_document():
    doc = json.loads(OPENAPI.read_text())
    for name, r in ROUTES.items():
        params = doc["paths"][r.path][r.method.lower()].get("parameters", [])
        documented = {p["name"] for p in params if p.get("in") == "path"}
        assert set(re.findall(r"{(\w+)}", r.path)) == documented, name


def _docstring_nodes(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = getattr(node, "body", [])
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def test_no_module_builds_api_paths_outside_the_route_table():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "routes.py":
            continue
        tree = ast.parse(path.read_text(), str(path))
        docs = _docstring_nodes(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
                if "/api" in node.value or "/login" in node.value:
                    offenders.append(f"{path.name}:{node.lineno}: {node.value!r}")
    assert not offenders, "build paths through codex_manager_sdk.routes.OPERATIONS only:\n" + "\n".join(offenders)
