"""Dynamic tools served by Python functions: the registry (what Codex is told about each tool) and the mapping of a
function's result or exception to a tool call's answer. Serving the calls is ``client.tools.serve(...)`` (both
clients; see ``ToolServer`` / ``AsyncToolServer``)."""

from __future__ import annotations

import inspect
import json
import traceback
import types
import typing
from dataclasses import dataclass
from typing import Any, Callable

_JSON_TYPES: dict[Any, str] = {str: "string", int: "integer", float: "number", bool: "boolean", list: "array",
                               dict: "object", tuple: "array"}


def _schema_for(annotation: Any) -> dict[str, Any]:
    if annotation is inspect.Parameter.empty or annotation is Any:
        return {}
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _schema_for(options[0]) if len(options) == 1 else {}
    if origin is typing.Literal:
        return {"enum": list(typing.get_args(annotation))}
    if origin in (list, tuple):
        args = typing.get_args(annotation)
        return {"type": "array", **({"items": _schema_for(args[0])} if args else {})}
    if origin is dict:
        return {"type": "object"}
    kind = _JSON_TYPES.get(annotation)
    return {"type": kind} if kind else {}


def schema_from_signature(fn: Callable[..., Any]) -> dict[str, Any]:
    """A JSON Schema of the function's keyword arguments, from its annotations (no annotation: any JSON)."""
    sig = inspect.signature(fn)
    try:
        hints = typing.get_type_hints(fn)
    except Exception:  # noqa: BLE001 - unresolvable annotations only lose their types
        hints = {}
    properties: dict[str, Any] = {}
    required: list[str] = []
    for name, p in sig.parameters.items():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        properties[name] = _schema_for(hints.get(name, p.annotation))
        if p.default is inspect.Parameter.empty:
            required.append(name)
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


@dataclass
class Tool:
    name: str
    description: str
    input_schema: dict[str, Any]
    fn: Callable[..., Any]

    def spec(self) -> dict[str, Any]:
        """The ``DynamicTool`` body of session creation."""
        return {"name": self.name, "description": self.description, "inputSchema": self.input_schema}

    def arguments_for(self, arguments: Any) -> dict[str, Any]:
        """The call's arguments the function takes (all of them when it has ``**kwargs``)."""
        if not isinstance(arguments, dict):
            return {}
        params = inspect.signature(self.fn).parameters
        if any(p.kind == p.VAR_KEYWORD for p in params.values()):
            return dict(arguments)
        return {k: v for k, v in arguments.items() if k in params}


class ToolRegistry:
    """Python functions offered to Codex as a session's dynamic tools.

    ::

        tools = ToolRegistry()

        @tools.register
        def lookup(input: str) -> str:
            "Look a word up."
            return WORDS[input]

        s = cm.sessions.create(cwd, dynamic_tools=tools.specs())
        with cm.tools.serve(s.id, tools):   # answers every call while the block runs (a background thread)
            cm.turns.send_and_wait(s.id, "look up 'x'")
    """

    def __init__(self) -> None:
        self._tools: dict[str, Tool] = {}

    def register(self, fn: Callable[..., Any] | None = None, *, name: str | None = None,
                 description: str | None = None, input_schema: dict[str, Any] | None = None) -> Any:
        """Register ``fn`` (also usable as ``@register`` or ``@register(name=...)``). The name defaults to the
        function's, the description to its docstring, the input schema to one read from its signature."""

        def add(f: Callable[..., Any]) -> Callable[..., Any]:
            tool = Tool(
                name=name or f.__name__,
                description=description or inspect.cleandoc(f.__doc__ or "") or (name or f.__name__),
                input_schema=input_schema or schema_from_signature(f),
                fn=f,
            )
            self._tools[tool.name] = tool
            return f

        return add(fn) if fn is not None else add

    def specs(self) -> list[dict[str, Any]]:
        return [t.spec() for t in self._tools.values()]

    def get(self, name: str) -> Tool | None:
        return self._tools.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    def __len__(self) -> int:
        return len(self._tools)


def answer_for_result(result: Any) -> dict[str, Any]:
    """A function's result as a tool call's answer: a string as text, content items (a list of dicts with a
    ``type``) as they are, anything else as its JSON."""
    if isinstance(result, str):
        return {"success": True, "text": result}
    if isinstance(result, list) and result and all(isinstance(i, dict) and "type" in i for i in result):
        return {"success": True, "contentItems": result}
    if result is None:
        return {"success": True, "text": ""}
    return {"success": True, "text": json.dumps(result, default=str)}


def answer_for_error(error: BaseException) -> dict[str, Any]:
    """An exception as a failed tool call: Codex reads the error and may try again differently."""
    text = "".join(traceback.format_exception_only(type(error), error)).strip()
    return {"success": False, "text": text}
