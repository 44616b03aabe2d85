"""A small asyncio variant: the raw route call, the most used typed calls, and the reconnecting event stream.

The sync :class:`~codex_manager.Client` has every resource; use ``AsyncClient.call(route_name, ...)`` for a route
this module has no helper for (the names are those of :data:`codex_manager.routes.ROUTES`).
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from typing import Any, AsyncIterator, Iterable, Mapping
from urllib.parse import urlencode

import httpx
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from ._http import USER_AGENT, _clean_query, decode
from .config import resolve_token, resolve_url
from .errors import ConnectionFailed, error_for
from .events import MAX_FRAME_BYTES, _csv
from .routes import ROUTES
from .resources import RECORD_WAIT_CHUNK, _wait_param
from .types import Event, Job, PendingRequest, PendingSnapshot, Reset, Session, TurnAccepted, TurnRecord, TurnResult, event_from_json


class AsyncClient:
    def __init__(self, url: str | None = None, token: str | None = None, data_dir: str | os.PathLike[str] | None = None,
                 client_label: str = "sdk", *, timeout: float = 60.0):
        self.url = resolve_url(url)
        self.token = resolve_token(token, data_dir)
        self.client_label = client_label
        self._headers = {"Authorization": f"Bearer {self.token}", "X-Codex-Manager-Client": client_label, "User-Agent": USER_AGENT}
        self._http = httpx.AsyncClient(base_url=self.url, headers=self._headers, timeout=timeout, trust_env=False)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> "AsyncClient":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def call(self, name: str, *, path: Mapping[str, str] | None = None, query: Mapping[str, Any] | None = None,
                   body: Any = None, has_body: bool = False, headers: Mapping[str, str] | None = None,
                   ok_statuses: tuple[int, ...] = ()) -> Any:
        r = ROUTES[name]
        req_headers = dict(headers or {})
        content = None
        if body is not None or has_body:
            content = json.dumps(body).encode()
            req_headers["Content-Type"] = "application/json"
        try:
            resp = await self._http.request(r.method, r.url_path(**(path or {})), params=_clean_query(query), content=content, headers=req_headers)
        except httpx.TransportError as e:
            raise ConnectionFailed(f"cannot reach the host at {self.url}: {e}") from e
        return decode(resp, ok_statuses)

    async def latest_seq(self) -> int:
        return int((await self.call("events.list", query={"limit": 1, "types": "__none__"}))["latestSeq"])

    async def create_session(self, cwd: str | os.PathLike[str], **fields: Any) -> Session:
        return Session.from_json(await self.call("sessions.create", body={"cwd": os.fspath(cwd), **fields}))

    async def send(self, session_id: str, text: str, *, mode: str | None = None, idempotency_key: str | None = None) -> TurnAccepted:
        body: dict[str, Any] = {"text": text, **({"mode": mode} if mode else {})}
        key = idempotency_key or f"sdk-{uuid.uuid4()}"
        return TurnAccepted.from_json(await self.call("turns.send", path={"id": session_id}, body=body, headers={"Idempotency-Key": key}))

    async def respond(self, session_id: str, request_id: str, answer: dict[str, Any]) -> PendingRequest:
        return PendingRequest.from_json(await self.call("requests.respond", path={"id": session_id, "requestId": request_id}, body=answer))

    async def enqueue_job(self, kind: str, payload: Any = None, **fields: Any) -> Job:
        body = {"kind": kind, **({"payload": payload} if payload is not None else {}), **fields}
        return Job.from_json(await self.call("jobs.enqueue", body=body))

    async def get_job(self, job_id: str) -> Job:
        return Job.from_json(await self.call("jobs.get", path={"id": job_id}))

    async def events(self, since: int | None = None, *, sessions: str | Iterable[str] | None = None,
                     projects: str | Iterable[str] | None = None, types: str | Iterable[str] | None = None,
                     exclude_types: str | Iterable[str] | None = None, reconnect_timeout: float = 60.0) -> AsyncIterator[Event]:
        """Async iterator over ``/api/stream`` with the sync stream's semantics: reconnects from the last ``seq``
        seen, yields :class:`Reset` and :class:`PendingSnapshot` items."""
        position = await self.latest_seq() if since is None else int(since)
        filters = {k: v for k, v in {"sessions": _csv(sessions), "projects": _csv(projects), "types": _csv(types), "exclude": _csv(exclude_types)}.items() if v}
        base = self.url.replace("http://", "ws://", 1).replace("https://", "wss://", 1)
        headers = {k: v for k, v in self._headers.items() if k != "User-Agent"}
        while True:
            url = f"{base}{ROUTES['events.stream'].path}?{urlencode({'since': str(position), **filters})}"
            loop = asyncio.get_running_loop()
            deadline, delay = loop.time() + reconnect_timeout, 0.05
            while True:
                try:
                    ws = await connect(url, additional_headers=headers, proxy=None, max_size=MAX_FRAME_BYTES)
                    break
                except InvalidStatus as e:
                    raise error_for(e.response.status_code, None, (e.response.body or b"").decode(errors="replace")) from None
                except (OSError, InvalidHandshake, TimeoutError) as e:
                    if loop.time() + delay > deadline:
                        raise ConnectionFailed(f"cannot open the event stream at {self.url}: {e}") from e
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 2.0)
            try:
                async for frame in ws:
                    event = event_from_json(json.loads(frame))
                    if isinstance(event, PendingSnapshot):
                        yield event
                        continue
                    if isinstance(event, Reset):
                        position = event.seq
                        yield event
                        continue
                    if event.seq <= position:
                        continue
                    position = event.seq
                    yield event
            except (ConnectionClosed, OSError):
                pass
            finally:
                await ws.close()

    async def turn(self, session_id: str, turn_id: str, *, wait: float | None = None) -> TurnRecord:
        """The turn's record; with ``wait`` (seconds, at most 60) once it ended or the wait ran out."""
        query = {"wait": _wait_param(wait)} if wait else None
        return TurnRecord.from_json(await self.call("turns.get", path={"id": session_id, "turnId": turn_id}, query=query))

    async def wait_turn(self, session_id: str, turn_id: str) -> TurnRecord:
        """The turn's record once it ended: its read with ``wait``, asked again while the turn runs."""
        while True:
            record = await self.turn(session_id, turn_id, wait=RECORD_WAIT_CHUNK)
            if record.ended:
                return record

    async def send_and_wait(self, session_id: str, text: str, *, mode: str | None = None,
                            idempotency_key: str | None = None, timeout: float = 300.0) -> TurnResult:
        """Send a message and wait for the turn to end; the outcome (status, final text, error) is the turn's record,
        the stream only collects the requests the turn made."""
        since = await self.latest_seq()
        accepted = await self.send(session_id, text, mode=mode, idempotency_key=idempotency_key)
        start = 0 if accepted.replayed else since

        async def follow() -> TurnResult:
            requests: list[PendingRequest] = []
            turn: dict[str, Any] | None = None
            stream = self.events(start, sessions=[session_id], types=["turn.completed", "approval.requested", "tool_input.requested", "tool_call.requested"])
            async for ev in stream:
                if isinstance(ev, Reset):
                    break  # the events are gone; the record has the outcome
                if isinstance(ev, PendingSnapshot) or ev.turn_id != accepted.turn_id:
                    continue
                data = ev.data or {}
                if ev.type.endswith(".requested"):
                    requests.append(PendingRequest.from_json(data))
                elif ev.type == "turn.completed":
                    turn = data.get("turn") or None
                    break
            await stream.aclose()
            record = await self.wait_turn(session_id, accepted.turn_id)
            return TurnResult.from_record(record, replayed=accepted.replayed, requests=requests, turn=turn)

        return await asyncio.wait_for(follow(), timeout)
