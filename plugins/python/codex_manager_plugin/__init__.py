"""Write Codex Manager plugins in Python (built into a WebAssembly component by componentize-py).

The WIT world `codex-manager:plugin/plugin` as Python: componentize-py generates the raw bindings (`wit_world`) at
build time; this module makes them pleasant, as the Rust SDK does for Rust.

    from codex_manager_plugin import Plugin, ToolResult, log

    class Handler(Plugin):          # the class MUST be named Handler (componentize-py looks for it)
        def on_event(self, event):
            log.info(f"{event.kind} in {event.session_id}")

        def call_tool(self, call):
            return ToolResult.ok(f"hello {call.json().get('name', 'there')}")

`Plugin` already derives from `wit_world.exports.Handler`: componentize-py refuses an export class that does not.

Host calls (`kv`, `sessions`, `notes`, ...) raise `HostError` when the host refuses or fails (a capability not
granted, a missing session). An uncaught `HostError` in `on_event` or `call_tool` becomes the call's error, as `?` does
in Rust. Any other exception the handler lets through fails the call with its traceback as the error (`run_job`: a
`failed` outcome), shown by `codex-manager plugin logs ID`, and is printed to stderr; what fails outside a handler
(an import at start-up, the interpreter itself) is a trap, whose stderr the host keeps with the failed call.

Every call runs in a fresh instance: keep state in `kv`, not in globals.
"""

from __future__ import annotations

# Everything is imported here, at build time: componentize-py snapshots the interpreter after importing the app, and a
# module first imported inside a call is not there (there is no file system at run time).
import dataclasses
import importlib
import json as _json
import sys
import traceback
from typing import Any, Optional

from componentize_py_types import Err
from wit_world import exports as _exports
from wit_world import imports as _imports
from wit_world.imports import types

__all__ = [
    "Plugin", "Event", "Job", "ToolCall", "ToolResult", "JobOutcome", "HostError", "record", "types",
    "log", "kv", "sessions", "turns", "requests", "http", "jobs", "workers", "notes",
]

# The records as the bindings define them; build the ones a host call takes with `record(...)`.
Event = types.Event
Job = types.Job
ToolCall = types.ToolCall


class HostError(Exception):
    """A host call that did not do what was asked: `kind` is denied, not-found, conflict, invalid or unavailable."""

    def __init__(self, kind: str, message: str):
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.message = message

    @property
    def is_denied(self) -> bool:
        return self.kind == "denied"

    @property
    def is_not_found(self) -> bool:
        return self.kind == "not-found"

    @property
    def is_transient(self) -> bool:
        """Worth trying again later (the host was busy or restarting)."""
        return self.kind == "unavailable"

    @staticmethod
    def from_wit(error: Any) -> "HostError":
        # `types.Error_NotFound` -> "not-found": the WIT case name.
        name = type(error).__name__.split("_", 1)[-1]
        kind = "".join("-" + c.lower() if c.isupper() else c for c in name).lstrip("-")
        return HostError(kind, str(getattr(error, "value", error)))


def record(cls: type, **fields: Any) -> Any:
    """A WIT record with the fields given and every other field `None` (the WIT `option`s left out)."""
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = set(fields) - names
    if unknown:
        raise TypeError(f"{cls.__name__} has no field {', '.join(sorted(unknown))}")
    return cls(**{name: fields.get(name) for name in [f.name for f in dataclasses.fields(cls)]})


def _json_of(text: Optional[str]) -> Any:
    return _json.loads(text) if text else None


class ToolResult:
    """What a tool answers Codex: `ok(text)`, or `failure(text)` for a failure Codex should read (bad arguments)."""

    @staticmethod
    def ok(output: Any) -> types.ToolResult:
        return types.ToolResult(output=output if isinstance(output, str) else _json.dumps(output), success=True)

    @staticmethod
    def failure(output: str) -> types.ToolResult:
        return types.ToolResult(output=output, success=False)


class JobOutcome:
    """How a job ended: `succeeded(value)` (JSON-encoded), `retry_later(ms, reason)`, `failed(reason)`."""

    @staticmethod
    def succeeded(value: Any = None) -> types.JobOutcome:
        return types.JobOutcome_Succeeded(_json.dumps(value))

    @staticmethod
    def retry_later(after_ms: int, reason: str) -> types.JobOutcome:
        return types.JobOutcome_RetryLater(types.Retry(after_ms=after_ms, reason=reason))

    @staticmethod
    def failed(reason: str) -> types.JobOutcome:
        return types.JobOutcome_Failed(reason)

    @staticmethod
    def from_error(error: HostError, after_ms: int = 10_000) -> types.JobOutcome:
        """Retry a transient host error later; fail on any other."""
        if error.is_transient:
            return JobOutcome.retry_later(after_ms, error.message)
        return JobOutcome.failed(str(error))


class _Host:
    """One host interface: each function as the bindings have it, raising `HostError` instead of a raw `Err`."""

    def __init__(self, module: Any):
        self._module = module

    def __getattr__(self, name: str) -> Any:
        raw = getattr(self._module, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return raw(*args, **kwargs)
            except Err as err:
                raise HostError.from_wit(err.value) from None

        return call


class _Log:
    """The host's log (every plugin may write to it)."""

    def _write(self, level: types.LogLevel, message: Any) -> None:
        _raw_log.log(level, str(message))

    def debug(self, message: Any) -> None:
        self._write(types.LogLevel.DEBUG, message)

    def info(self, message: Any) -> None:
        self._write(types.LogLevel.INFO, message)

    def warn(self, message: Any) -> None:
        self._write(types.LogLevel.WARN, message)

    def error(self, message: Any) -> None:
        self._write(types.LogLevel.ERROR, message)


def _module(name: str) -> _Host:
    return _Host(importlib.import_module(f"{_imports.__name__}.{name}"))


_raw_log = importlib.import_module(f"{_imports.__name__}.log")


log = _Log()
kv = _module("kv")
"""`kv.get(key) -> str | None`, `kv.set(key, value)`, `kv.delete(key)` (capability `kv`)."""
sessions = _module("sessions")
turns = _module("turns")
requests = _module("requests")
http = _module("http")
jobs = _module("jobs")
workers = _module("workers")
notes = _module("notes")


def _every_interface() -> None:
    """Any other interface the world imports (a newer WIT's), under its own name, wrapped the same way."""
    import pkgutil

    for info in pkgutil.iter_modules(_imports.__path__):
        if info.name != "types" and info.name not in globals():
            globals()[info.name] = _module(info.name)


_every_interface()


# JSON views of the records that carry JSON strings.
def _event_json(self: types.Event) -> Any:
    return _json_of(self.data)


def _job_json(self: types.Job) -> Any:
    return _json_of(self.payload)


def _call_json(self: types.ToolCall) -> Any:
    return _json_of(self.arguments)


types.Event.json = _event_json  # type: ignore[attr-defined]
types.Job.json = _job_json  # type: ignore[attr-defined]
types.ToolCall.json = _call_json  # type: ignore[attr-defined]


class Plugin(_exports.Handler):
    """What a plugin implements; subclass it as `Handler` and override what plugin.toml declares.

    `on_event(event)`: an event it subscribed to. `run_job(job)`: a job of a kind it declared; returns a
    `JobOutcome`. `call_tool(call)`: a tool it offers; returns a `ToolResult` (or a str, taken as a success).
    """

    def on_event(self, event: types.Event) -> None:
        return None

    def run_job(self, job: types.Job) -> types.JobOutcome:
        return JobOutcome.failed("this plugin runs no jobs")

    def call_tool(self, call: types.ToolCall) -> types.ToolResult:
        raise Err(f"this plugin offers no tool `{call.tool}`")

    # componentize-py calls the methods above directly; a subclass's overrides are wrapped so that a HostError it
    # lets through becomes the call's error and a plain string is a tool answer.
    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name, text_is_answer in (("on_event", False), ("call_tool", True)):
            method = cls.__dict__.get(name)
            if method is not None and not getattr(method, "_wrapped", False):
                setattr(cls, name, _errors_to_err(method, text_is_answer))
        method = cls.__dict__.get("run_job")
        if method is not None and not getattr(method, "_wrapped", False):
            setattr(cls, "run_job", _errors_to_failed(method))


def _crash_report(error: BaseException) -> str:
    """The traceback of an exception the plugin did not handle, as the call's error (and on stderr)."""
    text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    print(text, file=sys.stderr, end="")
    return text


def _errors_to_err(method: Any, text_is_answer: bool) -> Any:
    def wrapper(self: Any, arg: Any) -> Any:
        try:
            result = method(self, arg)
        except HostError as error:
            raise Err(str(error)) from None
        except Err:
            raise
        except Exception as error:
            raise Err(_crash_report(error)) from None
        if text_is_answer and isinstance(result, str):
            return ToolResult.ok(result)
        return result

    wrapper._wrapped = True  # type: ignore[attr-defined]
    wrapper.__name__ = method.__name__
    return wrapper


def _errors_to_failed(method: Any) -> Any:
    def wrapper(self: Any, job: Any) -> Any:
        try:
            return method(self, job)
        except HostError as error:
            return JobOutcome.from_error(error)
        except Exception as error:
            return JobOutcome.failed(_crash_report(error))

    wrapper._wrapped = True  # type: ignore[attr-defined]
    wrapper.__name__ = method.__name__
    return wrapper
