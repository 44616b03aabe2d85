"""Plugins (install from a package dir with a grant, enable/disable, calls, remove) and jobs (enqueue, wait,
cancel, retry, kinds, stats, queue full) with the `well-behaved` test plugin from plugins/dist."""

from __future__ import annotations

import pytest

from codex_manager_sdk import Conflict, InvalidInput, NotFound, QueueFull

GRANT = ["log", "kv", "sessions-read", "jobs", "workers", "notes"]


@pytest.fixture(scope="module")
def plugin(client, repo):
    package = repo / "plugins" / "dist" / "well-behaved"
    if not (package / "plugin.wasm").exists():
        pytest.fail(f"{package} is missing: build the plugins with plugins/build.sh (scripts/setup.sh does)")
    inspection = client.plugins.inspect(package)
    assert inspection.id == "well-behaved" and "test.echo" in inspection.jobs and inspection.replaces is None
    info = client.plugins.install(package, grant=GRANT + ["http"])
    yield info
    client.plugins.remove("well-behaved")
    with pytest.raises(NotFound) as e:
        client.plugins.info("well-behaved")
    assert e.value.code == "plugin_not_found"


def test_plugin_install_grant_and_state(client, plugin, repo):
    assert plugin.enabled and sorted(plugin.granted) == sorted(GRANT), "http is not requested, so not granted"
    assert "well-behaved" in [p.id for p in client.plugins.list()]
    with pytest.raises(Conflict) as e:
        client.plugins.install(repo / "plugins" / "dist" / "well-behaved", grant=GRANT)
    assert e.value.code == "plugin_exists"
    upgraded = client.plugins.install(repo / "plugins" / "dist" / "well-behaved" / "plugin.wasm", grant=GRANT, upgrade=True)
    assert upgraded.enabled and upgraded.version == plugin.version
    assert not client.plugins.disable("well-behaved").enabled
    with pytest.raises(InvalidInput) as e:
        client.jobs.enqueue("test.echo", {})
    assert e.value.code == "unknown_job_kind"
    assert client.plugins.enable("well-behaved").enabled


def test_job_enqueue_and_wait(client, plugin, session):
    kinds = {k.kind: k for k in client.jobs.kinds()}
    assert kinds["test.echo"].plugin_id == "well-behaved"
    job = client.jobs.enqueue("test.echo", {"hello": [1, 2]}, session_id=session.id)
    assert job.state in ("queued", "running") and job.created_by == "sdk" and job.session_id == session.id
    done = client.jobs.wait(job.id, timeout=30)
    assert done.state == "succeeded" and done.result == {"hello": [1, 2]}
    assert done.history and done.history[0]["toState"] == "queued"
    assert any(j.id == job.id for j in client.jobs.list(kind="test.echo", session_id=session.id).jobs)
    assert client.jobs.wait(job.id).state == "succeeded", "an ended job answers at once"
    with pytest.raises(Conflict) as e:
        client.jobs.cancel(job.id)
    assert e.value.code == "job_finished"
    with pytest.raises(Conflict) as e:
        client.jobs.retry(job.id)
    assert e.value.code == "job_not_retryable"
    calls = client.plugins.calls("well-behaved", limit=50)
    assert any(c.trigger == f"job:test.echo#{job.id}" and c.outcome == "ok" for c in calls)


def test_cancel_retry_dedupe_and_queue_full(client, plugin):
    # Delayed jobs stay queued; the test host's queue holds 4 live jobs.
    first = client.jobs.enqueue("test.echo", {"n": 0}, dedupe_key="dd-1", delay_ms=600_000)
    dup = client.jobs.enqueue("test.echo", {"n": 9}, dedupe_key="dd-1", delay_ms=600_000)
    assert dup.id == first.id
    live = [first] + [client.jobs.enqueue("test.echo", {"n": i}, delay_ms=600_000) for i in range(1, 4)]
    assert client.jobs.stats().queued >= 4
    with pytest.raises(QueueFull) as e:
        client.jobs.enqueue("test.echo", {"n": 4}, delay_ms=600_000)
    assert (e.value.status, e.value.code) == (429, "queue_full")
    canceled = [client.jobs.cancel(j.id) for j in live]
    assert all(j.state == "canceled" for j in canceled)
    retried = client.jobs.retry(first.id)
    assert retried.state in ("queued", "running") and retried.attempt <= 1
    # A retry runs now (the delay was for the first enqueue only).
    assert client.jobs.wait(first.id, timeout=30).result == {"n": 0}
    with pytest.raises(NotFound) as e:
        client.jobs.get("01a00000-0000-7000-8000-000000000000")
    assert e.value.code == "job_not_found"


def test_plugin_settings_are_read_and_changed_through_the_sdk(client, repo):
    """A 0.2.0 plugin's `[settings]`: the defaults, a change of the user's, a reset, and what is refused."""
    package = repo / "plugins" / "dist" / "probe-v02"
    info = client.plugins.install(package, grant=["log"])
    try:
        assert info.wit_version == "0.2.0" and info.host_wits == ["0.1.0", "0.2.0"]
        settings = client.plugins.settings("probe-v02")
        assert settings.settings == {"greeting": "hello", "risk": "medium"} and settings.user == {}
        changed = client.plugins.set_settings("probe-v02", {"risk": "high"})
        assert changed.settings["risk"] == "high" and changed.user == {"risk": "high"}
        with pytest.raises(InvalidInput) as e:
            client.plugins.set_settings("probe-v02", {"risk": 3})
        assert e.value.code == "wrong_setting_type"
        with pytest.raises(InvalidInput) as e:
            client.plugins.set_settings("probe-v02", {"nope": True})
        assert e.value.code == "unknown_plugin_setting"
        assert client.plugins.set_settings("probe-v02", {"risk": None}).settings["risk"] == "medium"
    finally:
        client.plugins.remove("probe-v02")
