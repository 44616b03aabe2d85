"""One set of cases run for BOTH clients (the ``cm`` fixture is the sync client, then the asyncio one behind a
facade), against the real host: the operations the first SDK lacked, the raw request, the event iterator, turn
records, jobs, and the Codex surface (config, MCP, skills, features, catalog, account)."""

from __future__ import annotations

import time

import pytest

from codex_manager_sdk import (
    CapabilityReport,
    Conflict,
    InvalidInput,
    NotFound,
    PendingSnapshot,
    Reset,
    SessionStatus,
    TurnRecord,
    TurnStatus,
)


def _new_session(cm, host, **kw):
    return cm.sessions.create(host.work_dir, **kw)


def test_fork_copies_the_history(cm, host):
    s = _new_session(cm, host, title="to fork")
    done = cm.turns.send_and_wait(s.id, "hello fork", timeout=60)
    assert done.status == TurnStatus.COMPLETED and done.text == "You said: hello fork"
    fork = cm.sessions.fork(s.id)
    assert fork.id != s.id and fork.forked_from == s.id and fork.title == "to fork (fork)"
    assert fork.status == SessionStatus.IDLE
    turns = cm.sessions.transcript(fork.id).turns
    assert len(turns) == 1, turns
    with pytest.raises(NotFound) as e:
        cm.sessions.fork("00000000-0000-0000-0000-000000000000")
    assert e.value.code == "session_not_found"


def test_thread_operations_revert_shell_compact_clean_review(cm, host):
    s = _new_session(cm, host)
    first = cm.turns.send_and_wait(s.id, "one scenario:deltas=2", timeout=60)
    second = cm.turns.send_and_wait(s.id, "two scenario:deltas=2", timeout=60)
    assert first.ok and second.ok
    since = cm.latest_seq()
    cm.sessions.revert(s.id, second.turn_id)
    assert len(cm.sessions.transcript(s.id).turns) == 1, "history cut back to before the second turn"
    cm.sessions.shell(s.id, "echo from-the-sdk-shell")
    cm.sessions.compact(s.id)
    cm.sessions.clean_background_terminals(s.id)
    cm.sessions.review(s.id, "uncommittedChanges")
    with pytest.raises(InvalidInput) as e:
        cm.sessions.review(s.id, {"type": "everything"})
    assert e.value.code == "invalid_body"
    kinds = ["session.reverted", "session.shell_command_started", "session.review_started"]
    seen = [ev.type for ev in cm.iter_events(since, sessions=[s.id], types=kinds)]
    assert seen == kinds, seen
    with pytest.raises(NotFound):
        cm.sessions.compact("00000000-0000-0000-0000-000000000000")


def test_turn_records_get_wait_and_list(cm, host):
    s = _new_session(cm, host)
    accepted = cm.turns.send(s.id, "run it scenario:approval")
    assert accepted.status == TurnStatus.IN_PROGRESS and not accepted.replayed
    running = cm.turns.get(s.id, accepted.turn_id, wait=0.2)
    assert isinstance(running, TurnRecord) and not running.ended and running.end_seq is None
    with pytest.raises(TimeoutError):
        cm.turns.wait_record(s.id, accepted.turn_id, timeout=0.3)
    req = _pending(cm, s.id)
    assert req.kind == "command_approval" and req.turn_id == accepted.turn_id
    cm.requests.approve(req, reason="from both clients")
    record = cm.turns.wait_record(s.id, accepted.turn_id, timeout=60)
    assert record.status == TurnStatus.COMPLETED and record.final_text == "Command finished."
    records, cursor = cm.turns.list(s.id, limit=5)
    assert [r.id for r in records] == [accepted.turn_id] and cursor is None
    # A wait on an ended turn is its record; the requests it made come from the requests list.
    result = cm.turns.wait(s.id, accepted.turn_id, timeout=30)
    assert (result.status, result.text) == ("completed", "Command finished.")
    assert [r.id for r in result.requests] == [req.id]


def test_send_and_wait_with_callbacks(cm, host):
    s = _new_session(cm, host)
    deltas: list[str] = []
    result = cm.turns.send_and_wait(s.id, "stream me scenario:deltas=5", on_delta=deltas.append, timeout=60)
    assert result.text == "d0 d1 d2 d3 d4 " and "".join(deltas) == result.text
    again = cm.turns.send_and_wait(s.id, "stream me scenario:deltas=5", idempotency_key=f"k-{s.id}", timeout=60)
    replay = cm.turns.send_and_wait(s.id, "stream me scenario:deltas=5", idempotency_key=f"k-{s.id}", timeout=60)
    assert replay.replayed and replay.turn_id == again.turn_id and replay.text == again.text


def test_events_iterator_resumes_after_a_dropped_connection(cm, host):
    s = _new_session(cm, host)
    start = cm.latest_seq()
    got = []
    with cm.events(start, sessions=[s.id], exclude_types=["item.reasoning"]) as stream:
        accepted = cm.turns.send(s.id, "scenario:deltas=30")
        while True:
            ev = stream.next(timeout=60)
            if isinstance(ev, PendingSnapshot):
                continue
            got.append(ev)
            if len(got) in (3, 12):
                stream.drop_connection()
            if ev.type == "turn.completed" and ev.turn_id == accepted.turn_id:
                break
        assert stream.reconnects >= 2
    seqs = [e.seq for e in got]
    logged = [e.seq for e in cm.iter_events(start, sessions=[s.id], exclude_types=["item.reasoning"]) if e.seq <= seqs[-1]]
    assert seqs == logged, "nothing missed, nothing doubled"
    page = cm.list_events(start, sessions=[s.id], types=["turn.started", "turn.completed"])
    assert [e.type for e in page.events] == ["turn.started", "turn.completed"] and page.latest_seq >= seqs[-1]
    with cm.events(cm.latest_seq() + 1000, sessions=[s.id]) as ahead:
        reset = ahead.next(timeout=30)
        assert isinstance(reset, Reset) and reset.reason == "ahead_of_log"


def test_raw_request_reaches_any_route(cm, host):
    s = _new_session(cm, host, title="raw")
    assert cm.request("GET", "/api/health")["status"] == "ok"
    fork = cm.request("POST", f"/api/sessions/{s.id}/fork")
    assert fork["forkedFrom"] == s.id
    page = cm.request("GET", "/api/sessions", params={"q": "raw (fork)", "limit": 5})
    assert fork["id"] in [x["id"] for x in page["sessions"]]
    renamed = cm.request("PATCH", f"/api/sessions/{s.id}", json={"title": "raw renamed"})
    assert renamed["title"] == "raw renamed"
    assert cm.request("DELETE", f"/api/sessions/{fork['id']}") is None
    with pytest.raises(NotFound) as e:
        cm.request("GET", f"/api/sessions/{fork['id']}")
    assert e.value.code == "session_not_found"
    assert cm.call("sessions.get", path={"id": s.id})["session"]["title"] == "raw renamed"
    assert cm.call("health")["status"] == "ok", "the table's names from before operationIds still work"


def test_projects_and_session_moves(cm, host, tmp_path):
    p = cm.projects.create(f"proj-{time.monotonic_ns()}", host.work_dir)
    other = cm.projects.create(f"other-{time.monotonic_ns()}", tmp_path)
    s = cm.sessions.create(project_id=p.id, title="in a project")
    assert s.project_id == p.id and cm.projects.get(p.id).session_count == 1
    renamed = cm.projects.update(p.id, name=p.name + "-renamed")
    assert renamed.name == p.name + "-renamed"
    assert cm.projects.move_sessions(p.id, other.id) == [s.id]
    assert cm.sessions.get(s.id).session.project_id == other.id
    assert cm.projects.delete_sessions(other.id) == [s.id]
    cm.projects.delete(p.id)
    cm.projects.delete(other.id)
    assert p.id not in [x.id for x in cm.projects.list()]


def test_controls_settings_and_notes(cm, host):
    s = _new_session(cm, host)
    view = cm.controls.set(s.id, {"reasoningEffort": "low"})
    assert view.own.reasoning_effort == "low" and view.effective.reasoning_effort == "low"
    assert cm.controls.get(s.id).own == {"reasoningEffort": "low"}
    defaults = cm.controls.defaults()
    assert cm.controls.set_defaults(defaults.to_json()) == defaults
    cm.settings.set(s.id, "ui.both", {"n": 1})
    assert cm.settings.get(s.id, "ui.both").value == {"n": 1}
    assert [x.key for x in cm.settings.list(s.id)] == ["ui.both"]
    cm.settings.delete(s.id, "ui.both")
    assert cm.sessions.notes(s.id) == []


def test_codex_surface_reads_and_writes(cm, host):
    caps = _capabilities_known(cm)
    assert isinstance(caps, CapabilityReport) and caps.codex.matches in (True, False)
    assert caps.groups["review"] is True and caps.groups["exec"] is False
    assert cm.config.read()["config"]["model_provider"] == "fake"
    assert isinstance(cm.config.requirements(), dict)
    since = cm.latest_seq()
    cm.config.write_batch([{"keyPath": "model_verbosity", "value": "low"}])
    assert cm.config.read()["config"]["model_verbosity"] == "low"
    cm.config.write("model_verbosity", "medium")
    assert cm.config.read()["config"]["model_verbosity"] == "medium"
    assert [e.type for e in cm.iter_events(since, types=["config.updated"])] == ["config.updated"] * 2
    with pytest.raises(InvalidInput) as e:
        cm.config.write("", 1)
    assert e.value.code == "invalid_request"
    assert isinstance(cm.mcp.servers(), dict)
    assert isinstance(cm.mcp.reload(), dict)
    with pytest.raises(Exception) as e:
        cm.mcp.login("nowhere")
    assert getattr(e.value, "code", None), "a clean API error, not a hang"
    assert isinstance(cm.skills.list().get("data"), list)
    assert isinstance(cm.hooks.list(), dict)
    assert isinstance(cm.catalog.collaboration_modes(), dict)
    assert isinstance(cm.catalog.providers(), dict)
    models = cm.catalog.models()["data"]
    assert any("fake-model" in (m.get("id"), m.get("model")) for m in models), models
    features = cm.features.list()["data"]
    name, enabled = features[0]["name"], bool(features[0].get("enabled"))
    since = cm.latest_seq()
    cm.features.set_enabled(name, not enabled)
    try:
        [changed] = [e for e in cm.iter_events(since, types=["config.feature_changed"])]
        assert changed.data["name"] == name
    finally:
        cm.features.set_enabled(name, enabled)
    account = cm.account.read()
    assert account["requiresOpenaiAuth"] is False, "the fake provider needs no account"
    with pytest.raises(NotFound) as e:
        cm.account.login_state("unknown")
    assert e.value.code == "login_not_found"
    with pytest.raises(InvalidInput):
        cm.account.login("password")
    assert isinstance(cm.health().version, str) and cm.ready().ready
    assert cm.login_link().startswith(host.url)


def test_jobs_wait_and_plugins(cm, repo):
    package = repo / "plugins" / "dist" / "well-behaved"
    if not (package / "plugin.wasm").exists():
        pytest.fail(f"{package} is missing: build the plugins with plugins/build.sh (scripts/setup.sh does)")
    info = cm.plugins.install(package, grant=["log", "kv", "jobs"])
    try:
        assert info.enabled and cm.plugins.info("well-behaved").id == "well-behaved"
        job = cm.jobs.enqueue("test.echo", {"hello": "both"})
        done = cm.jobs.wait(job.id, timeout=60)
        assert done.finished and done.state == "succeeded" and done.result == {"hello": "both"}, done
        assert [t.to_state for t in done.history][-1] == "succeeded"
        assert job.id in [j.id for j in cm.jobs.list(kind="test.echo").jobs]
        assert cm.jobs.stats().capacity == 4
        assert "test.echo" in [k.kind for k in cm.jobs.kinds()]
        with pytest.raises(Conflict) as e:
            cm.jobs.retry(job.id)
        assert e.value.code == "job_not_retryable"
        later = cm.jobs.enqueue("test.echo", {"n": 2}, delay_ms=3_600_000)
        assert cm.jobs.cancel(later.id).state == "canceled"
        assert cm.jobs.retry(later.id).state == "queued"
        assert cm.jobs.wait(later.id, timeout=60).state == "succeeded"
        assert isinstance(cm.plugins.calls("well-behaved"), list)
    finally:
        cm.plugins.remove("well-behaved")


def _capabilities_known(cm):
    deadline = time.monotonic() + 60
    while True:
        caps = cm.capabilities()
        if caps.known or time.monotonic() > deadline:
            return caps
        time.sleep(0.1)


def _pending(cm, session_id):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        pending = cm.requests.pending(session_id)
        if pending:
            return pending[0]
        time.sleep(0.05)
    raise AssertionError("no pending request")
