"""Parity both ways: every operation of docs/openapi.json has a method on BOTH clients (or an exemption saying why
not), and the SDK names no operation the document lacks. The two clients also have the same resources and methods
(the sync one is generated from the async one; this holds the generated file to that)."""

from __future__ import annotations

import ast
import inspect
import json
from pathlib import Path

import pytest

import codex_manager_sdk
from codex_manager_sdk import AsyncClient, Client
from codex_manager_sdk._sync_client import _Resource as SyncResource
from codex_manager_sdk._async_client import _Resource as AsyncResource
from hosthelper import REPO

PACKAGE = Path(codex_manager_sdk.__file__).parent

#: Operations with no SDK method, and why.
EXEMPT = {
    "auth.login": "the browser's login page: it trades a one-time code for a session cookie and redirects to the "
                  "web UI; an SDK authenticates with the token instead (`login_link()` issues such a code)",
}


def document_operations() -> set[str]:
    doc = json.loads((REPO / "docs" / "openapi.json").read_text())
    return {op["operationId"] for item in doc["paths"].values() for m, op in item.items()
            if m in ("get", "put", "post", "patch", "delete")}


def surface(client: object) -> dict[str, dict[str, tuple[str, ...]]]:
    """``{"" or resource attribute: {method: operation ids}}`` of a client instance."""
    out: dict[str, dict[str, tuple[str, ...]]] = {}
    groups = {"": client, **{k: v for k, v in vars(client).items() if isinstance(v, (SyncResource, AsyncResource))}}
    groups.update({k: v for k, v in vars(client).items() if k == "tools"})
    for name, obj in groups.items():
        methods = {}
        for attr, fn in inspect.getmembers(type(obj), callable):
            if attr.startswith("_"):
                continue
            methods[{"aclose": "close"}.get(attr, attr)] = tuple(getattr(fn, "__operations__", ()))
        out[name] = methods
    return out


def covered(client: object) -> set[str]:
    return {op for methods in surface(client).values() for ops in methods.values() for op in ops}


def gaps(document: set[str], client: object) -> tuple[set[str], set[str]]:
    """(operations with no method and no exemption, ids the client names that the document lacks)."""
    have = covered(client)
    return document - have - set(EXEMPT), have - document


@pytest.fixture(scope="module")
def clients():
    sync, aio = Client(url="http://127.0.0.1:9", token="t"), AsyncClient(url="http://127.0.0.1:9", token="t")
    yield {"sync": sync, "async": aio}
    sync.close()


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_every_operation_has_a_method(clients, kind):
    missing, unknown = gaps(document_operations(), clients[kind])
    assert not missing, f"operations of docs/openapi.json with no {kind} SDK method (add one, or an EXEMPT entry " \
                        f"with the reason): {sorted(missing)}"
    assert not unknown, f"operations the {kind} SDK names that docs/openapi.json lacks: {sorted(unknown)}"


def test_the_gate_fails_on_a_new_operation_and_on_a_removed_one(clients):
    doc = document_operations()
    missing, _ = gaps(doc | {"widgets.frobnicate"}, clients["sync"])
    assert missing == {"widgets.frobnicate"}
    _, unknown = gaps(doc - {"sessions.fork"}, clients["async"])
    assert unknown == {"sessions.fork"}


def test_exemptions_are_real_operations_without_a_method(clients):
    doc = document_operations()
    assert set(EXEMPT) <= doc, "an exemption for an operation the document no longer has"
    assert not set(EXEMPT) & covered(clients["sync"]), "an exempt operation has a method: drop the exemption"


def test_both_clients_have_the_same_resources_and_methods(clients):
    assert surface(clients["sync"]) == surface(clients["async"])


def test_the_async_methods_are_coroutines_and_the_sync_ones_are_not(clients):
    for name, methods in surface(clients["async"]).items():
        owner = clients["async"] if not name else getattr(clients["async"], name)
        for attr, ops in methods.items():
            if ops and attr != "events":
                assert inspect.iscoroutinefunction(getattr(owner, attr)), f"{name}.{attr}"
                sync_owner = clients["sync"] if not name else getattr(clients["sync"], name)
                assert not inspect.iscoroutinefunction(getattr(sync_owner, attr)), f"{name}.{attr}"


def test_every_operation_id_the_package_spells_is_in_the_document():
    """Ids passed to ``call(...)`` / ``route(...)`` / ``@operation(...)`` anywhere in the package."""
    doc = document_operations()
    unknown = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "routes.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            fn = node.func
            name = fn.attr if isinstance(fn, ast.Attribute) else getattr(fn, "id", "")
            if name not in ("call", "route", "operation"):
                continue
            for arg in node.args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value not in doc:
                    unknown.append(f"{path.name}:{node.lineno}: {arg.value}")
    assert not unknown, "operation ids the document lacks:\n" + "\n".join(unknown)
