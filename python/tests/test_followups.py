"""The follow-up queue from the SDK: messages queued while a turn runs, edited and moved, start in order after it;
a paused queue waits for ``resume``."""

from __future__ import annotations

import pytest

from codex_manager_sdk import Conflict, FollowupQueued, InvalidInput, PendingSnapshot, TurnAccepted


def _user_texts(client, session_id: str) -> list[str]:
    texts = []
    for turn in client.sessions.transcript(session_id, limit=50).turns:
        for item in turn["items"]:
            if item["type"] == "userMessage":
                texts.append("".join(c.get("text", "") for c in item["content"]))
    return texts


def _started(stream, wanted: int) -> dict[str, str]:
    """Follow-up id -> the turn it started, once ``wanted`` of them started."""
    turns: dict[str, str] = {}
    while len(turns) < wanted:
        ev = stream.next(timeout=60)
        if not isinstance(ev, PendingSnapshot) and ev.type == "followup.started":
            turns[ev.data["id"]] = ev.data["turnId"]
    return turns


def test_follow_ups_queued_while_a_turn_runs_start_in_order_after_an_edit_and_a_move(client, session):
    since = client.latest_seq()
    first = client.turns.send(session.id, "first scenario:sleep=3000")
    a = client.turns.send_or_queue(session.id, "alpha scenario:deltas=2")
    b = client.turns.send_or_queue(session.id, "bravo scenario:deltas=2")
    assert isinstance(a, FollowupQueued) and a.followup.status == "queued" and not a.replayed
    client.followups.edit(session.id, b.followup.id, text="bravo, edited scenario:deltas=2")
    moved = client.followups.move(session.id, b.followup.id, 0)
    assert [f.id for f in moved.followups] == [b.followup.id, a.followup.id]
    assert client.sessions.get(session.id).session.followups.count == 2
    with pytest.raises(InvalidInput) as e:
        client.followups.reorder(session.id, [a.followup.id])
    assert e.value.code == "followup_order_mismatch" and set(e.value.details["queued"]) == {a.followup.id, b.followup.id}

    with client.events(since, sessions=[session.id], types=["followup."]) as stream:
        turns = _started(stream, 2)
    client.turns.wait_record(session.id, turns[a.followup.id], timeout=60)
    with pytest.raises(Conflict) as e:
        client.followups.edit(session.id, a.followup.id, text="too late")
    assert e.value.code == "followup_not_queued"
    assert _user_texts(client, session.id) == [
        "first scenario:sleep=3000", "bravo, edited scenario:deltas=2", "alpha scenario:deltas=2",
    ]
    assert first.turn_id not in turns.values()


def test_a_paused_queue_waits_for_resume_and_an_idle_session_starts_at_once(client, session):
    idle = client.turns.send_or_queue(session.id, "straight away scenario:deltas=2")
    assert isinstance(idle, TurnAccepted), "nothing runs and nothing waits: the turn starts at once"
    client.turns.wait_record(session.id, idle.turn_id, timeout=60)
    paused = client.followups.pause(session.id)
    assert paused.paused and paused.reason == "user"
    with pytest.raises(Conflict):
        client.followups.pause(session.id)
    running = client.turns.send(session.id, "busy scenario:sleep=1500")
    since = client.latest_seq()
    later = client.turns.send_or_queue(session.id, "later scenario:deltas=2")
    assert isinstance(later, FollowupQueued)
    client.turns.wait_record(session.id, running.turn_id, timeout=60)
    listed = client.followups.list(session.id)
    assert listed.queue.paused and listed.queue.count == 1 and listed.followups[0].status == "queued"
    resumed = client.followups.resume(session.id)
    assert not resumed.paused
    with client.events(since, sessions=[session.id], types=["followup."]) as stream:
        turns = _started(stream, 1)
    client.turns.wait_record(session.id, turns[later.followup.id], timeout=60)
    with pytest.raises(Conflict) as e:
        client.followups.resume(session.id)
    assert e.value.code == "followups_not_paused"
