"""The event stream (``/api/stream`` websocket) with automatic reconnect, and REST paging of ``/api/events``.

Reconnect semantics: the stream remembers the ``seq`` of the last event it handed out (``position``). When the
connection drops (the host closed it, restarted, the network went away, or :meth:`EventStream.drop_connection`),
it reconnects with ``since=<position>`` and the host replays exactly what was missed, then goes on live. Events
with a ``seq`` at or below ``position`` are skipped, so nothing is handed out twice and, as long as the log still
holds them, nothing is missed. When the host can no longer replay (the log was pruned past ``position``, or it is
behind ``position``), a :class:`~codex_manager_sdk.types.Reset` item is handed out: re-read what you keep over REST.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from typing import TYPE_CHECKING, Iterable
from urllib.parse import urlencode

from websockets.exceptions import ConnectionClosed, InvalidStatus, InvalidHandshake
from websockets.sync.client import ClientConnection, connect

from .errors import ConnectionFailed, error_for
from ._http import USER_AGENT
from .routes import OPERATIONS
from .types import Event, PendingSnapshot, Reset, event_from_json

if TYPE_CHECKING:
    from ._sync_client import Transport

MAX_FRAME_BYTES = 64 * 1024 * 1024


def _csv(value: str | Iterable[str] | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value or None
    joined = ",".join(value)
    return joined or None


class StreamCursor:
    """What the sync and asyncio streams share, with no I/O: the filters, the position, the URL and headers to
    (re)connect with, what a refused handshake means, and which frames are handed out (each event once, in order;
    snapshots when asked for; a reset moves the position)."""

    def __init__(
        self,
        position: int | None,
        *,
        sessions: str | Iterable[str] | None,
        projects: str | Iterable[str] | None,
        types: str | Iterable[str] | None,
        exclude_types: str | Iterable[str] | None,
        snapshots: bool,
    ):
        self.position = position
        self.snapshots = snapshots
        self._filters = {"sessions": _csv(sessions), "projects": _csv(projects), "types": _csv(types),
                         "exclude": _csv(exclude_types)}

    def url(self, base_url: str) -> str:
        base = base_url.replace("http://", "ws://", 1).replace("https://", "wss://", 1)
        query = {"since": str(self.position), **{k: v for k, v in self._filters.items() if v}}
        return f"{base}{OPERATIONS['events.stream'].path}?{urlencode(query)}"

    @staticmethod
    def headers(token: str, client_label: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}", "X-Codex-Manager-Client": client_label}

    @staticmethod
    def refusal(e: InvalidStatus) -> Exception:
        """The API error a refused handshake (401, 403, 422 ...) carries in its body."""
        resp = e.response
        try:
            body = json.loads(resp.body or b"null")
        except ValueError:
            body = None
        return error_for(resp.status_code, body, (resp.body or b"").decode(errors="replace"))

    def accept(self, frame: str | bytes) -> Event | None:
        """The event to hand out for `frame`, or None to skip it (a snapshot nobody asked for, or an event already
        handed out before a reconnect)."""
        event = event_from_json(json.loads(frame))
        if isinstance(event, PendingSnapshot):
            return event if self.snapshots else None
        if isinstance(event, Reset):
            self.position = event.seq
            return event
        if self.position is not None and event.seq <= self.position:
            return None
        self.position = event.seq
        return event


def latest_seq(transport: "Transport") -> int:
    """The newest committed ``seq`` (a position to follow from)."""
    page = transport.call("events.list", query={"limit": 1, "types": "__none__"})
    return int(page["latestSeq"])


class EventStream:
    """Iterate events from ``/api/stream``; reconnects by itself, resuming from the last ``seq`` seen.

    Use as an iterator (blocks for the next event) or call :meth:`next` with a timeout. Close it (or use it as a
    context manager) when done. ``position`` is the ``seq`` of the last event handed out; ``reconnects`` counts
    reconnections.
    """

    def __init__(
        self,
        transport: "Transport",
        since: int | None = None,
        *,
        sessions: str | Iterable[str] | None = None,
        projects: str | Iterable[str] | None = None,
        types: str | Iterable[str] | None = None,
        exclude_types: str | Iterable[str] | None = None,
        snapshots: bool = True,
        reconnect: bool = True,
        reconnect_timeout: float = 60.0,
    ):
        self._transport = transport
        self.reconnect = reconnect
        self.reconnect_timeout = reconnect_timeout
        # Without `since`, "from now": the position is read once, so a reconnect still resumes from it.
        start = latest_seq(transport) if since is None else int(since)
        self._cursor = StreamCursor(start, sessions=sessions, projects=projects, types=types,
                                    exclude_types=exclude_types, snapshots=snapshots)
        self.reconnects = 0
        self._ws: ClientConnection | None = None
        self._closed = False
        self._lock = threading.Lock()
        self._connect()

    # -- connection -----------------------------------------------------------------------------------------

    @property
    def position(self) -> int:
        """The ``seq`` of the last event handed out."""
        return self._cursor.position or 0

    @property
    def snapshots(self) -> bool:
        return self._cursor.snapshots

    def _connect_once(self) -> None:
        try:
            ws = connect(
                self._cursor.url(self._transport.url),
                additional_headers=StreamCursor.headers(self._transport.token, self._transport.client_label),
                proxy=None,
                max_size=MAX_FRAME_BYTES,
                open_timeout=10,
                user_agent_header=USER_AGENT,
            )
        except InvalidStatus as e:
            raise StreamCursor.refusal(e) from None
        with self._lock:
            if self._closed:
                ws.close()
                return
            self._ws = ws

    def _connect(self) -> None:
        deadline = time.monotonic() + self.reconnect_timeout
        delay = 0.05
        while True:
            try:
                self._connect_once()
                return
            except (OSError, InvalidHandshake, TimeoutError) as e:
                if isinstance(e, InvalidStatus):
                    raise
                if not self.reconnect or time.monotonic() + delay > deadline:
                    raise ConnectionFailed(f"cannot open the event stream at {self._transport.url}: {e}") from e
                time.sleep(delay)
                delay = min(delay * 2, 2.0)

    def drop_connection(self) -> None:
        """Cut the current connection without a close handshake, as a network failure would. The iterator
        reconnects by itself from ``position`` (for tests and for callers that detect a stale link themselves)."""
        ws = self._ws
        if ws is None:
            return
        try:
            ws.socket.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def close(self) -> None:
        with self._lock:
            self._closed = True
            ws, self._ws = self._ws, None
        if ws is not None:
            try:
                ws.close()
            except Exception:  # noqa: BLE001 - closing a dead socket
                pass

    def __enter__(self) -> "EventStream":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- iteration ------------------------------------------------------------------------------------------

    def __iter__(self) -> "EventStream":
        return self

    def __next__(self) -> Event:
        return self.next()

    def next(self, timeout: float | None = None) -> Event:
        """The next event; raises ``TimeoutError`` when none came within ``timeout`` seconds, ``StopIteration``
        once closed (or when the connection dropped and ``reconnect`` is off)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            if self._closed:
                raise StopIteration
            ws = self._ws
            if ws is None:
                if not self.reconnect:
                    raise StopIteration
                self.reconnects += 1
                self._connect()
                continue
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                frame = ws.recv(timeout=remaining)
            except TimeoutError:
                raise TimeoutError("no event within the timeout") from None
            except (ConnectionClosed, OSError):
                with self._lock:
                    if self._ws is ws:
                        self._ws = None
                try:
                    ws.close()
                except Exception:  # noqa: BLE001
                    pass
                continue
            event = self._cursor.accept(frame)
            if event is not None:
                return event
