"""The asyncio side of the I/O the shared client definition (``_async_client.py``) needs; ``_sync_io.py`` is its
twin with the same names. Sleeping, awaiting a callback's answer, background work and the event stream."""

from __future__ import annotations

import asyncio
import inspect
import time
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Iterable

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from ._http import USER_AGENT
from .errors import ConnectionFailed
from .events import MAX_FRAME_BYTES, StreamCursor
from .types import Event

if TYPE_CHECKING:
    from ._async_client import AsyncTransport

StopSignal = asyncio.Event
monotonic = time.monotonic


async def sleep(seconds: float) -> None:
    await asyncio.sleep(seconds)


async def maybe_await(value: Any) -> Any:
    """A callback's answer: awaited when the callback was a coroutine function."""
    if inspect.isawaitable(value):
        return await value
    return value


def spawn(fn: Callable[..., Awaitable[Any]], *args: Any) -> "asyncio.Task[Any]":
    return asyncio.get_running_loop().create_task(fn(*args))


async def join(handle: "asyncio.Task[Any]", timeout: float | None = None) -> None:
    await asyncio.wait_for(handle, timeout)


async def latest_seq(transport: "AsyncTransport") -> int:
    page = await transport.call("events.list", query={"limit": 1, "types": "__none__"})
    return int(page["latestSeq"])


class AsyncEventStream:
    """Iterate events from ``/api/stream``; reconnects by itself, resuming from the last ``seq`` seen.

    The asyncio twin of :class:`codex_manager_sdk.events.EventStream` (same semantics): ``async for ev in stream`` or
    ``await stream.next(timeout=...)``; ``async with`` or ``await stream.aclose()`` when done. It connects on first
    use.
    """

    def __init__(
        self,
        transport: "AsyncTransport",
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
        # Without `since`, "from now": read at the first use (no await in a constructor).
        self._cursor = StreamCursor(None if since is None else int(since), sessions=sessions, projects=projects,
                                    types=types, exclude_types=exclude_types, snapshots=snapshots)
        self.reconnects = 0
        self._ws: ClientConnection | None = None
        self._started = False
        self._closed = False

    async def _start(self) -> None:
        if self._started:
            return
        self._started = True
        if self._cursor.position is None:
            self._cursor.position = await latest_seq(self._transport)
        await self._connect()

    @property
    def position(self) -> int | None:
        """The ``seq`` of the last event handed out (None before the first use when no ``since`` was given)."""
        return self._cursor.position

    @property
    def snapshots(self) -> bool:
        return self._cursor.snapshots

    async def _connect(self) -> None:
        headers = StreamCursor.headers(self._transport.token, self._transport.client_label)
        deadline = time.monotonic() + self.reconnect_timeout
        delay = 0.05
        while True:
            try:
                ws = await connect(self._cursor.url(self._transport.url), additional_headers=headers, proxy=None,
                                   max_size=MAX_FRAME_BYTES, open_timeout=10, user_agent_header=USER_AGENT)
            except InvalidStatus as e:
                raise StreamCursor.refusal(e) from None
            except (OSError, InvalidHandshake, TimeoutError) as e:
                if not self.reconnect or time.monotonic() + delay > deadline:
                    raise ConnectionFailed(f"cannot open the event stream at {self._transport.url}: {e}") from e
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)
                continue
            if self._closed:
                await ws.close()
                return
            self._ws = ws
            return

    def drop_connection(self) -> None:
        """Cut the current connection without a close handshake, as a network failure would; the stream
        reconnects by itself from ``position``."""
        if self._ws is not None:
            self._ws.transport.abort()

    async def aclose(self) -> None:
        self._closed = True
        ws, self._ws = self._ws, None
        if ws is not None:
            try:
                await ws.close()
            except Exception:  # noqa: BLE001 - closing a dead socket
                pass

    async def __aenter__(self) -> "AsyncEventStream":
        await self._start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def __aiter__(self) -> "AsyncEventStream":
        return self

    async def __anext__(self) -> Event:
        return await self.next()

    async def next(self, timeout: float | None = None) -> Event:
        """The next event; raises ``TimeoutError`` when none came within ``timeout`` seconds,
        ``StopAsyncIteration`` once closed (or when the connection dropped and ``reconnect`` is off)."""
        await self._start()
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            if self._closed:
                raise StopAsyncIteration
            ws = self._ws
            if ws is None:
                if not self.reconnect:
                    raise StopAsyncIteration
                self.reconnects += 1
                await self._connect()
                continue
            try:
                if deadline is None:
                    frame = await ws.recv()
                else:
                    frame = await asyncio.wait_for(ws.recv(), max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                raise TimeoutError("no event within the timeout") from None
            except (ConnectionClosed, OSError):
                if self._ws is ws:
                    self._ws = None
                try:
                    await ws.close()
                except Exception:  # noqa: BLE001
                    pass
                continue
            event = self._cursor.accept(frame)
            if event is not None:
                return event
