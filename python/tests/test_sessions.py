"""Projects, sessions, controls, settings, notes against a real host, on both clients."""

from __future__ import annotations

import uuid

import pytest

from codex_manager_sdk import Conflict, InvalidInput, NotFound


def test_projects_crud(cm, host):
    name = f"proj-{uuid.uuid4().hex[:8]}"
    p = cm.projects.create(name, host.work_dir)
    assert p.name == name and p.cwd == str(host.work_dir) and p.session_count == 0
    assert any(x.id == p.id for x in cm.projects.list())
    with pytest.raises(Conflict) as e:
        cm.projects.create(name, host.work_dir)
    assert e.value.code == "project_name_taken"
    s = cm.sessions.create(project_id=p.id, title="in a project")
    assert s.project_id == p.id and s.cwd == str(host.work_dir)
    with pytest.raises(Conflict) as e:
        cm.projects.delete(p.id)
    assert e.value.code == "project_not_empty"
    assert cm.projects.move_sessions(p.id, None) == [s.id]
    renamed = cm.projects.update(p.id, name=name + "-b")
    assert renamed.name == name + "-b" and cm.projects.get(p.id).session_count == 0
    cm.projects.delete(p.id)
    with pytest.raises(NotFound) as e:
        cm.projects.get(p.id)
    assert e.value.code == "project_not_found"
    cm.sessions.delete(s.id)


def test_session_lifecycle_and_paging(cm, host):
    marker = uuid.uuid4().hex[:8]
    created = [cm.sessions.create(host.work_dir, title=f"page {marker} {i}") for i in range(3)]
    page = cm.sessions.list(q=marker, limit=2)
    assert len(page.sessions) == 2 and page.next_cursor
    rest = cm.sessions.list(q=marker, limit=2, cursor=page.next_cursor)
    ids = [s.id for s in page.sessions + rest.sessions]
    assert sorted(ids) == sorted(s.id for s in created) and rest.next_cursor is None
    assert sorted(s.id for s in cm.sessions.iter(q=marker, limit=1)) == sorted(ids)

    s = created[0]
    assert cm.sessions.rename(s.id, "renamed").title == "renamed"
    archived = cm.sessions.archive(s.id)
    assert archived.archived
    assert s.id in [x.id for x in cm.sessions.list(archived=True, limit=500).sessions]
    assert not cm.sessions.update(s.id, archived=False).archived
    assert cm.sessions.update(s.id, title="").title is None
    fork = cm.sessions.fork(s.id)
    assert fork.forked_from == s.id
    detail = cm.sessions.get(s.id)
    assert detail.session.id == s.id and detail.transcript is not None and detail.transcript.turns == []
    assert cm.sessions.notes(s.id) == []
    for x in created + [fork]:
        cm.sessions.delete(x.id)
    with pytest.raises(NotFound) as e:
        cm.sessions.get(s.id)
    assert e.value.code == "session_not_found"


def test_transcript_paging(cm, session):
    for word in ("one", "two", "three"):
        assert cm.turns.send_and_wait(session.id, word, timeout=60).ok
    first = cm.sessions.transcript(session.id, limit=2)
    assert len(first.turns) == 2 and first.next_cursor
    second = cm.sessions.transcript(session.id, limit=2, cursor=first.next_cursor)
    assert len(second.turns) == 1 and second.next_cursor is None
    newest = cm.sessions.transcript(session.id, limit=1, order="desc").turns[0]
    texts = [i.get("text") for i in newest["items"] if i.get("type") == "agentMessage"]
    assert texts == ["You said: three"]
    assert len(list(cm.sessions.iter_transcript(session.id, limit=1))) == 3


def test_controls_and_settings(cm, session):
    c = cm.controls.set(session.id, {"reasoningEffort": "low"})
    assert c.own == {"reasoningEffort": "low"} and c.effective["reasoningEffort"] == "low"
    assert cm.controls.get(session.id).own["reasoningEffort"] == "low"
    defaults = cm.controls.defaults()
    assert cm.controls.set_defaults(defaults) == defaults

    assert cm.settings.set(session.id, "ui.theme", {"dark": True}).value == {"dark": True}
    assert cm.settings.set(session.id, "plain", "x").value == "x"
    assert [s.key for s in cm.settings.list(session.id)] == ["plain", "ui.theme"]
    assert cm.settings.get(session.id, "ui.theme").value == {"dark": True}
    cm.settings.delete(session.id, "plain")
    with pytest.raises(NotFound) as e:
        cm.settings.get(session.id, "plain")
    assert e.value.code == "setting_not_found"
    with pytest.raises(InvalidInput) as e:
        cm.settings.set(session.id, "bad key!", 1)
    assert e.value.code == "invalid_setting_key"
