"""Retries of idempotent calls on 503 / 429 / a dropped connection, with backoff and ``Retry-After``, for both
clients: through a flaky front (tests/flaky.py) to the real host."""

from __future__ import annotations

import time

import pytest

from codex_manager_sdk import ConnectionFailed, QueueFull, RetryPolicy, Unavailable
from codex_manager_sdk._http import parse_retry_after
from flaky import Flaky

FAST = RetryPolicy(attempts=3, backoff=0.01, max_backoff=0.05)


@pytest.fixture
def flaky(host):
    f = Flaky(host.url)
    yield f
    f.close()


def test_a_get_is_retried_on_503_429_and_a_dropped_connection(make_cm, flaky):
    cm = make_cm(url=flaky.url, retry=FAST)
    flaky.fail("503", "429", "drop")
    assert cm.health().status == "ok"
    assert flaky.seen == [("GET", "/api/health")] * 4, "three failures, then the answer"


def test_retries_are_bounded(make_cm, flaky):
    cm = make_cm(url=flaky.url, retry=FAST)
    flaky.fail("503", "503", "503", "503", "503")
    with pytest.raises(Unavailable) as e:
        cm.sessions.list()
    assert e.value.code == "runtime_unavailable"
    assert len(flaky.seen) == 4, "the call and 3 retries"


def test_a_post_is_retried_only_with_an_idempotency_key(make_cm, flaky, host):
    cm = make_cm(url=flaky.url, retry=FAST)
    s = cm.sessions.create(host.work_dir)
    flaky.fail("503")
    with pytest.raises(Unavailable):
        cm.sessions.fork(s.id)  # a POST without a key could run twice: not retried
    assert len(flaky.seen) == 1
    flaky.fail("503", "drop")
    accepted = cm.turns.send(s.id, "retried send")  # the SDK sends every message with an Idempotency-Key
    assert [m for m, _ in flaky.seen] == ["POST"] * 3
    record = cm.turns.wait_record(s.id, accepted.turn_id, timeout=60)
    assert record.final_text == "You said: retried send"
    assert len(cm.turns.list(s.id)[0]) == 1, "one turn, however many tries"
    flaky.fail("429")
    with pytest.raises(QueueFull):
        cm.request("POST", "/api/jobs", json={"kind": "nothing.here"})
    flaky.fail("503")
    assert cm.request("POST", f"/api/sessions/{s.id}/messages", json={"text": "raw with a key"},
                      headers={"Idempotency-Key": f"raw-{s.id}"})["turnId"]
    assert len(flaky.seen) == 2, "a raw POST with an Idempotency-Key is retried too"


def test_retry_after_is_honoured(make_cm, flaky):
    cm = make_cm(url=flaky.url, retry=RetryPolicy(attempts=1, backoff=0.0, max_backoff=0.0))
    flaky.fail("503", retry_after="1")
    started = time.monotonic()
    assert cm.health().status == "ok"
    assert time.monotonic() - started >= 0.9, "waited what Retry-After said, not the (zero) backoff"


def test_ready_answers_its_own_503_without_retrying_and_retries_can_be_off(make_cm, flaky):
    cm = make_cm(url=flaky.url, retry=RetryPolicy(attempts=0))
    flaky.fail("503")
    assert cm.ready().ready is False, "the 503 readiness body is the answer"
    flaky.fail("503")
    with pytest.raises(Unavailable):
        cm.health()
    assert len(flaky.seen) == 1


def test_an_unreachable_host_fails_after_the_retries(make_cm):
    cm = make_cm(url="http://127.0.0.1:9", retry=FAST)
    with pytest.raises(ConnectionFailed):
        cm.health()


def test_retry_after_parsing():
    assert parse_retry_after("2") == 2.0 and parse_retry_after(None) is None and parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0, "a date in the past: no wait"
    assert RetryPolicy(max_retry_after=5).delay(0, "120") == 5.0
    assert all(0 <= RetryPolicy(backoff=1, max_backoff=3).delay(n) <= 3 for n in range(10))
