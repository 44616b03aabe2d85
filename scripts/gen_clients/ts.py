"""The web UI's target: TypeScript types for every component schema and the operation table (id -> method + path).

Writes ``web/src/api/generated.ts``. Objects become interfaces (a property the schema does not require is optional),
enums string-literal unions, ``type: [T, "null"]`` and ``oneOf [null, ...]`` ``| null``, ``oneOf``/``anyOf`` unions,
``allOf`` intersections, ``const`` a literal. A schema with no type (any JSON) is ``unknown``; an object with no
listed properties ``Record<string, unknown>``. The web UI keeps its own list of the operations it calls (``web/src/api/routes.ts``), by operationId.
"""

from __future__ import annotations

import json
import re

from common import HEADER, Document

OUT = "web/src/api/generated.ts"

_IDENT = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")


def _key(name: str) -> str:
    return name if _IDENT.match(name) else json.dumps(name)


def _doc_comment(text: str | None, indent: str) -> list[str]:
    if not text:
        return []
    lines = text.replace("*/", "*\\/").strip().splitlines()
    if len(lines) == 1:
        return [f"{indent}/** {lines[0]} */"]
    return [f"{indent}/**"] + [f"{indent} * {line}".rstrip() for line in lines] + [f"{indent} */"]


def _union(parts: list[str]) -> str:
    out: list[str] = []
    for p in parts:
        if p not in out:
            out.append(p)
    # `null` last reads as "T, or null".
    if "null" in out:
        out = [p for p in out if p != "null"] + ["null"]
    return " | ".join(out) if out else "never"


def ts_type(schema: dict | None, indent: str = "") -> str:
    """The TypeScript type of a JSON schema (inline; named schemas by reference)."""
    if schema is None or schema is True or schema == {}:
        return "unknown"
    if "$ref" in schema:
        return Document.ref_name(schema)
    for key in ("oneOf", "anyOf"):
        if key in schema:
            return _union([_paren(ts_type(s, indent)) for s in schema[key]])
    if "allOf" in schema:
        parts = [_paren(ts_type(s, indent)) for s in schema["allOf"]]
        return parts[0] if len(parts) == 1 else " & ".join(parts)
    if "const" in schema:
        return json.dumps(schema["const"])
    if "enum" in schema:
        return _union([json.dumps(v) for v in schema["enum"]])
    kind = schema.get("type")
    if isinstance(kind, list):
        return _union([_paren(ts_type({**schema, "type": k}, indent)) for k in kind])
    if kind == "null":
        return "null"
    if kind == "string":
        return "string"
    if kind in ("integer", "number"):
        return "number"
    if kind == "boolean":
        return "boolean"
    if kind == "array":
        return f"{_paren(ts_type(schema.get('items'), indent))}[]"
    if kind == "object" or "properties" in schema:
        return _object(schema, indent)
    return "unknown"


def _paren(t: str) -> str:
    """Parenthesise a union used as an array element."""
    return f"({t})" if " | " in t and not t.startswith("{") else t


def _object(schema: dict, indent: str) -> str:
    props: dict = schema.get("properties") or {}
    extra = schema.get("additionalProperties")
    if not props:
        if isinstance(extra, dict):
            return f"Record<string, {ts_type(extra, indent)}>"
        return "Record<string, unknown>"
    required = set(schema.get("required") or [])
    inner = indent + "  "
    lines = ["{"]
    for name in sorted(props):
        prop = props[name]
        lines += _doc_comment(prop.get("description") if isinstance(prop, dict) else None, inner)
        opt = "" if name in required else "?"
        lines.append(f"{inner}{_key(name)}{opt}: {ts_type(prop, inner)};")
    if isinstance(extra, dict):
        lines.append(f"{inner}[key: string]: {ts_type(extra, inner)};")
    lines.append(f"{indent}}}")
    return "\n".join(lines)


def _declaration(name: str, schema: dict) -> list[str]:
    lines = _doc_comment(schema.get("description"), "")
    body = ts_type({k: v for k, v in schema.items() if k != "description"})
    single_object = schema.get("type") == "object" and schema.get("properties") and not any(k in schema for k in ("oneOf", "anyOf"))
    if single_object:
        lines.append(f"export interface {name} {body}")
    elif "enum" in schema and len(body) > 100:
        # One value a line: long enums (error codes, event types) diff cleanly.
        lines.append(f"export type {name} =")
        lines += [f"  | {json.dumps(v)}" for v in schema["enum"]]
        lines[-1] += ";"
    else:
        lines.append(f"export type {name} = {body};")
    return lines


def _response(doc: Document, op) -> str:
    ok = op.success()
    if ok is None:
        return "unknown"
    status, schema = ok
    if status == "204" or schema is None:
        return "void"
    return ts_type(schema, "    ")


def generate(doc: Document) -> dict[str, str]:
    out = [f"// {HEADER}", "// The API's types (docs/openapi.json `components.schemas`) and its operations by operationId.", ""]
    for name in sorted(doc.schemas):
        out += _declaration(name, doc.schemas[name])
        out.append("")

    out.append("/** HTTP methods the API uses. */")
    out.append('export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";')
    out.append("")
    out.append("/** Every operation: method, path template, and the names of its path and query parameters. */")
    out.append("export const OPERATIONS = {")
    for op in doc.operations:
        path_params = [p.name for p in op.params if p.location == "path"]
        query = [p.name for p in op.params if p.location == "query"]
        out.append(
            f"  {json.dumps(op.id)}: {{ method: {json.dumps(op.method)}, path: {json.dumps(op.path)}, "
            f"pathParams: {json.dumps(path_params)}, query: {json.dumps(query)}, body: {'true' if op.body else 'false'} }},"
        )
    out.append("} as const;")
    out.append("")
    out.append("export type OperationId = keyof typeof OPERATIONS;")
    out.append("")
    out.append("/** Per operation: its JSON request body (`never` without one) and its success answer (`void` when empty). */")
    out.append("export interface OperationTypes {")
    for op in doc.operations:
        body = ts_type(op.body, "    ") if op.body else "never"
        out.append(f"  {json.dumps(op.id)}: {{ body: {body}; response: {_response(doc, op)} }};")
    out.append("}")
    out.append("")
    return {OUT: "\n".join(out)}
