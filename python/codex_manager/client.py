"""The sync client."""

from __future__ import annotations

import os
from typing import Any, Iterable, Iterator

from ._http import Transport
from .config import resolve_token, resolve_url
from .events import EventStream, iter_events, latest_seq, list_events
from .resources import ControlsApi, Jobs, Plugins, Projects, Requests, Sessions, Settings, Turns
from .types import Event, EventPage, Health, Ready


class Client:
    """A client of one Codex Manager host.

    ``url`` / ``token`` / ``data_dir`` default as for the CLI: ``CODEX_MANAGER_URL`` (else
    ``http://127.0.0.1:8417``), ``CODEX_MANAGER_TOKEN`` (else ``<data-dir>/token``), ``CODEX_MANAGER_DATA_DIR``
    (else ``$XDG_DATA_HOME/codex-manager`` or ``~/.local/share/codex-manager``). ``client_label`` is sent as
    ``X-Codex-Manager-Client``: it is who decided a request (``decidedBy``) and who enqueued a job (``createdBy``).
    """

    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        data_dir: str | os.PathLike[str] | None = None,
        client_label: str = "sdk",
        *,
        timeout: float = 60.0,
    ):
        self.url = resolve_url(url)
        self._transport = Transport(self.url, resolve_token(token, data_dir), client_label, timeout=timeout)
        self.projects = Projects(self._transport)
        self.sessions = Sessions(self._transport)
        self.turns = Turns(self._transport)
        self.requests = Requests(self._transport)
        self.controls = ControlsApi(self._transport)
        self.settings = Settings(self._transport)
        self.jobs = Jobs(self._transport)
        self.plugins = Plugins(self._transport)

    @property
    def client_label(self) -> str:
        return self._transport.client_label

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- health ---------------------------------------------------------------------------------------------

    def health(self) -> Health:
        return Health.from_json(self._transport.call("health"))

    def ready(self) -> Ready:
        """Readiness; answers (does not raise) when the host says 503 not ready."""
        return Ready.from_json(self._transport.call("ready", ok_statuses=(503,)))

    def wait_ready(self, timeout: float = 60.0, interval: float = 0.1) -> Ready:
        """Poll ``/api/ready`` until it says ready (app-server handshake done); ``TimeoutError`` otherwise."""
        import time

        deadline = time.monotonic() + timeout
        while True:
            r = self.ready()
            if r.ready:
                return r
            if time.monotonic() > deadline:
                raise TimeoutError(f"the host was not ready within {timeout} s: {r.runtime}")
            time.sleep(interval)

    def capabilities(self) -> dict[str, Any]:
        return dict(self._transport.call("capabilities"))

    def login_link(self) -> str:
        """A one-time browser login link."""
        return str(self._transport.call("login_links.create")["url"])

    # -- events ---------------------------------------------------------------------------------------------

    def events(
        self,
        since: int | None = None,
        *,
        sessions: str | Iterable[str] | None = None,
        projects: str | Iterable[str] | None = None,
        types: str | Iterable[str] | None = None,
        exclude_types: str | Iterable[str] | None = None,
        snapshots: bool = True,
        reconnect: bool = True,
        reconnect_timeout: float = 60.0,
    ) -> EventStream:
        """Follow ``/api/stream``: events after ``since`` (``None``: from now; ``0``: from the oldest kept), then
        live, reconnecting by itself from the last ``seq`` seen. ``types`` / ``exclude_types`` are type prefixes."""
        return EventStream(
            self._transport,
            since,
            sessions=sessions,
            projects=projects,
            types=types,
            exclude_types=exclude_types,
            snapshots=snapshots,
            reconnect=reconnect,
            reconnect_timeout=reconnect_timeout,
        )

    def list_events(self, since: int | None = None, **filters: Any) -> EventPage:
        """One page of ``GET /api/events`` (``sessions``, ``projects``, ``types``, ``exclude_types``, ``limit``)."""
        return list_events(self._transport, since, **filters)

    def iter_events(self, since: int = 0, **filters: Any) -> Iterator[Event]:
        """Every logged event after ``since`` up to now, following ``nextSince`` page by page."""
        return iter_events(self._transport, since, **filters)

    def latest_seq(self) -> int:
        return latest_seq(self._transport)
