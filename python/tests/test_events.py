"""The event iterator, on both clients: reconnects resume from the last seq (nothing missed, nothing doubled); reset frames; REST
paging of /api/events."""

from __future__ import annotations

import time

from codex_manager_sdk import Event, PendingSnapshot, Reset
from tcpproxy import Proxy

FILTER = {"exclude_types": ["item.reasoning"]}


def _until_turn_end(stream, turn_id: str, on_event=None, timeout: float = 60) -> list[Event]:
    got: list[Event] = []
    deadline = time.monotonic() + timeout
    while True:
        ev = stream.next(timeout=max(0.1, deadline - time.monotonic()))
        if isinstance(ev, PendingSnapshot):
            continue
        got.append(ev)
        if on_event:
            on_event(ev, len(got))
        if ev.type == "turn.completed" and ev.turn_id == turn_id:
            return got


def _logged(cm, since: int, session_id: str, upto: int) -> list[int]:
    return [e.seq for e in cm.iter_events(since, sessions=[session_id], **FILTER) if e.seq <= upto]


def test_reconnect_after_dropping_the_connection_misses_and_doubles_nothing(cm, session):
    start = cm.latest_seq()
    with cm.events(since=start, sessions=[session.id], **FILTER) as stream:
        accepted = cm.turns.send(session.id, "scenario:deltas=60")

        def drop(ev, n):
            if n in (5, 20, 40):
                stream.drop_connection()

        got = _until_turn_end(stream, accepted.turn_id, drop)
        assert stream.reconnects >= 3
    seqs = [e.seq for e in got]
    assert seqs == sorted(set(seqs)), "in order, no repeats"
    assert seqs == _logged(cm, start, session.id, seqs[-1]), "exactly the logged events"
    assert sum(1 for e in got if e.type == "item.delta") == 60


def test_reconnect_after_the_host_side_closes_the_socket(cm, make_cm, host, session):
    """A proxy between the SDK and the host cuts every connection (as a host restart does: no close frame)."""
    port = int(host.url.rsplit(":", 1)[1])
    proxy = Proxy("127.0.0.1", port)
    try:
        via = make_cm(url=proxy.url)
        start = via.latest_seq()
        with via.events(since=start, sessions=[session.id], **FILTER) as stream:
            accepted = via.turns.send(session.id, "scenario:deltas=40")

            def cut(ev, n):
                if n in (3, 15, 30):
                    assert proxy.sever() > 0

            got = _until_turn_end(stream, accepted.turn_id, cut)
            assert stream.reconnects >= 3 and proxy.accepted >= 4
        seqs = [e.seq for e in got]
        assert seqs == sorted(set(seqs))
        assert seqs == _logged(cm, start, session.id, seqs[-1])
    finally:
        proxy.close()


def test_live_from_now_and_type_filters(cm, session):
    with cm.events(sessions=[session.id], types=["turn."]) as stream:
        accepted = cm.turns.send(session.id, "filtered")
        got = _until_turn_end(stream, accepted.turn_id)
    assert {e.type for e in got} <= {"turn.started", "turn.completed", "turn.plan_updated", "turn.diff_updated"}
    assert got[0].type == "turn.started" and got[-1].data["turn"]["status"] == "completed"


def test_a_position_ahead_of_the_log_gives_a_reset(cm):
    latest = cm.latest_seq()
    with cm.events(since=latest + 1000) as stream:
        first = stream.next(timeout=10)
    assert isinstance(first, Reset) and first.reason == "ahead_of_log"
    assert first.latest_seq is not None and first.latest_seq >= latest
    page = cm.list_events(latest + 1000)
    assert page.reset and page.events == []


def test_pending_requests_snapshot_at_connect(cm, session):
    accepted = cm.turns.send(session.id, "run it scenario:approval")
    deadline = time.monotonic() + 30
    while not cm.requests.pending(session.id):
        assert time.monotonic() < deadline, "no approval came"
        time.sleep(0.05)
    with cm.events(sessions=[session.id], types=["turn."]) as stream:
        snap = stream.next(timeout=10)
    assert isinstance(snap, PendingSnapshot) and snap.requests[0].kind == "command_approval"
    cm.requests.decline(snap.requests[0], cancel=True)
    assert cm.turns.wait(session.id, accepted.turn_id, since=0, timeout=30).status in ("interrupted", "completed")


def test_rest_paging_of_the_log(cm, session):
    start = cm.latest_seq()
    cm.turns.send_and_wait(session.id, "paged scenario:deltas=12", timeout=60)
    pages, since = [], start
    while True:
        page = cm.list_events(since, sessions=session.id, types="item.delta", limit=5)
        pages.append(page)
        if page.next_since >= page.latest_seq:
            break
        since = page.next_since
    deltas = [e for p in pages for e in p.events]
    assert len(deltas) == 12 and all(e.type == "item.delta" for e in deltas)
    assert [e.seq for e in deltas] == sorted({e.seq for e in deltas})
    assert len(list(cm.iter_events(start, sessions=[session.id], types=["item.delta"], limit=7))) == 12
