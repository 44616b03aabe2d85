"""Approvals and tool input answered through the SDK; first answer wins."""

from __future__ import annotations

import pytest

from codex_manager_sdk import AlreadyResolved, Client, InvalidInput, NotFound, PendingRequest, PendingSnapshot, Risk


def test_approval_first_answer_wins(client, host, session):
    other = Client(url=host.url, token=host.token, client_label="other-bot")
    seen: list[PendingRequest] = []
    outcome: dict = {}

    def on_request(req: PendingRequest) -> None:
        seen.append(req)
        assert req.kind == "command_approval" and req.status == "pending"
        assert [r.id for r in client.requests.pending(session.id)] == [req.id]
        assert req.id in [r.id for r in client.requests.list()]
        assert client.sessions.get(session.id).session.status == "waiting_on_approval"
        with pytest.raises(InvalidInput) as e:
            client.requests.answer(req, {"x": "y"})
        assert e.value.code == "wrong_answer_kind"
        resolved = client.requests.approve(req, reason="checked")
        assert resolved.status == "resolved" and resolved.decided_by == "sdk" and resolved.decision == "accept"
        try:
            other.requests.decline(req)
        except AlreadyResolved as e:
            outcome["err"] = e

    result = client.turns.send_and_wait(session.id, "run it scenario:approval", on_request=on_request, timeout=60)
    assert result.status == "completed" and result.text == "Command finished."
    assert [r.id for r in result.requests] == [r.id for r in seen] and len(seen) == 1
    err = outcome["err"]
    assert err.status == 409 and err.code == "request_already_resolved"
    assert err.decided_by == "sdk" and err.decision == "accept" and err.winner["resolvedAt"]
    stored = client.requests.get(session.id, seen[0].id)
    assert stored.status == "resolved" and stored.reason == "checked"
    assert client.requests.pending(session.id) == []
    with pytest.raises(NotFound) as e:
        client.requests.get(session.id, "01a00000-0000-7000-8000-000000000000")
    assert e.value.code == "request_not_found"
    other.close()


def test_tool_input_in_plan_mode(client, session):
    answered: list[PendingRequest] = []

    def on_request(req: PendingRequest) -> None:
        assert req.kind == "tool_input" and req.family == "tool_input"
        assert [q["id"] for q in req.questions] == ["color"]
        with pytest.raises(InvalidInput) as e:
            client.requests.answer(req, {"nope": "x"})
        assert e.value.code == "invalid_answer"
        answered.append(client.requests.answer(req, {"color": "Blue"}))

    result = client.turns.send_and_wait(session.id, "ask me scenario:user_input", mode="plan", on_request=on_request, timeout=60)
    assert result.status == "completed" and "Blue" in result.text
    assert answered[0].decision == {"answers": {"color": ["Blue"]}}


def test_dynamic_tool_call_replied(client, host):
    tools = [{"name": "lookup", "description": "Looks things up", "inputSchema": {"type": "object", "properties": {"input": {"type": "string"}}}}]
    s = client.sessions.create(host.work_dir, dynamic_tools=tools)
    assert s.dynamic_tools == ["lookup"]

    def on_request(req: PendingRequest) -> None:
        assert req.kind == "tool_call" and req.params["arguments"]["input"] == "ping"
        client.requests.reply(req, "pong from python")

    result = client.turns.send_and_wait(s.id, "scenario:tool:lookup ping", on_request=on_request, timeout=60)
    assert result.status == "completed" and "pong from python" in result.text


def test_a_plugins_assessment_is_on_the_pending_request(client, session, repo):
    """The probe plugin (WIT 0.2.0) assesses every approval as it is asked (`requests.assess`, at the risk its
    setting names): the SDK reads the judgement on the pending request, and it stays once the user decided."""
    client.plugins.install(repo / "plugins" / "dist" / "probe-v02", grant=["log", "sessions-read", "notes", "requests", "workers"])
    try:
        client.plugins.set_settings("probe-v02", {"risk": "high"})
        since = client.latest_seq()
        seen: dict = {}

        def on_request(req: PendingRequest) -> None:
            # The request is announced first; the plugin's judgement follows as `approval.assessed`.
            with client.events(since, sessions=[session.id], types=["approval.assessed"]) as stream:
                while True:
                    ev = stream.next(timeout=60)
                    if not isinstance(ev, PendingSnapshot) and ev.data["id"] == req.id:
                        break
            pending = client.requests.pending(session.id)
            assert [r.id for r in pending] == [req.id]
            a = pending[0].assessment
            assert a is not None and a.risk == Risk.HIGH and a.risk == "high", a
            assert a.summary.startswith("probe: ") and a.assessor == "probe" and a.assessed_by == "plugin:probe-v02"
            assert "**probe**" in a.rationale and a.at
            seen["request"] = client.requests.decline(req)

        result = client.turns.send_and_wait(session.id, "run it scenario:approval", on_request=on_request, timeout=60)
        assert result.status == "completed", result
        decided = seen["request"]
        assert decided.status == "resolved" and decided.decision == "decline" and decided.assessment.risk == Risk.HIGH
        assert client.requests.get(session.id, decided.id).assessment.summary.startswith("probe: ")
    finally:
        client.plugins.remove("probe-v02")
