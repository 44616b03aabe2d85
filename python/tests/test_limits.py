"""Usage limits and budgets from the SDK: token usage per session, a daily budget that holds automated turns (a
follow-up waits, paused as ``budget``, with its reset) while the user's own message goes through with a typed
``warning``, and the same limits on ``ready()`` and ``limits.status()``."""

from __future__ import annotations

import pytest

from codex_manager_sdk import Budgets, InvalidInput, LimitsStatus, TurnAccepted, UsageLimit, UsageReport


def test_a_spent_budget_holds_a_follow_up_and_warns_the_users_own_message(client, session):
    first = client.turns.send(session.id, "count my tokens")
    client.turns.wait_record(session.id, first.turn_id, timeout=60)
    usage = client.limits.usage(session_id=session.id)
    assert isinstance(usage, UsageReport) and usage.turns == 1 and usage.tokens.total > 0
    assert [d.day for d in usage.days] == [usage.from_] == [usage.to]

    try:
        budgets = client.limits.set_budgets(host=1)
        assert isinstance(budgets, Budgets) and budgets.budgets[0].spent_today >= 1
        with pytest.raises(InvalidInput):
            client.limits.set_budgets(host=-1)
        status = client.limits.status()
        assert isinstance(status, LimitsStatus) and [b.kind for b in status.budgets] == ["budget"]
        assert client.ready().limits.budgets[0].resets_at == status.budgets[0].resets_at

        since = client.latest_seq()
        mine = client.turns.send(session.id, "mine scenario:sleep=1500")
        assert isinstance(mine, TurnAccepted) and isinstance(mine.warning, UsageLimit)
        assert mine.warning.kind == "budget" and mine.warning.resets_at
        queued = client.turns.send_or_queue(session.id, "automated scenario:deltas=2")
        with client.events(since, sessions=[session.id], types=["followup.paused"]) as stream:
            paused = stream.next(timeout=60)
        assert paused.data["reason"] == "budget"
        queue = client.followups.list(session.id).queue
        assert queue.paused and queue.reason == "budget" and queue.limit.kind == "budget" and queue.limit.resets_at
        assert [f.status for f in client.followups.list(session.id).followups] == ["queued"]
    finally:
        client.limits.set_budgets()
    # Without the budget the follow-up goes on by itself.
    with client.events(since, sessions=[session.id], types=["followup.started"]) as stream:
        while True:
            ev = stream.next(timeout=60)
            if getattr(ev, "type", None) == "followup.started" and ev.data["id"] == queued.followup.id:
                break
