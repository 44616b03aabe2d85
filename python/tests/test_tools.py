"""Dynamic tools served by Python functions (``ToolRegistry`` + ``client.tools.serve``), for both clients, against
the real host: the fake model calls the tool (``scenario:tool:<name> <input>``) and says what it answered."""

from __future__ import annotations

import time

import pytest

from codex_manager_sdk import ToolRegistry
from codex_manager_sdk.tools import schema_from_signature
from tcpproxy import Proxy


def registry() -> ToolRegistry:
    tools = ToolRegistry()

    @tools.register
    def lookup(input: str) -> str:
        """Look a word up."""
        return f"pong:{input}"

    @tools.register(name="boom", description="Always fails.")
    def explode(input: str) -> str:
        raise ValueError(f"cannot {input}")

    @tools.register
    def table(input: str, rows: int = 2) -> dict:
        return {"input": input, "rows": rows}

    return tools


def test_the_registry_describes_the_functions():
    specs = {s["name"]: s for s in registry().specs()}
    assert specs["lookup"] == {"name": "lookup", "description": "Look a word up.", "inputSchema": {
        "type": "object", "properties": {"input": {"type": "string"}}, "required": ["input"]}}
    assert specs["boom"]["description"] == "Always fails."
    assert schema_from_signature(lambda a, b=1, *rest, **kw: None) == {
        "type": "object", "properties": {"a": {}, "b": {}}, "required": ["a"]}


def test_a_function_answers_the_tool_call_and_an_exception_is_a_failed_call(cm, host):
    tools = registry()
    s = cm.sessions.create(host.work_dir, dynamic_tools=tools)
    assert sorted(s.dynamic_tools) == ["boom", "lookup", "table"]
    with cm.tools.serve(s.id, tools) as server:
        ok = cm.turns.send_and_wait(s.id, "scenario:tool:lookup ping", timeout=60)
        failed = cm.turns.send_and_wait(s.id, "scenario:tool:boom fly", timeout=60)
        as_json = cm.turns.send_and_wait(s.id, "scenario:tool:table t", timeout=60)
    assert ok.status == "completed" and ok.text == "Tool said: pong:ping", ok
    assert failed.status == "completed" and "ValueError: cannot fly" in failed.text, failed
    assert '"input": "t"' in as_json.text and '"rows": 2' in as_json.text, as_json
    answered = {r.params["tool"]: r for r in server.answered}
    assert answered["lookup"].decided_by == "sdk" and answered["lookup"].decision["success"] is True
    assert answered["boom"].decision["success"] is False
    assert [r.id for r in ok.requests] == [answered["lookup"].id]


def test_a_call_made_before_serving_is_picked_up_from_the_requests_list(cm, host):
    tools = registry()
    s = cm.sessions.create(host.work_dir, dynamic_tools=tools)
    accepted = cm.turns.send(s.id, "scenario:tool:lookup early")
    pending = _pending(cm, s.id)
    assert pending.kind == "tool_call" and pending.params["tool"] == "lookup"
    assert cm.sessions.get(s.id).session.status == "waiting_on_tool"
    with cm.tools.serve(s.id, tools):
        record = cm.turns.wait_record(s.id, accepted.turn_id, timeout=60)
    assert record.final_text == "Tool said: pong:early"


def test_serving_survives_a_reconnect(make_cm, host):
    tools = registry()
    port = int(host.url.rsplit(":", 1)[1])
    proxy = Proxy("127.0.0.1", port)
    try:
        cm = make_cm()
        via = make_cm(url=proxy.url)
        s = cm.sessions.create(host.work_dir, dynamic_tools=tools)
        with via.tools.serve(s.id, tools) as server:
            first = cm.turns.send_and_wait(s.id, "scenario:tool:lookup before", timeout=60)
            assert proxy.sever() > 0
            # The server's stream reconnects from its last seq; this call comes on the new connection (or, if it
            # came while the link was down, is replayed, or found in the requests list).
            second = cm.turns.send_and_wait(s.id, "scenario:tool:lookup after", timeout=60)
            assert server.reconnects >= 1
        assert (first.text, second.text) == ("Tool said: pong:before", "Tool said: pong:after")
    finally:
        proxy.close()


def test_a_tool_the_registry_lacks_is_left_to_other_clients(cm, host):
    tools = registry()
    s = cm.sessions.create(host.work_dir, dynamic_tools=[{"name": "elsewhere", "description": "served by another client",
                                                         "inputSchema": {"type": "object"}}])
    with cm.tools.serve(s.id, tools) as server:
        accepted = cm.turns.send(s.id, "scenario:tool:elsewhere x")
        pending = _pending(cm, s.id)
        assert not server.handle(pending), "not ours"
        cm.requests.reply(pending, "answered by hand")
        record = cm.turns.wait_record(s.id, accepted.turn_id, timeout=60)
    assert record.final_text == "Tool said: answered by hand" and server.answered == []


def _pending(cm, session_id):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        pending = cm.requests.pending(session_id)
        if pending:
            return pending[0]
        time.sleep(0.05)
    raise AssertionError("no pending request")
