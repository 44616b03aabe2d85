"""The CLI's operation table (`cli/src/api/ops.rs`): one `Op` const per OpenAPI operation, named after its id
(`sessions.fork` -> `SESSIONS_FORK`), holding the method, the path template and the names of its path, query and
header parameters. The CLI's client sends requests by these consts only, and the CLI parity gate reads which ones
the commands use, so an operation without a command (or a command calling a removed operation) fails a test.

Request and response bodies are the host's own serde types (the CLI depends on the host crate), so no Rust types
are generated here; each const names its body and response schemas for the reader.
"""

from __future__ import annotations

from common import HEADER, Document, Operation

OUT = "cli/src/api/ops.rs"


def const_name(op_id: str) -> str:
    return op_id.replace(".", "_").replace("-", "_").upper()


def _str_list(items: list[str]) -> str:
    return "&[" + ", ".join(f'"{i}"' for i in items) + "]"


def _schema_label(schema: dict | None) -> str | None:
    if schema is None:
        return None
    name = Document.ref_name(schema)
    if name:
        return name
    if schema.get("type") == "array":
        inner = Document.ref_name(schema.get("items"))
        return f"[{inner}]" if inner else "array"
    return schema.get("type") or "any"


def _opt(label: str | None) -> str:
    return f'Some("{label}")' if label else "None"


def _op_const(op: Operation) -> str:
    path = [p.name for p in op.params if p.location == "path"]
    query = [p.name for p in op.params if p.location == "query"]
    headers = [p.name for p in op.params if p.location == "header"]
    success = op.success()
    response = _schema_label(success[1]) if success else None
    lines = []
    summary = op.summary.strip().splitlines()[0] if op.summary.strip() else ""
    lines.append(f"/// `{op.method} {op.path}`" + (f": {summary}" if summary else ""))
    lines.append(
        f"pub const {const_name(op.id)}: Op = Op {{ id: \"{op.id}\", method: \"{op.method}\", path: \"{op.path}\", "
        f"path_params: {_str_list(path)}, query: {_str_list(query)}, headers: {_str_list(headers)}, "
        f"body: {_opt(_schema_label(op.body) if op.body is not None else None)}, response: {_opt(response)} }};"
    )
    return "\n".join(lines)


def generate(doc: Document) -> dict[str, str]:
    parts = [
        f"// {HEADER}",
        "//! Every operation of the host's API, by its stable operationId: the only place the CLI spells a route.",
        "",
        "use super::Op;",
        "",
    ]
    for op in doc.operations:
        parts.append(_op_const(op))
        parts.append("")
    parts.append("/// Every operation, in operationId order.")
    parts.append("pub const ALL: &[Op] = &[")
    for op in doc.operations:
        parts.append(f"    {const_name(op.id)},")
    parts.append("];")
    return {OUT: "\n".join(parts) + "\n"}
