"""Turns: streamed replies, idempotent sends, steer, interrupt."""

from __future__ import annotations

import threading
import time

import pytest

from codex_manager_sdk import Conflict, InvalidInput, TurnInProgress


def test_send_and_wait_streams_the_reply(client, session):
    deltas: list[str] = []
    result = client.turns.send_and_wait(session.id, "hello sdk", on_delta=deltas.append, timeout=60)
    assert result.status == "completed" and result.ok
    assert result.text == "You said: hello sdk"
    assert "".join(deltas) == result.text and len(deltas) > 1, deltas
    assert result.turn["id"] == result.turn_id
    s = client.sessions.get(session.id).session
    assert s.status == "idle" and s.last_turn_status == "completed"


def test_idempotent_send_retry_returns_the_same_turn(client, session):
    first = client.turns.send(session.id, "once scenario:deltas=3", idempotency_key="retry-key-1")
    assert not first.replayed and first.status == "inProgress"
    again = client.turns.send(session.id, "once scenario:deltas=3", idempotency_key="retry-key-1")
    assert again.replayed and again.turn_id == first.turn_id
    with pytest.raises(InvalidInput) as e:
        client.turns.send(session.id, "other text", idempotency_key="retry-key-1")
    assert e.value.code == "idempotency_key_reused"
    # send_and_wait with the same key follows the turn that already ran.
    result = client.turns.send_and_wait(session.id, "once scenario:deltas=3", idempotency_key="retry-key-1", timeout=60)
    assert result.replayed and result.turn_id == first.turn_id and result.status == "completed"
    assert result.text == "d0 d1 d2 "
    # Without a key, each call is a new turn.
    a = client.turns.send_and_wait(session.id, "twice", timeout=60)
    b = client.turns.send_and_wait(session.id, "twice", timeout=60)
    assert a.turn_id != b.turn_id


def test_steer_interrupt_and_turn_in_progress(client, session):
    with pytest.raises(Conflict) as e:
        client.turns.interrupt(session.id)
    assert e.value.code == "no_active_turn"
    accepted = client.turns.send(session.id, "go scenario:slow")
    with pytest.raises(TurnInProgress) as e:
        client.turns.send(session.id, "again")
    assert e.value.active_turn_id == accepted.turn_id
    # codex answers a steer by sampling again with it as the newest message: the steer asks for a slow reply too,
    # so the turn still runs when the interrupt comes (with a quick one it could end first on a fast host).
    steered = client.turns.steer(session.id, "and also this scenario:slow")
    assert steered.turn_id == accepted.turn_id
    time.sleep(0.3)
    interrupted = client.turns.interrupt(session.id)
    assert interrupted.turn_id == accepted.turn_id and interrupted.status == "interrupted"
    result = client.turns.wait(session.id, accepted.turn_id, since=0, timeout=30)
    assert result.status == "interrupted"


def test_wait_times_out_without_stopping_the_turn(client, session):
    accepted = client.turns.send(session.id, "scenario:slow")
    with pytest.raises(TimeoutError):
        client.turns.wait(session.id, accepted.turn_id, since=0, timeout=0.5)
    assert client.turns.interrupt(session.id).status == "interrupted"


def test_wait_after_a_reset_reads_the_outcome_from_the_transcript(client, session):
    done = client.turns.send_and_wait(session.id, "remember me", timeout=60)
    # A position the log cannot serve gives a reset frame; the turn's outcome then comes from the transcript.
    again = client.turns.wait(session.id, done.turn_id, since=client.latest_seq() + 1000, timeout=20)
    assert (again.status, again.text) == ("completed", "You said: remember me")


def test_a_turns_record_waits_for_its_end_and_says_in_progress_when_the_wait_runs_out(client, session):
    accepted = client.turns.send(session.id, "run it scenario:approval")
    # The turn waits for an approval nobody gives yet: a short wait runs out.
    record = client.turns.get(session.id, accepted.turn_id, wait=0.3)
    assert record.status == "inProgress" and not record.ended and record.end_seq is None
    [req] = _pending_soon(client, session.id)
    answered = threading.Timer(0.2, lambda: client.requests.approve(req))
    answered.start()
    try:
        record = client.turns.wait_record(session.id, accepted.turn_id, timeout=60)
    finally:
        answered.join()
    assert record.status == "completed" and record.final_text == "Command finished."
    assert record.end_seq is not None and record.start_seq is not None and record.start_seq < record.end_seq
    records, _ = client.turns.list(session.id, limit=5)
    assert records[0].id == accepted.turn_id and records[0].final_text == record.final_text


def test_send_and_wait_reads_its_outcome_from_the_turn_record(client, session):
    result = client.turns.send_and_wait(session.id, "hello record", timeout=60)
    record = client.turns.get(session.id, result.turn_id)
    assert (result.status, result.text, result.error) == (record.status, record.final_text, None)
    assert result.text == "You said: hello record"


def _pending_soon(client, session_id):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        pending = client.requests.pending(session_id)
        if pending:
            return pending
        time.sleep(0.05)
    raise AssertionError("no pending request")
