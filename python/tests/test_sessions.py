"""Projects, sessions, controls, settings, notes against a real host."""

from __future__ import annotations

import uuid

import pytest

from codex_manager import Conflict, InvalidInput, NotFound


def test_projects_crud(client, host):
    name = f"proj-{uuid.uuid4().hex[:8]}"
    p = client.projects.create(name, host.work_dir)
    assert p.name == name and p.cwd == str(host.work_dir) and p.session_count == 0
    assert any(x.id == p.id for x in client.projects.list())
    with pytest.raises(Conflict) as e:
        client.projects.create(name, host.work_dir)
    assert e.value.code == "project_name_taken"
    s = client.sessions.create(project_id=p.id, title="in a project")
    assert s.project_id == p.id and s.cwd == str(host.work_dir)
    with pytest.raises(Conflict) as e:
        client.projects.delete(p.id)
    assert e.value.code == "project_not_empty"
    assert client.projects.move_sessions(p.id, None) == [s.id]
    renamed = client.projects.update(p.id, name=name + "-b")
    assert renamed.name == name + "-b" and client.projects.get(p.id).session_count == 0
    client.projects.delete(p.id)
    with pytest.raises(NotFound) as e:
        client.projects.get(p.id)
    assert e.value.code == "project_not_found"
    client.sessions.delete(s.id)


def test_session_lifecycle_and_paging(client, host):
    marker = uuid.uuid4().hex[:8]
    created = [client.sessions.create(host.work_dir, title=f"page {marker} {i}") for i in range(3)]
    page = client.sessions.list(q=marker, limit=2)
    assert len(page.sessions) == 2 and page.next_cursor
    rest = client.sessions.list(q=marker, limit=2, cursor=page.next_cursor)
    ids = [s.id for s in page.sessions + rest.sessions]
    assert sorted(ids) == sorted(s.id for s in created) and rest.next_cursor is None
    assert sorted(s.id for s in client.sessions.iter(q=marker, limit=1)) == sorted(ids)

    s = created[0]
    assert client.sessions.rename(s.id, "renamed").title == "renamed"
    archived = client.sessions.archive(s.id)
    assert archived.archived
    assert s.id in [x.id for x in client.sessions.list(archived=True, limit=500).sessions]
    assert not client.sessions.update(s.id, archived=False).archived
    assert client.sessions.update(s.id, title="").title is None
    fork = client.sessions.fork(s.id)
    assert fork.forked_from == s.id
    detail = client.sessions.get(s.id)
    assert detail.session.id == s.id and detail.transcript is not None and detail.transcript.turns == []
    assert client.sessions.notes(s.id) == []
    for x in created + [fork]:
        client.sessions.delete(x.id)
    with pytest.raises(NotFound) as e:
        client.sessions.get(s.id)
    assert e.value.code == "session_not_found"


def test_transcript_paging(client, session):
    for word in ("one", "two", "three"):
        assert client.turns.send_and_wait(session.id, word, timeout=60).ok
    first = client.sessions.transcript(session.id, limit=2)
    assert len(first.turns) == 2 and first.next_cursor
    second = client.sessions.transcript(session.id, limit=2, cursor=first.next_cursor)
    assert len(second.turns) == 1 and second.next_cursor is None
    newest = client.sessions.transcript(session.id, limit=1, order="desc").turns[0]
    texts = [i.get("text") for i in newest["items"] if i.get("type") == "agentMessage"]
    assert texts == ["You said: three"]
    assert len(list(client.sessions.iter_transcript(session.id, limit=1))) == 3


def test_controls_and_settings(client, session):
    c = client.controls.set(session.id, {"reasoningEffort": "low"})
    assert c.own == {"reasoningEffort": "low"} and c.effective["reasoningEffort"] == "low"
    assert client.controls.get(session.id).own["reasoningEffort"] == "low"
    defaults = client.controls.defaults()
    assert client.controls.set_defaults(defaults) == defaults

    assert client.settings.set(session.id, "ui.theme", {"dark": True}).value == {"dark": True}
    assert client.settings.set(session.id, "plain", "x").value == "x"
    assert [s.key for s in client.settings.list(session.id)] == ["plain", "ui.theme"]
    assert client.settings.get(session.id, "ui.theme").value == {"dark": True}
    client.settings.delete(session.id, "plain")
    with pytest.raises(NotFound) as e:
        client.settings.get(session.id, "plain")
    assert e.value.code == "setting_not_found"
    with pytest.raises(InvalidInput) as e:
        client.settings.set(session.id, "bad key!", 1)
    assert e.value.code == "invalid_setting_key"
