"""The helper's error conversion, natively: the bindings componentize-py generates for the newest WIT (their records,
variants and `Err` are the real ones; a host function is a stub that raises, so each test makes it raise what the
host would), and the helper on top of them, as a plugin uses it.

    .tools/py/bin/pytest plugins/python/tests -q      (componentize-py: $CODEX_MANAGER_COMPONENTIZE_PY or .tools)
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
WIT = sorted((p for p in (REPO / "wit").iterdir() if p.is_dir()), key=lambda p: tuple(int(x) for x in p.name.split(".")))[-1]


@pytest.fixture(scope="module")
def helper(tmp_path_factory):
    tool = os.environ.get("CODEX_MANAGER_COMPONENTIZE_PY") or str(REPO / ".tools" / "plugin-py" / "bin" / "componentize-py")
    if not Path(tool).exists():
        pytest.fail(f"no componentize-py at {tool}: run scripts/setup.sh --test")
    out = tmp_path_factory.mktemp("bindings")
    subprocess.run([tool, "-d", str(WIT), "-w", "plugin", "bindings", str(out)], check=True, capture_output=True, timeout=120)
    sys.path[:0] = [str(out), str(REPO / "plugins" / "python")]
    try:
        yield importlib.import_module("codex_manager_plugin")
    finally:
        for name in [m for m in sys.modules if m.split(".")[0] in ("codex_manager_plugin", "wit_world", "componentize_py_types")]:
            del sys.modules[name]
        del sys.path[:2]


def raising(error):
    def host_call(*_args, **_kwargs):
        from componentize_py_types import Err

        raise Err(error)

    return host_call


def test_a_wit_error_is_a_host_error_named_by_its_case(helper):
    t = helper.types
    for case, kind in [(t.Error_Denied, "denied"), (t.Error_NotFound, "not-found"), (t.Error_Conflict, "conflict"),
                       (t.Error_Invalid, "invalid"), (t.Error_Unavailable, "unavailable")]:
        e = helper.HostError.from_wit(case("why"))
        assert (e.kind, e.message, str(e)) == (kind, "why", f"{kind}: why")
    assert helper.HostError("denied", "kv").is_denied and helper.HostError("not-found", "x").is_not_found
    assert helper.HostError("unavailable", "busy").is_transient and not helper.HostError("conflict", "x").is_transient


def test_a_host_call_raises_host_error_not_err(helper, monkeypatch):
    monkeypatch.setattr(sys.modules["wit_world.imports.kv"], "get", raising(helper.types.Error_Denied("capability `kv` not granted")))
    with pytest.raises(helper.HostError) as e:
        helper.kv.get("turns")
    assert e.value.is_denied and e.value.message == "capability `kv` not granted"
    # 0.2.0's interfaces are wrapped the same way, under their own names.
    monkeypatch.setattr(sys.modules["wit_world.imports.settings"], "get", raising(helper.types.Error_NotFound("greeting")))
    with pytest.raises(helper.HostError) as e:
        helper.settings.get("greeting")
    assert e.value.is_not_found
    monkeypatch.setattr(sys.modules["wit_world.imports.kv"], "compare_and_set", lambda key, expected, value: True)
    assert helper.kv.compare_and_set("k", None, "v") is True


def test_what_a_handler_lets_through_becomes_the_calls_error(helper, monkeypatch):
    from componentize_py_types import Err

    monkeypatch.setattr(sys.modules["wit_world.imports.kv"], "get", raising(helper.types.Error_Unavailable("the store is busy")))

    class Handler(helper.Plugin):
        def on_event(self, event):
            helper.kv.get("turns")

        def call_tool(self, call):
            if call.tool == "boom":
                raise ValueError("boom from python")
            return f"hello {call.json()['name']}"

        def run_job(self, job):
            if job.kind == "denied":
                raise helper.HostError("denied", "jobs")
            helper.kv.get("turns")

    h = Handler()
    event = helper.record(helper.types.Event, kind="turn.completed", seq=1, data="{}")
    with pytest.raises(Err) as e:
        h.on_event(event)
    assert e.value.value == "unavailable: the store is busy", "a HostError is the call's error, as `?` in Rust"

    answer = h.call_tool(helper.record(helper.types.ToolCall, tool="hello", arguments='{"name": "you"}'))
    assert (answer.success, answer.output) == (True, "hello you"), "a plain str is a successful answer"
    with pytest.raises(Err) as e:
        h.call_tool(helper.record(helper.types.ToolCall, tool="boom", arguments="{}"))
    assert "Traceback" in e.value.value and "ValueError: boom from python" in e.value.value

    job = lambda kind: helper.record(helper.types.Job, id="j1", kind=kind, payload="{}", attempt=1)  # noqa: E731
    transient = h.run_job(job("busy"))
    assert isinstance(transient, helper.types.JobOutcome_RetryLater) and transient.value.reason == "the store is busy"
    refused = h.run_job(job("denied"))
    assert isinstance(refused, helper.types.JobOutcome_Failed) and refused.value == "denied: jobs"
