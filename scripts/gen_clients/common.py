"""The OpenAPI document as the generators read it: operations (with their stable ``group.handler`` ids) and schemas."""

from __future__ import annotations

from dataclasses import dataclass, field

HEADER = "GENERATED from docs/openapi.json by `python3 scripts/gen_clients`. Do not edit by hand."

METHODS = ("get", "put", "post", "delete", "patch")


@dataclass(frozen=True)
class Param:
    name: str
    location: str  # "path" or "query"
    required: bool
    schema: dict


@dataclass(frozen=True)
class Operation:
    id: str  # "sessions.fork"
    method: str  # "POST"
    path: str  # "/api/sessions/{id}/fork"
    tag: str
    summary: str
    params: tuple[Param, ...]
    body: dict | None  # the request body's JSON schema (usually a $ref), if any
    responses: dict = field(default_factory=dict)  # status -> JSON schema of the body (None when empty)

    @property
    def group(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def handler(self) -> str:
        return self.id.split(".", 1)[1]

    def success(self) -> tuple[str, dict | None] | None:
        """The first 2xx status and its body schema."""
        for status in sorted(self.responses):
            if status.startswith("2"):
                return status, self.responses[status]
        return None


class Document:
    def __init__(self, raw: dict):
        self.raw = raw
        self.schemas: dict[str, dict] = raw.get("components", {}).get("schemas", {})
        self.operations: list[Operation] = []
        for path, item in raw["paths"].items():
            for method in METHODS:
                op = item.get(method)
                if op is None:
                    continue
                params = tuple(
                    Param(p["name"], p["in"], bool(p.get("required")), p.get("schema", {}))
                    for p in op.get("parameters", [])
                )
                body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
                responses = {
                    status: r.get("content", {}).get("application/json", {}).get("schema")
                    for status, r in op.get("responses", {}).items()
                }
                self.operations.append(
                    Operation(op["operationId"], method.upper(), path, (op.get("tags") or [""])[0],
                              op.get("summary", ""), params, body, responses)
                )
        self.operations.sort(key=lambda o: o.id)

    @staticmethod
    def ref_name(schema: dict | None) -> str | None:
        """`#/components/schemas/Foo` -> `Foo`."""
        if schema and "$ref" in schema:
            return schema["$ref"].rsplit("/", 1)[-1]
        return None
