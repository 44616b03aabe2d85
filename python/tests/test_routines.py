"""Routines from the SDK: create (the secret once), run now, a signed delivery runs once while a replay and a wrong
signature are refused, the runs list with each run's turn from the host's record, pause, rotate, remove."""

from __future__ import annotations

import time

import pytest

from codex_manager_sdk import Conflict, InvalidInput, NotFound, Unauthorized, sign_webhook


def _finished(client, routine_id: str, run_id: str):
    """The run once its turn ended (bounded), with the turn record."""
    deadline = time.monotonic() + 60
    while True:
        run = next(r for r in client.routines.runs(routine_id) if r.id == run_id)
        if run.turn_id:
            break
        assert time.monotonic() < deadline, f"run {run_id} never started a turn: {run}"
        time.sleep(0.05)
    record = client.turns.wait_record(run.session_id, run.turn_id, timeout=60)
    assert record.status == "completed"
    run = next(r for r in client.routines.runs(routine_id) if r.id == run_id)
    assert run.status == "completed" and run.job_state == "succeeded"
    return run


def test_a_routine_runs_now_and_by_a_signed_webhook_once(client, session):
    created = client.routines.create("sdk", prompt="sdk routine {{body}} scenario:deltas=2", session_id=session.id)
    routine = created.routine
    assert created.webhook_secret.startswith("cmwh_") and routine.state == "enabled" and routine.schedule is None
    assert routine.webhook_path == f"/api/routines/{routine.id}/webhook"
    assert routine.id in [r.id for r in client.routines.list()]

    manual = _finished(client, routine.id, client.routines.run(routine.id).id)
    assert manual.trigger == "manual" and manual.session_id == session.id

    body = b'{"n":1}'
    headers = sign_webhook(created.webhook_secret, body)
    hooked = client.routines.deliver(routine.id, created.webhook_secret, body,
                                     timestamp=int(headers["X-Codex-Manager-Timestamp"]))
    assert hooked.trigger == "webhook"
    hooked = _finished(client, routine.id, hooked.id)
    assert hooked.turn_id != manual.turn_id
    with pytest.raises(Conflict) as e:
        client.routines.deliver(routine.id, created.webhook_secret, body, timestamp=int(headers["X-Codex-Manager-Timestamp"]))
    assert e.value.code == "webhook_replayed"
    with pytest.raises(Unauthorized) as e:
        client.routines.deliver(routine.id, "cmwh_not_the_secret", body)
    assert e.value.code == "webhook_signature_invalid"
    with pytest.raises(Unauthorized) as e:
        client.routines.deliver(routine.id, created.webhook_secret, body, timestamp=int(time.time()) - 3600)
    assert e.value.code == "webhook_timestamp_stale"
    assert [r.trigger for r in client.routines.runs(routine.id)] == ["webhook", "manual"]

    new_secret = client.routines.rotate_secret(routine.id)
    with pytest.raises(Unauthorized):
        client.routines.deliver(routine.id, created.webhook_secret, b"{}")
    assert client.routines.pause(routine.id).state == "paused"
    with pytest.raises(Conflict) as e:
        client.routines.deliver(routine.id, new_secret, b"{}")
    assert e.value.code == "routine_paused"

    with pytest.raises(InvalidInput) as e:
        client.routines.update(routine.id, schedule="every day")
    assert e.value.code == "invalid_schedule"
    preview = client.routines.preview("0 9 * * mon-fri")
    assert len(preview.next) == 3 and preview.time_zone
    client.routines.remove(routine.id)
    with pytest.raises(NotFound):
        client.routines.get(routine.id)
