"""The contract fuzzer's harness: a real host (the debug build, the real codex app-server, the fake model) in a
throwaway data dir, shared by every operation, and a summary of what was sent."""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "python" / "tests"))

from hosthelper import RunningHost, start_host  # noqa: E402

from codex_manager_sdk import Client  # noqa: E402

# Requests sent and statuses received, by the test module; printed at the end so every run reports its numbers.
SENT: Counter[str] = Counter()
STATUSES: Counter[int] = Counter()


@pytest.fixture(scope="session")
def host(tmp_path_factory: pytest.TempPathFactory) -> RunningHost:
    """The host, with the shipped plugins, a project, a session that ran a turn, a job and a routine (`host.real_ids`), so
    that answers about resources that exist are checked too, not only 404s."""
    h = start_host(tmp_path_factory.mktemp("fuzz-host"), bundled_plugins=str(REPO / "plugins" / "dist"))
    try:
        with Client(url=h.url, token=h.token) as c:
            c.wait_ready(timeout=90)
            project = c.projects.create("fuzzed", h.work_dir)
            session = c.sessions.create(h.work_dir, project_id=project.id, title="fuzzed")
            c.turns.send_and_wait(session.id, "hello", timeout=90)
            c.settings.set(session.id, "fuzz.key", {"a": 1})
            # The shipped plugins install in the background at first start.
            deadline = time.monotonic() + 60
            while not any(p.id == "word-tools" for p in c.plugins.list()):
                assert time.monotonic() < deadline, "the shipped plugins did not install"
                time.sleep(0.2)
            job = c.jobs.enqueue("autonamer.name", session_id=session.id)
            routine = c.routines.create("fuzzed", prompt="fuzzed scenario:deltas=1", session_id=session.id).routine
        h.real_ids = {"session": session.id, "project": project.id, "plugin": "word-tools", "job": job.id, "routine": routine.id}
        yield h
    finally:
        h.stop()


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # noqa: ARG001
    if not SENT:
        return
    tr = terminalreporter
    tr.section("contract fuzzer")
    tr.write_line(f"requests sent: {sum(SENT.values())} over {len(SENT)} operations")
    tr.write_line("statuses: " + ", ".join(f"{s}: {n}" for s, n in sorted(STATUSES.items())))
