from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from hosthelper import REPO, RunningHost, start_host  # noqa: E402

from codex_manager_sdk import Client  # noqa: E402


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


@pytest.fixture(params=["sync", "async"])
def make_cm(request, host: RunningHost):
    """A maker of facades over the sync or the asyncio client (``make_cm(url=..., retry=...)``); every test using
    it runs once for each client."""
    from facade import Facade

    from codex_manager_sdk import AsyncClient

    loop = asyncio.new_event_loop() if request.param == "async" else None
    made: list = []

    def make(**kwargs):
        kwargs.setdefault("url", host.url)
        kwargs.setdefault("token", host.token)
        kwargs.setdefault("client_label", "sdk")
        c = Client(**kwargs) if loop is None else AsyncClient(**kwargs)
        made.append(c)
        return Facade(c, loop)

    make.kind = request.param
    try:
        yield make
    finally:
        for c in made:
            if loop is None:
                c.close()
            else:
                loop.run_until_complete(c.aclose())
        if loop is not None:
            loop.close()


@pytest.fixture
def cm(make_cm):
    """The sync or the asyncio client behind one facade: every test using it runs once for each."""
    return make_cm()
