"""The Python SDK's generated files.

- ``python/codex_manager_sdk/routes.py``: the operation table (operationId -> method, path, path and query parameters,
  body and answer schema). The only module of the package that spells ``/api/`` paths.
- ``python/codex_manager_sdk/models.py``: a dataclass per object schema (typed fields, the answer kept in ``raw``,
  unknown fields and enum values tolerated) and a ``StrEnum`` per string enum.
- ``python/codex_manager_sdk/_sync_client.py``: the sync client, rewritten from the async one
  (``_async_client.py``, the one hand-written definition of every resource method) by dropping ``async`` /
  ``await`` and mapping the async names to their sync twins, so the two clients cannot diverge.
"""

from __future__ import annotations

import io
import keyword
import re
import tokenize
from pathlib import Path

from common import HEADER, Document

PKG = "python/codex_manager_sdk"
REPO = Path(__file__).resolve().parents[2]

#: Hand-written behaviour mixed into a generated model (``codex_manager_sdk/_mixins.py``): properties such as
#: ``TurnRecord.ended`` that are not in the document.
MIXINS = {
    "TurnRecord": "TurnRecordMixin",
    "Job": "JobMixin",
    "PendingRequest": "PendingRequestMixin",
    "EventEnvelope": "EventMixin",
    "EventPage": "EventPageMixin",
}

#: Names of the route table before operationIds existed: ``AsyncClient.call("health")`` keeps working.
LEGACY_ALIASES = {
    "health": "health.health",
    "ready": "health.ready",
    "capabilities": "capabilities.capabilities",
    "login_links.create": "auth.new_link",
    "sessions.notes": "notes.list",
    "turns.list": "turns.list_turns",
    "turns.get": "turns.get_turn",
    "requests.list": "requests.list_all",
    "controls.get": "controls.get_session",
    "controls.set": "controls.put_session",
    "controls.defaults": "controls.get_defaults",
    "controls.set_defaults": "controls.put_defaults",
    "settings.set": "settings.put",
}

#: The async source's names -> the sync client's (besides ``AsyncX`` -> ``X`` and dropping ``async``/``await``).
SYNC_NAMES = {
    "__aenter__": "__enter__",
    "__aexit__": "__exit__",
    "__aiter__": "__iter__",
    "__anext__": "__next__",
    "aclose": "close",
    "StopAsyncIteration": "StopIteration",
    "_async_io": "_sync_io",
}


def generate(doc: Document) -> dict[str, str]:
    return {
        f"{PKG}/routes.py": routes(doc),
        f"{PKG}/models.py": models(doc),
        f"{PKG}/_sync_client.py": unasync((REPO / PKG / "_async_client.py").read_text()),
    }


# -- routes --------------------------------------------------------------------------------------------------


def _schema_label(doc: Document, schema: dict | None) -> str | None:
    if schema is None:
        return None
    name = doc.ref_name(schema)
    if name:
        return name
    if schema.get("type") == "array" and doc.ref_name(schema.get("items")):
        return f"list[{doc.ref_name(schema['items'])}]"
    return "object" if schema.get("type") == "object" else "any"


def routes(doc: Document) -> str:
    out = [
        f'"""{HEADER}',
        "",
        "Every operation of the host's API, keyed by its stable operationId (``group.handler``). This is the ONLY module",
        "of the package that spells ``/api/`` paths: both clients build every request from this table.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "from dataclasses import dataclass",
        "from urllib.parse import quote",
        "",
        "",
        "@dataclass(frozen=True)",
        "class Route:",
        "    id: str",
        "    method: str",
        "    path: str  # an OpenAPI path template, e.g. /api/sessions/{id}",
        "    path_params: tuple[str, ...] = ()",
        "    query_params: tuple[str, ...] = ()",
        "    body: str | None = None  # the request body's schema name (`any`: any JSON), None without a body",
        "    answer: str | None = None  # the success answer's schema name (`list[X]`, `object`), None when empty",
        "    summary: str = \"\"",
        "",
        "    @property",
        "    def idempotent(self) -> bool:",
        '        """Safe to send twice: GET, PUT and DELETE (a POST only with an ``Idempotency-Key``)."""',
        '        return self.method in ("GET", "PUT", "DELETE")',
        "",
        "    def url_path(self, **params: str) -> str:",
        '        """The path with its ``{name}`` parameters filled in (each percent-encoded as one segment)."""',
        "        out = self.path",
        "        for key, value in params.items():",
        '            out = out.replace("{" + key + "}", quote(str(value), safe=""))',
        '        if "{" in out:',
        '            raise ValueError(f"missing path parameter for {self.path}: {params}")',
        "        return out",
        "",
        "",
        "OPERATIONS: dict[str, Route] = {",
    ]
    for op in doc.operations:
        path_params = tuple(p.name for p in op.params if p.location == "path")
        query_params = tuple(p.name for p in op.params if p.location == "query")
        success = op.success()
        answer = _schema_label(doc, success[1]) if success else None
        body = _schema_label(doc, op.body)
        summary = op.summary.split("\n")[0]
        out.append(
            f"    {op.id!r}: Route({op.id!r}, {op.method!r}, {op.path!r}, {path_params!r}, {query_params!r}, "
            f"{body!r}, {answer!r}, {summary!r}),"
        )
    out += [
        "}",
        "",
        "#: The table's names before operationIds existed, for ``call(name)`` in older scripts.",
        "ALIASES: dict[str, str] = {",
        *(f"    {old!r}: {new!r}," for old, new in sorted(LEGACY_ALIASES.items())),
        "}",
        "",
        "#: The old name of the table.",
        "ROUTES = OPERATIONS",
        "",
        "",
        "def route(op_id: str) -> Route:",
        "    return OPERATIONS[ALIASES.get(op_id, op_id)]",
        "",
    ]
    return "\n".join(out)


# -- models --------------------------------------------------------------------------------------------------


def snake(name: str) -> str:
    s = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()
    s = re.sub(r"[^a-z0-9_]", "_", s)
    if keyword.iskeyword(s) or s in ("raw", "get", "to_json", "from_json"):
        s += "_"
    return s


def member(value: str) -> str:
    s = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", value)
    s = re.sub(r"[^A-Za-z0-9]+", "_", s).strip("_").upper()
    if not s or s[0].isdigit():
        s = "V_" + s
    return s


def _doc_lines(text: str, indent: str) -> list[str]:
    text = (text or "").strip().replace('"""', "'''").replace("\\", "\\\\")
    if not text:
        return []
    lines = text.split("\n")
    if len(lines) == 1:
        return [f'{indent}"""{lines[0]}"""']
    return [f'{indent}"""{lines[0]}', *(f"{indent}{line}".rstrip() for line in lines[1:]), f'{indent}"""']


class _Models:
    def __init__(self, doc: Document):
        self.doc = doc
        self.schemas = doc.schemas
        self.enums = {n for n, s in self.schemas.items() if s.get("type") == "string" and "enum" in s}
        self.objects = {n for n, s in self.schemas.items() if s.get("type") == "object"}
        self.unions = {n for n in self.schemas if n not in self.enums and n not in self.objects}

    def kind(self, schema: dict) -> tuple[str, str | None, bool, str]:
        """(type expression, converter expression, nullable, zero-default expression or '')."""
        nullable = False
        if "oneOf" in schema:
            variants = [v for v in schema["oneOf"] if v.get("type") != "null"]
            nullable = len(variants) < len(schema["oneOf"])
            if len(variants) == 1:
                t, conv, inner_null, zero = self.kind(variants[0])
                return t, conv, nullable or inner_null, zero
            kinds = [self.kind(v) for v in variants]
            if any(conv is not None for _, conv, _, _ in kinds):
                return "Any", None, True, ""  # a union of models: kept as the JSON it is
            names: list[str] = []
            for t, _, _, _ in kinds:
                if t not in names:
                    names.append(t)
            return " | ".join(names), None, nullable or any(n for _, _, n, _ in kinds), kinds[0][3]
        ref = self.doc.ref_name(schema)
        if ref:
            if ref in self.enums:
                return f"{ref} | str", f"enum_of({ref})", False, '""'
            if ref in self.objects:
                return ref, f"model({ref})", False, f"factory:{ref}"
            return ref, None, False, "dict"
        types = schema.get("type")
        if isinstance(types, list):
            nullable = "null" in types
            types = [t for t in types if t != "null"]
            types = types[0] if len(types) == 1 else None
        if types == "string":
            if "enum" in schema:
                return "str", None, nullable, '""'
            return "str", None, nullable, '""'
        if types == "integer":
            return "int", None, nullable, "0"
        if types == "number":
            return "float", None, nullable, "0.0"
        if types == "boolean":
            return "bool", None, nullable, "False"
        if types == "array":
            t, conv, _, _ = self.kind(schema.get("items") or {})
            return f"list[{t}]", (f"list_of({conv})" if conv else None), nullable, "list"
        if types == "object":
            extra = schema.get("additionalProperties")
            if isinstance(extra, dict) and extra:
                t, conv, _, _ = self.kind(extra)
                return f"dict[str, {t}]", (f"dict_of({conv})" if conv else None), nullable, "dict"
            return "dict[str, Any]", None, nullable, "dict"
        return "Any", None, True, ""

    def field_line(self, prop: str, schema: dict, required: bool) -> tuple[str, str | None]:
        t, conv, nullable, zero = self.kind(schema)
        name = snake(prop)
        if nullable or t == "Any" or (not required and (conv is not None or zero.startswith("factory:"))):
            if t == "Any":
                return f"    {name}: Any = None", conv
            return f"    {name}: {t} | None = None", conv
        if zero == "list":
            return f"    {name}: {t} = field(default_factory=list)", conv
        if zero == "dict":
            return f"    {name}: {t} = field(default_factory=dict)", conv
        if zero.startswith("factory:"):
            return f"    {name}: {t} = field(default_factory=lambda: {zero[8:]}())", conv
        return f"    {name}: {t} = {zero}", conv

    def enum_class(self, name: str) -> list[str]:
        s = self.schemas[name]
        out = [f"class {name}(StrEnum):"]
        out += _doc_lines(s.get("description", ""), "    ") or [f'    """The values of `{name}`."""']
        out.append("")
        seen: set[str] = set()
        for value in s["enum"]:
            m = member(value)
            while m in seen:
                m += "_"
            seen.add(m)
            out.append(f"    {m} = {value!r}")
        return out

    def object_class(self, name: str) -> list[str]:
        s = self.schemas[name]
        bases = ", ".join([*([MIXINS[name]] if name in MIXINS else []), "Model"])
        out = ["@dataclass(eq=False)", f"class {name}({bases}):"]
        out += _doc_lines(s.get("description", ""), "    ") or [f'    """`{name}` of the API."""']
        out.append("")
        required = set(s.get("required", []))
        wire: list[tuple[str, str]] = []
        convs: list[tuple[str, str]] = []
        for prop, ps in s.get("properties", {}).items():
            desc = (ps.get("description") or "").strip()
            if not desc and "oneOf" in ps:
                desc = next((v.get("description", "") for v in ps["oneOf"] if v.get("description")), "")
            for line in desc.split("\n") if desc else []:
                out.append(f"    #: {line}".rstrip())
            line, conv = self.field_line(prop, ps, prop in required)
            out.append(line)
            wire.append((snake(prop), prop))
            if conv:
                convs.append((snake(prop), conv))
        out.append("    raw: dict[str, Any] = field(default_factory=dict, repr=False)")
        out.append("")
        out.append("    _wire: ClassVar[dict[str, str]] = {" + ", ".join(f"{a!r}: {b!r}" for a, b in wire) + "}")
        return out, convs

    def render(self) -> str:
        out = [
            f'"""{HEADER}',
            "",
            "A dataclass per object schema of the API (fields in snake_case, the answer kept whole in ``raw``, unknown fields",
            "tolerated) and a ``StrEnum`` per string enum (a value this SDK version does not know stays a plain ``str``).",
            "Regenerate with ``python3 scripts/gen_clients``. Import them from ``codex_manager_sdk`` or ``codex_manager_sdk.types``.",
            '"""',
            "",
            "from __future__ import annotations",
            "",
            "from dataclasses import dataclass, field",
            "from enum import StrEnum",
            "from typing import Any, ClassVar",
            "",
            "from ._mixins import " + ", ".join(sorted(set(MIXINS.values()))),
            "from ._model import Model, dict_of, enum_of, list_of, model",
            "",
        ]
        for name in sorted(self.enums):
            out += ["", *self.enum_class(name), ""]
        for name in sorted(self.unions):
            s = self.schemas[name]
            out += ["", f"#: `{name}`: one of several JSON object shapes (see docs/api.md); sent and received as a dict."]
            for line in (s.get("description") or "").strip().split("\n"):
                if line:
                    out.append(f"#: {line}")
            out += [f"{name} = dict[str, Any]", ""]
        all_convs: list[tuple[str, str, str]] = []
        for name in sorted(self.objects):
            lines, convs = self.object_class(name)
            out += ["", *lines, ""]
            all_convs += [(name, f, c) for f, c in convs]
        # Converters are attached after every class exists: schemas refer to each other in any order.
        out += ["", "# Nested models, lists of them and enums, decoded field by field."]
        by_class: dict[str, list[tuple[str, str]]] = {}
        for cls, f, c in all_convs:
            by_class.setdefault(cls, []).append((f, c))
        for cls in sorted(by_class):
            items = ", ".join(f"{f!r}: {c}" for f, c in by_class[cls])
            out.append(f"{cls}._conv = {{{items}}}")
        out += [
            "",
            "__all__ = [",
            *(f"    {n!r}," for n in sorted(self.schemas)),
            "]",
            "",
        ]
        return "\n".join(out)


def models(doc: Document) -> str:
    return _Models(doc).render()


# -- the sync client from the async one ----------------------------------------------------------------------


def unasync(source: str) -> str:
    """The sync twin of the async client: ``async``/``await`` dropped, ``AsyncX`` -> ``X``, the async dunder and
    module names mapped (:data:`SYNC_NAMES`). Strings and comments are left alone."""
    lines = source.splitlines(keepends=True)
    edits: dict[int, list[tuple[int, int, str]]] = {}
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type != tokenize.NAME:
            continue
        (row, col), (_, end) = tok.start, tok.end
        text = tok.string
        if text in ("async", "await"):
            line = lines[row - 1]
            while end < len(line) and line[end] == " ":
                end += 1
            edits.setdefault(row, []).append((col, end, ""))
        elif text in SYNC_NAMES:
            edits.setdefault(row, []).append((col, end, SYNC_NAMES[text]))
        elif re.match(r"Async[A-Z]", text):
            edits.setdefault(row, []).append((col, end, text[5:]))
    for row, spans in edits.items():
        line = lines[row - 1]
        for col, end, new in sorted(spans, reverse=True):
            line = line[:col] + new + line[end:]
        lines[row - 1] = line
    body = "".join(lines)
    head = f"# {HEADER}\n# The sync client: rewritten from _async_client.py (edit that file, then regenerate).\n"
    return head + body
