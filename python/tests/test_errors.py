"""Bad input raises the right ApiError subclass with the API's code."""

from __future__ import annotations

import pytest

from codex_manager_sdk import ApiError, Client, Conflict, InvalidInput, NotFound, Unauthorized


def test_bad_input_codes(client, host, session):
    with pytest.raises(InvalidInput) as e:
        client.sessions.create("relative/dir")
    assert e.value.code == "invalid_request" and e.value.status == 422
    with pytest.raises(InvalidInput) as e:
        client.sessions.create(host.work_dir / "does-not-exist")
    assert e.value.code == "cwd_not_found"
    with pytest.raises(NotFound) as e:
        client.sessions.create(project_id="01a00000-0000-7000-8000-000000000000")
    assert e.value.code == "project_not_found"
    with pytest.raises(InvalidInput) as e:
        client.turns.send(session.id, "   ")
    assert e.value.code == "invalid_request"
    with pytest.raises(InvalidInput) as e:
        client.turns.send(session.id, "hi", idempotency_key="has space")
    assert e.value.code == "invalid_idempotency_key"
    with pytest.raises(InvalidInput) as e:
        client.turns.send(session.id, "hi", mode="sideways")
    assert e.value.code == "invalid_body"
    with pytest.raises(InvalidInput) as e:
        client.sessions.list(limit=0)
    assert e.value.code == "invalid_request"
    with pytest.raises(InvalidInput) as e:
        client.sessions.list(cursor="garbage")
    assert e.value.code == "invalid_cursor"
    with pytest.raises(InvalidInput) as e:
        client.controls.set(session.id, {"approvalPolicy": "sometimes"})
    assert e.value.code == "invalid_body"
    with pytest.raises(InvalidInput) as e:
        client.jobs.enqueue("no.such.kind")
    assert e.value.code == "unknown_job_kind"
    with pytest.raises(NotFound) as e:
        client.turns.send("01a00000-0000-7000-8000-000000000000", "hi")
    assert e.value.code == "session_not_found"
    with pytest.raises(NotFound) as e:
        client.plugins.info("nope")
    assert e.value.code == "plugin_not_found"


def test_archived_session_refuses_messages(client, session):
    client.sessions.archive(session.id)
    with pytest.raises(Conflict) as e:
        client.turns.send(session.id, "hi")
    assert e.value.code == "session_archived"


def test_wrong_token_is_unauthorized(host):
    with Client(url=host.url, token="wrong-token-0123456789") as c:
        with pytest.raises(Unauthorized) as e:
            c.health()
        assert e.value.code == "unauthorized"
        with pytest.raises(Unauthorized):
            c.events()
        with pytest.raises(Unauthorized):
            c.events(since=0)  # the websocket handshake itself is refused
    assert isinstance(e.value, ApiError)
