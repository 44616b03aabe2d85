from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from hosthelper import REPO, RunningHost, start_host  # noqa: E402

from codex_manager import Client  # noqa: E402


@pytest.fixture(scope="session")
def host(tmp_path_factory: pytest.TempPathFactory) -> RunningHost:
    """One real host for the suite (queue capacity 4 so the queue_full test stays cheap)."""
    h = start_host(tmp_path_factory.mktemp("host"), env={"CODEX_MANAGER_QUEUE_CAPACITY": "4"})
    try:
        Client(url=h.url, token=h.token).wait_ready(timeout=60)
        yield h
    finally:
        h.stop()


@pytest.fixture(scope="session")
def client(host: RunningHost) -> Client:
    with Client(url=host.url, data_dir=host.data_dir, client_label="sdk") as c:
        yield c


@pytest.fixture
def session(client: Client, host: RunningHost):
    return client.sessions.create(host.work_dir)


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO
