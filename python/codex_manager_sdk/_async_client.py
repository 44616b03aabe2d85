"""The one definition of every client method: the asyncio client as written, and, rewritten from this file by
``python3 scripts/gen_clients`` (``async``/``await`` dropped, ``AsyncX`` -> ``X``), the sync client in
``_sync_client.py``. Edit this file, never the sync one; ``--check`` fails while the two differ.

Each method that performs an operation names its operationId with ``@operation``: the parity test
(``tests/test_parity.py``) holds both clients to every operation of docs/openapi.json, and every id named here to
the document. Keep strings free of the words this rewrite maps (it leaves strings and comments alone).
"""

from __future__ import annotations

import base64
import json
import os
import uuid
from pathlib import Path
from typing import Any, AsyncIterator, Callable, Iterable, Mapping

import httpx

from ._async_io import AsyncEventStream, StopSignal, join, latest_seq, maybe_await, monotonic, sleep, spawn
from ._http import USER_AGENT, RetryPolicy, clean_query, decode, should_retry
from .config import resolve_token, resolve_url
from .errors import AlreadyResolved, ConnectionFailed, Gone
from .routes import route
from .tools import ToolRegistry, answer_for_error, answer_for_result
from .webhooks import sign_webhook
from .types import (
    Budgets,
    Controls,
    Event,
    EventPage,
    Followup,
    FollowupList,
    FollowupQueue,
    FollowupQueued,
    Routine,
    RoutineCreated,
    RoutineList,
    RoutineRun,
    RoutineRunList,
    RoutineSecret,
    SchedulePreview,
    Health,
    HostList,
    Inspection,
    Interrupted,
    Job,
    JobKind,
    JobPage,
    LimitsStatus,
    LoginLink,
    PendingRequest,
    PendingSnapshot,
    PluginCall,
    PluginSettings,
    PluginInfo,
    Project,
    QueueStats,
    Ready,
    Reset,
    Session,
    SessionControls,
    SessionDetail,
    SessionNote,
    SessionPage,
    Setting,
    Transcript,
    TurnAccepted,
    TurnRecord,
    TurnResult,
    UsageReport,
)
from .types import CapabilityReport

_UNSET: Any = object()

#: Longest ``wait`` one read of a turn asks for: under the client's HTTP timeout (60 s by default); the host caps it
#: at 60 s too. A longer wait asks again.
RECORD_WAIT_CHUNK = 30.0

#: Request types a turn's follower hands to ``on_request``.
_REQUEST_EVENTS = ["approval.requested", "tool_input.requested", "tool_call.requested"]


def operation(*ids: str) -> Callable[[Any], Any]:
    """Mark a method as the SDK's way to perform these operations (the parity test reads the mark)."""

    def mark(fn: Any) -> Any:
        fn.__operations__ = ids
        return fn

    return mark


def _wait_param(seconds: float) -> str:
    return f"{max(0, int(seconds * 1000))}ms"


def _body(**fields: Any) -> dict[str, Any]:
    """A request body with the ``_UNSET`` fields left out (``None`` is sent as JSON null)."""
    return {k: v for k, v in fields.items() if v is not _UNSET}


def _present(**fields: Any) -> dict[str, Any]:
    """A request body with the ``None`` fields left out."""
    return {k: v for k, v in fields.items() if v is not None}


def read_package(path: str | os.PathLike[str]) -> tuple[str, bytes]:
    """A plugin package: a directory with ``plugin.toml`` and ``plugin.wasm``, or a ``.wasm`` with
    ``plugin.toml`` beside it. Answers (manifest text, component bytes)."""
    p = Path(path)
    if p.is_dir():
        manifest, wasm = p / "plugin.toml", p / "plugin.wasm"
    else:
        manifest, wasm = p.parent / "plugin.toml", p
    if not manifest.is_file():
        raise FileNotFoundError(f"no plugin.toml at {manifest}")
    if not wasm.is_file():
        raise FileNotFoundError(f"no component at {wasm}")
    return manifest.read_text(), wasm.read_bytes()


# -- transport -----------------------------------------------------------------------------------------------


class AsyncTransport:
    """HTTP to the host: one place that turns an operationId into a request, retries what is safe to retry, and
    turns an error answer into an :class:`~codex_manager_sdk.errors.ApiError`."""

    def __init__(self, url: str, token: str, client_label: str, timeout: float = 60.0,
                 retry: RetryPolicy | None = None):
        self.url = url
        self.token = token
        self.client_label = client_label
        self.retry = retry or RetryPolicy()
        self.headers = {
            "Authorization": f"Bearer {token}",
            "X-Codex-Manager-Client": client_label,
            "User-Agent": USER_AGENT,
        }
        # trust_env=False: the host is on loopback; machine proxies must not get in between.
        self.http = httpx.AsyncClient(base_url=url, headers=self.headers, timeout=timeout, trust_env=False)

    async def aclose(self) -> None:
        await self.http.aclose()

    async def call(
        self,
        op_id: str,
        *,
        path: Mapping[str, str] | None = None,
        query: Mapping[str, Any] | None = None,
        body: Any = None,
        has_body: bool = False,
        headers: Mapping[str, str] | None = None,
        ok_statuses: tuple[int, ...] = (),
    ) -> Any:
        """Perform one operation; answers the decoded JSON body (``None`` for 204)."""
        r = route(op_id)
        req_headers = dict(headers or {})
        idempotent = r.idempotent or "Idempotency-Key" in req_headers
        return await self.send(r.method, r.url_path(**(path or {})), query=query, body=body,
                               has_body=has_body or body is not None, headers=req_headers, idempotent=idempotent,
                               ok_statuses=ok_statuses)

    async def send(
        self,
        method: str,
        url_path: str,
        *,
        query: Mapping[str, Any] | None = None,
        body: Any = None,
        has_body: bool = False,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        ok_statuses: tuple[int, ...] = (),
    ) -> Any:
        req_headers = dict(headers or {})
        content = None
        if has_body:
            content = json.dumps(body).encode()
            req_headers["Content-Type"] = "application/json"
        if idempotent is None:
            idempotent = method.upper() in ("GET", "PUT", "DELETE") or "Idempotency-Key" in req_headers
        attempt = 0
        while True:
            try:
                resp = await self.http.request(method.upper(), url_path, params=clean_query(query), content=content,
                                               headers=req_headers)
            except httpx.TransportError as e:
                if should_retry(self.retry, attempt, idempotent, None, ok_statuses, isinstance(e, httpx.ConnectError)):
                    await sleep(self.retry.delay(attempt))
                    attempt += 1
                    continue
                raise ConnectionFailed(
                    f"cannot reach the host at {self.url} (is `codex-manager serve` running?): {e}"
                ) from e
            if should_retry(self.retry, attempt, idempotent, resp.status_code, ok_statuses):
                await sleep(self.retry.delay(attempt, resp.headers.get("Retry-After")))
                attempt += 1
                continue
            return decode(resp, ok_statuses)


class _Resource:
    def __init__(self, transport: AsyncTransport):
        self._t = transport


# -- projects ------------------------------------------------------------------------------------------------


class AsyncProjects(_Resource):
    @operation("projects.list")
    async def list(self) -> list[Project]:
        return [Project.from_json(p) for p in await self._t.call("projects.list")]

    @operation("projects.create")
    async def create(self, name: str, cwd: str | os.PathLike[str]) -> Project:
        return Project.from_json(await self._t.call("projects.create", body={"name": name, "cwd": os.fspath(cwd)}))

    @operation("projects.get")
    async def get(self, project_id: str) -> Project:
        return Project.from_json(await self._t.call("projects.get", path={"id": project_id}))

    @operation("projects.update")
    async def update(self, project_id: str, *, name: str = _UNSET, cwd: str | os.PathLike[str] = _UNSET) -> Project:
        """Rename (``name``) or re-point (``cwd``) a project."""
        body = _body(name=name, cwd=os.fspath(cwd) if cwd is not _UNSET else _UNSET)
        return Project.from_json(await self._t.call("projects.update", path={"id": project_id}, body=body))

    @operation("projects.delete")
    async def delete(self, project_id: str) -> None:
        await self._t.call("projects.delete", path={"id": project_id})

    @operation("projects.move_sessions")
    async def move_sessions(self, project_id: str, to_project_id: str | None) -> list[str]:
        """Move every session of the project to another (``None``: out of any project); answers their ids."""
        body = {"toProjectId": to_project_id}
        answer = await self._t.call("projects.move_sessions", path={"id": project_id}, body=body)
        return list(answer["sessionIds"])

    @operation("projects.delete_sessions")
    async def delete_sessions(self, project_id: str) -> list[str]:
        return list((await self._t.call("projects.delete_sessions", path={"id": project_id}))["sessionIds"])


# -- sessions ------------------------------------------------------------------------------------------------


class AsyncSessions(_Resource):
    @operation("sessions.list")
    async def list(
        self,
        *,
        project_id: str | None = None,
        archived: bool | None = None,
        q: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
        workers: bool | None = None,
    ) -> SessionPage:
        """One page, most recently active first; pass ``page.next_cursor`` as ``cursor`` for the next."""
        query = {"projectId": project_id, "archived": archived, "q": q, "limit": limit, "cursor": cursor,
                 "workers": workers}
        return SessionPage.from_json(await self._t.call("sessions.list", query=query))

    async def iter(self, **filters: Any) -> AsyncIterator[Session]:
        """Every session matching the filters, following ``nextCursor``."""
        cursor = None
        while True:
            page = await self.list(cursor=cursor, **filters)
            for s in page.sessions:
                yield s
            if not page.next_cursor:
                return
            cursor = page.next_cursor

    @operation("sessions.create")
    async def create(
        self,
        cwd: str | os.PathLike[str] | None = None,
        *,
        project_id: str | None = None,
        title: str | None = None,
        controls: SessionControls | dict[str, Any] | None = None,
        dynamic_tools: ToolRegistry | list[dict[str, Any]] | None = None,
        tool_call_timeout_ms: int | None = None,
    ) -> Session:
        """A new session (a new Codex thread). ``dynamic_tools``: ``[{name, description, inputSchema}]`` or a
        :class:`~codex_manager_sdk.tools.ToolRegistry` whose functions will serve them (see ``tools.serve``)."""
        if isinstance(dynamic_tools, ToolRegistry):
            dynamic_tools = dynamic_tools.specs()
        if isinstance(controls, SessionControls):
            controls = controls.to_json()
        body = _present(cwd=os.fspath(cwd) if cwd is not None else None, projectId=project_id, title=title,
                        controls=controls, dynamicTools=dynamic_tools, toolCallTimeoutMs=tool_call_timeout_ms)
        return Session.from_json(await self._t.call("sessions.create", body=body))

    @operation("sessions.get")
    async def get(self, session_id: str, *, limit: int | None = None, cursor: str | None = None,
                  order: str | None = None) -> SessionDetail:
        """The session plus its first transcript page (and the running turn's record)."""
        query = {"limit": limit, "cursor": cursor, "order": order}
        return SessionDetail.from_json(await self._t.call("sessions.get", path={"id": session_id}, query=query))

    @operation("sessions.transcript")
    async def transcript(self, session_id: str, *, limit: int | None = None, cursor: str | None = None,
                         order: str | None = None) -> Transcript:
        """A page of turns (``order`` ``asc``, the default, or ``desc``)."""
        query = {"limit": limit, "cursor": cursor, "order": order}
        return Transcript.from_json(await self._t.call("sessions.transcript", path={"id": session_id}, query=query))

    async def iter_transcript(self, session_id: str, *, order: str | None = None,
                              limit: int | None = None) -> AsyncIterator[dict[str, Any]]:
        cursor = None
        while True:
            page = await self.transcript(session_id, limit=limit, cursor=cursor, order=order)
            for turn in page.turns:
                yield turn
            if not page.next_cursor:
                return
            cursor = page.next_cursor

    @operation("sessions.update")
    async def update(self, session_id: str, *, title: str | None = _UNSET, project_id: str | None = _UNSET,
                     archived: bool = _UNSET) -> Session:
        """Rename (``title``; ``""`` clears), move (``project_id``; ``""`` or ``None`` for no project), archive."""
        if project_id is None:
            project_id = ""
        body = _body(title=title, projectId=project_id, archived=archived)
        return Session.from_json(await self._t.call("sessions.update", path={"id": session_id}, body=body))

    async def rename(self, session_id: str, title: str) -> Session:
        return await self.update(session_id, title=title)

    @operation("sessions.archive")
    async def archive(self, session_id: str) -> Session:
        return Session.from_json(await self._t.call("sessions.archive", path={"id": session_id}))

    @operation("sessions.unarchive")
    async def unarchive(self, session_id: str) -> Session:
        return Session.from_json(await self._t.call("sessions.unarchive", path={"id": session_id}))

    @operation("sessions.fork")
    async def fork(self, session_id: str) -> Session:
        """A new session with a copy of this one's history (title ``"<title> (fork)"``)."""
        return Session.from_json(await self._t.call("sessions.fork", path={"id": session_id}))

    @operation("sessions.resume")
    async def resume(self, session_id: str) -> Session:
        return Session.from_json(await self._t.call("sessions.resume", path={"id": session_id}))

    @operation("sessions.delete")
    async def delete(self, session_id: str) -> None:
        await self._t.call("sessions.delete", path={"id": session_id})

    @operation("notes.list")
    async def notes(self, session_id: str, *, kind: str | None = None, limit: int | None = None) -> list[SessionNote]:
        """Notes plugins wrote about the session (``turn-review``, ``next-request``, ...), newest first."""
        answer = await self._t.call("notes.list", path={"id": session_id}, query={"kind": kind, "limit": limit})
        return [SessionNote.from_json(n) for n in answer["notes"]]

    # Thread operations: app-server acts on the session's thread.

    @operation("thread.compact")
    async def compact(self, session_id: str) -> dict[str, Any]:
        """Compact the thread's history (a summary replaces it, to free context)."""
        return dict(await self._t.call("thread.compact", path={"id": session_id}, body={}) or {})

    @operation("thread.review")
    async def review(self, session_id: str, target: dict[str, Any] | str = "uncommittedChanges", *,
                     delivery: str | None = None, **target_fields: Any) -> dict[str, Any]:
        """Start a code review. ``target``: ``"uncommittedChanges"``, ``"baseBranch"`` (with ``branch=``),
        ``"commit"`` (with ``sha=``), ``"custom"`` (with ``instructions=``), or the ``ReviewTarget`` dict;
        ``delivery``: ``inline`` (in this session, the default) or ``detached``."""
        if isinstance(target, str):
            target = {"type": target, **target_fields}
        body = _present(target=target, delivery=delivery)
        return dict(await self._t.call("thread.review", path={"id": session_id}, body=body) or {})

    @operation("thread.revert")
    async def revert(self, session_id: str, before_turn_id: str) -> dict[str, Any]:
        """Cut the history back to before this turn (files are not reverted)."""
        body = {"beforeTurnId": before_turn_id}
        return dict(await self._t.call("thread.revert", path={"id": session_id}, body=body) or {})

    @operation("thread.shell")
    async def shell(self, session_id: str, command: str, *, timeout_ms: int | None = None) -> dict[str, Any]:
        """Run a command unsandboxed in the thread, as the user typing ``!command``; its output comes as items."""
        body = _present(command=command, timeoutMs=timeout_ms)
        return dict(await self._t.call("thread.shell", path={"id": session_id}, body=body) or {})

    @operation("thread.clean_background_terminals")
    async def clean_background_terminals(self, session_id: str) -> dict[str, Any]:
        answer = await self._t.call("thread.clean_background_terminals", path={"id": session_id}, body={})
        return dict(answer or {})


# -- turns ---------------------------------------------------------------------------------------------------


class AsyncTurns(_Resource):
    @operation("turns.send")
    async def send(self, session_id: str, text: str, *, mode: str | None = None,
                   idempotency_key: str | None = None) -> TurnAccepted:
        """Start a turn. A fresh ``Idempotency-Key`` is generated per call unless given (so the call is retried
        safely on a 503 or a lost connection); pass the same key to retry by hand (the answer then has
        ``replayed=True`` and names the same turn)."""
        key = idempotency_key or f"sdk-{uuid.uuid4()}"
        body = _present(text=text, mode=mode)
        answer = await self._t.call("turns.send", path={"id": session_id}, body=body, headers={"Idempotency-Key": key})
        return TurnAccepted.from_json(answer)

    @operation("turns.send")
    async def send_or_queue(self, session_id: str, text: str, *, mode: str | None = None,
                            idempotency_key: str | None = None) -> TurnAccepted | FollowupQueued:
        """Send a message, queueing it while the session is busy (``ifBusy: "queue"``): a :class:`TurnAccepted`
        when the turn started now, a :class:`FollowupQueued` (``.followup``) when it waits in the session's
        follow-up queue (see ``client.followups``). Retried safely like :meth:`send`."""
        key = idempotency_key or f"sdk-{uuid.uuid4()}"
        body = _present(text=text, mode=mode, ifBusy="queue")
        answer = await self._t.call("turns.send", path={"id": session_id}, body=body, headers={"Idempotency-Key": key})
        if "followup" in answer:
            return FollowupQueued.from_json(answer)
        return TurnAccepted.from_json(answer)

    @operation("turns.steer")
    async def steer(self, session_id: str, text: str) -> TurnAccepted:
        return TurnAccepted.from_json(await self._t.call("turns.steer", path={"id": session_id}, body={"text": text}))

    @operation("turns.interrupt")
    async def interrupt(self, session_id: str) -> Interrupted:
        return Interrupted.from_json(await self._t.call("turns.interrupt", path={"id": session_id}))

    @operation("turns.get_turn")
    async def get(self, session_id: str, turn_id: str, *, wait: float | None = None) -> TurnRecord:
        """The turn's record. With ``wait`` (seconds, at most 60), the host answers once the turn ended or the wait
        ran out (the record is then still ``inProgress``)."""
        query = {"wait": _wait_param(wait)} if wait else None
        path = {"id": session_id, "turnId": turn_id}
        return TurnRecord.from_json(await self._t.call("turns.get_turn", path=path, query=query))

    @operation("turns.list_turns")
    async def list(self, session_id: str, *, limit: int | None = None,
                   cursor: str | None = None) -> tuple[list[TurnRecord], str | None]:
        """The session's turn records, newest first, and the cursor of the next page."""
        query = {"limit": limit, "cursor": cursor}
        answer = await self._t.call("turns.list_turns", path={"id": session_id}, query=query)
        return [TurnRecord.from_json(t) for t in answer["turns"]], answer.get("nextCursor")

    async def wait_record(self, session_id: str, turn_id: str, *, timeout: float | None = 300.0) -> TurnRecord:
        """The turn's record once it ended: its read with ``wait``, asked again while the turn runs. Raises
        ``TimeoutError`` after ``timeout`` seconds (the turn keeps running)."""
        deadline = None if timeout is None else monotonic() + timeout
        while True:
            remaining = RECORD_WAIT_CHUNK if deadline is None else min(RECORD_WAIT_CHUNK, deadline - monotonic())
            record = await self.get(session_id, turn_id, wait=max(remaining, 0.0))
            if record.ended:
                return record
            if deadline is not None and monotonic() >= deadline:
                raise TimeoutError(f"turn {turn_id} did not end within {timeout} s")

    async def send_and_wait(
        self,
        session_id: str,
        text: str,
        *,
        mode: str | None = None,
        idempotency_key: str | None = None,
        timeout: float | None = 300.0,
        on_delta: Callable[[str], Any] | None = None,
        on_request: Callable[[PendingRequest], Any] | None = None,
    ) -> TurnResult:
        """Send a message and wait for the turn to end; the outcome (status, final text, error) is the turn's record.

        ``on_delta`` gets each assistant text delta as it streams; ``on_request`` gets each request the turn makes
        (approval, tool input, tool call) so the caller can answer it (a coroutine function works on the asyncio
        client). Raises ``TimeoutError`` when the turn has not ended within ``timeout`` seconds (it keeps running).
        """
        since = await latest_seq(self._t)
        accepted = await self.send(session_id, text, mode=mode, idempotency_key=idempotency_key)
        # A replayed send names a turn that may have ended long ago: follow it from the start of the log's view.
        return await self.wait(session_id, accepted.turn_id, since=0 if accepted.replayed else since, timeout=timeout,
                               on_delta=on_delta, on_request=on_request, replayed=accepted.replayed)

    async def wait(
        self,
        session_id: str,
        turn_id: str,
        *,
        since: int = 0,
        timeout: float | None = 300.0,
        on_delta: Callable[[str], Any] | None = None,
        on_request: Callable[[PendingRequest], Any] | None = None,
        replayed: bool = False,
    ) -> TurnResult:
        """Wait for a turn already started to end; its outcome (status, final text, error) is the turn's record.

        Without callbacks this is only the record's wait. With them, the turn's events are followed (from
        ``since``) until its ``turn.completed``, only to hand its deltas and requests over as they come.
        """
        deadline = None if timeout is None else monotonic() + timeout
        requests: list[PendingRequest] = []
        turn: dict[str, Any] | None = None
        if on_delta is not None or on_request is not None:
            requests, turn = await self._follow(session_id, turn_id, since, deadline, timeout, on_delta, on_request)
        remaining = None if deadline is None else max(deadline - monotonic(), 0.0)
        record = await self.wait_record(session_id, turn_id, timeout=remaining)
        if on_request is None and record.status != "inProgress":
            requests = await self._requests_of(session_id, turn_id)
        return TurnResult.from_record(record, replayed=replayed, requests=requests, turn=turn)

    async def _requests_of(self, session_id: str, turn_id: str) -> list[PendingRequest]:
        """The requests a turn made, oldest first (the requests list is newest first)."""
        answer = await self._t.call("requests.list_session", path={"id": session_id}, query={"limit": 500})
        return [r for r in reversed([PendingRequest.from_json(a) for a in answer]) if r.turn_id == turn_id]

    async def _follow(
        self,
        session_id: str,
        turn_id: str,
        since: int,
        deadline: float | None,
        timeout: float | None,
        on_delta: Callable[[str], Any] | None,
        on_request: Callable[[PendingRequest], Any] | None,
    ) -> tuple[list[PendingRequest], dict[str, Any] | None]:
        """Hand the turn's deltas and requests to the callbacks until its ``turn.completed`` (or the log lost them)."""
        types = ["turn.completed", "item.delta", *_REQUEST_EVENTS]
        requests: list[PendingRequest] = []
        seen: set[str] = set()
        async with AsyncEventStream(self._t, since, sessions=[session_id], types=types) as stream:
            while True:
                remaining = None if deadline is None else deadline - monotonic()
                if remaining is not None and remaining <= 0:
                    raise TimeoutError(f"turn {turn_id} did not end within {timeout} s")
                event = await stream.next(timeout=remaining)
                if isinstance(event, Reset):
                    return requests, None  # the events are gone; the record has the outcome
                if isinstance(event, PendingSnapshot) or event.turn_id != turn_id:
                    continue
                data = event.data or {}
                if event.type == "item.delta":
                    if on_delta:
                        await maybe_await(on_delta(data.get("delta", "")))
                elif event.type.endswith(".requested"):
                    req = PendingRequest.from_json(data)
                    if req.id not in seen:
                        seen.add(req.id)
                        requests.append(req)
                        if on_request:
                            await maybe_await(on_request(req))
                elif event.type == "turn.completed":
                    return requests, data.get("turn") or None


# -- requests ------------------------------------------------------------------------------------------------


class AsyncFollowups(_Resource):
    """A session's follow-up queue: messages queued with ``turns.send_or_queue`` while a turn ran, started one by one
    (in order, once each) when the session is idle. An approval, a failed or interrupted turn pauses the queue until
    :meth:`resume`; the session's view carries the queue in brief (``Session.followups``)."""

    @operation("followups.list")
    async def list(self, session_id: str, *, history: int | None = None) -> FollowupList:
        """The queue (``.queue``: count, paused, reason) and the waiting follow-ups in the order they start; with
        ``history``, that many finished ones (started, failed, removed) before them."""
        query = {"history": history}
        return FollowupList.from_json(await self._t.call("followups.list", path={"id": session_id}, query=query))

    @operation("followups.edit")
    async def edit(self, session_id: str, followup_id: str, *, text: str | None = None,
                   mode: str | None = None) -> Followup:
        """Change a queued follow-up's text or mode; :class:`Conflict` (``followup_not_queued``) once it started."""
        path = {"id": session_id, "followupId": followup_id}
        return Followup.from_json(await self._t.call("followups.edit", path=path, body=_present(text=text, mode=mode)))

    @operation("followups.remove")
    async def remove(self, session_id: str, followup_id: str) -> Followup:
        path = {"id": session_id, "followupId": followup_id}
        return Followup.from_json(await self._t.call("followups.remove", path=path))

    @operation("followups.reorder")
    async def reorder(self, session_id: str, ids: Iterable[str]) -> FollowupList:
        """Set the order: every queued follow-up's id once, first to start first (else :class:`InvalidInput`
        ``followup_order_mismatch``, whose ``details["queued"]`` lists them as they are now)."""
        body = {"ids": list(ids)}
        return FollowupList.from_json(await self._t.call("followups.reorder", path={"id": session_id}, body=body))

    async def move(self, session_id: str, followup_id: str, to: int) -> FollowupList:
        """Move a queued follow-up to place ``to`` (0 starts next), reading the queue first; the host checks the
        order against the queue as it is then."""
        queued = [f.id for f in (await self.list(session_id)).followups if f.status == "queued"]
        if followup_id not in queued:
            raise ValueError(f"follow-up {followup_id} is not queued in session {session_id}")
        queued.remove(followup_id)
        queued.insert(max(0, min(to, len(queued))), followup_id)
        return await self.reorder(session_id, queued)

    @operation("followups.pause")
    async def pause(self, session_id: str) -> FollowupQueue:
        return FollowupQueue.from_json(await self._t.call("followups.pause", path={"id": session_id}))

    @operation("followups.resume")
    async def resume(self, session_id: str) -> FollowupQueue:
        """Resume a paused queue, whatever paused it; :class:`Conflict` (``followups_not_paused``) if it was not."""
        return FollowupQueue.from_json(await self._t.call("followups.resume", path={"id": session_id}))


class AsyncRoutines(_Resource):
    """Routines: a saved prompt (or a plugin job kind with a payload) run on a cron schedule (the host's time zone),
    by a signed webhook, or by hand; each run is a job on the queue, listed with its job, session, turn and status
    (read from the host's records). See docs/automation.md, "Routines"."""

    @operation("routines.list")
    async def list(self) -> list[Routine]:
        return RoutineList.from_json(await self._t.call("routines.list")).routines

    @operation("routines.get")
    async def get(self, routine_id: str) -> Routine:
        return Routine.from_json(await self._t.call("routines.get", path={"id": routine_id}))

    @operation("routines.create")
    async def create(self, name: str, *, prompt: str | None = None, job_kind: str | None = None,
                     payload: Any = None, session_id: str | None = None, project_id: str | None = None,
                     schedule: str | None = None, catch_up: str | None = None,
                     state: str | None = None) -> RoutineCreated:
        """Create a routine: exactly one of ``prompt``/``job_kind``, one of ``session_id``/``project_id``. The
        answer's ``webhook_secret`` is shown this once."""
        body = _present(name=name, prompt=prompt, jobKind=job_kind, payload=payload, sessionId=session_id,
                        projectId=project_id, schedule=schedule, catchUp=catch_up, state=state)
        return RoutineCreated.from_json(await self._t.call("routines.create", body=body))

    @operation("routines.update")
    async def update(self, routine_id: str, **changes: Any) -> Routine:
        """Change fields by their API names (``state="paused"``, ``schedule=None`` removes the schedule)."""
        return Routine.from_json(await self._t.call("routines.update", path={"id": routine_id}, body=dict(changes)))

    async def pause(self, routine_id: str) -> Routine:
        return await self.update(routine_id, state="paused")

    async def enable(self, routine_id: str) -> Routine:
        return await self.update(routine_id, state="enabled")

    @operation("routines.remove")
    async def remove(self, routine_id: str) -> None:
        await self._t.call("routines.remove", path={"id": routine_id})

    @operation("routines.run")
    async def run(self, routine_id: str) -> RoutineRun:
        """Run it now, whatever its state and schedule."""
        return RoutineRun.from_json(await self._t.call("routines.run", path={"id": routine_id}))

    @operation("routines.runs")
    async def runs(self, routine_id: str, *, limit: int | None = None) -> list[RoutineRun]:
        """Its latest runs, newest first."""
        answer = await self._t.call("routines.runs", path={"id": routine_id}, query={"limit": limit})
        return RoutineRunList.from_json(answer).runs

    @operation("routines.rotate_secret")
    async def rotate_secret(self, routine_id: str) -> str:
        """A new webhook secret (the old one stops working at once), shown this once."""
        return RoutineSecret.from_json(await self._t.call("routines.rotate_secret", path={"id": routine_id})).webhook_secret

    @operation("routines.preview")
    async def preview(self, schedule: str, *, count: int | None = None) -> SchedulePreview:
        """The next times a cron schedule names, in the host's time zone."""
        return SchedulePreview.from_json(await self._t.call("routines.preview", query={"schedule": schedule, "count": count}))

    @operation("routines.webhook")
    async def deliver(self, routine_id: str, secret: str, body: bytes, *, timestamp: int | None = None) -> RoutineRun:
        """Deliver a signed webhook, as an outside sender would (the signature, not the token, is its proof):
        :class:`Unauthorized` for a wrong signature or a stale timestamp, :class:`Conflict` for a replay."""
        headers = {**sign_webhook(secret, body, timestamp), "Content-Type": "application/json"}
        resp = await self._t.http.request("POST", route("routines.webhook").url_path(id=routine_id), content=body,
                                          headers=headers)
        return RoutineRun.from_json(decode(resp, ()))


class AsyncLimits(_Resource):
    """What holds automated turns back (Codex's usage limit, spent daily budgets), the budgets, and token usage. A
    held follow-up queue, job or routine goes on by itself when its limit lifts; a user's own message is never held
    (its :class:`TurnAccepted` carries a ``warning``)."""

    @operation("limits.status")
    async def status(self) -> LimitsStatus:
        """The usage limit and spent budgets now, each with ``resets_at`` (also ``health.ready().limits``)."""
        return LimitsStatus.from_json(await self._t.call("limits.status"))

    @operation("limits.get_budgets")
    async def budgets(self) -> Budgets:
        """Every daily token budget, with ``spent_today``."""
        return Budgets.from_json(await self._t.call("limits.get_budgets"))

    @operation("limits.set_budgets")
    async def set_budgets(self, *, host: int | None = None, projects: Mapping[str, int] | None = None) -> Budgets:
        """Replace every budget: ``host`` tokens per UTC day for every turn, ``projects`` per project id; neither
        removes them all."""
        budgets: list[dict[str, Any]] = [] if host is None else [{"dailyTokens": host}]
        budgets += [{"projectId": p, "dailyTokens": n} for p, n in (projects or {}).items()]
        return Budgets.from_json(await self._t.call("limits.set_budgets", body={"budgets": budgets}))

    @operation("limits.usage")
    async def usage(self, *, session_id: str | None = None, project_id: str | None = None, from_day: str | None = None,
                    to_day: str | None = None) -> UsageReport:
        """Tokens used per UTC day (``YYYY-MM-DD``, default today) and in all, by a session's, a project's or every
        turn."""
        query = {"sessionId": session_id, "projectId": project_id, "from": from_day, "to": to_day}
        return UsageReport.from_json(await self._t.call("limits.usage", query=query))


class AsyncRequests(_Resource):
    @operation("requests.list_all", "requests.list_session")
    async def list(self, *, session_id: str | None = None, status: str | None = "pending", kind: str | None = None,
                   limit: int | None = None) -> list[PendingRequest]:
        """Requests newest first; by default the pending ones across sessions. ``status=None`` lists all."""
        query = {"status": status, "kind": kind, "limit": limit}
        if session_id is not None:
            answer = await self._t.call("requests.list_session", path={"id": session_id}, query=query)
        else:
            answer = await self._t.call("requests.list_all", query=query)
        return [PendingRequest.from_json(r) for r in answer]

    async def pending(self, session_id: str | None = None) -> list[PendingRequest]:
        return await self.list(session_id=session_id, status="pending")

    @operation("requests.get")
    async def get(self, session_id: str, request_id: str) -> PendingRequest:
        path = {"id": session_id, "requestId": request_id}
        return PendingRequest.from_json(await self._t.call("requests.get", path=path))

    @operation("requests.respond")
    async def respond(self, session_id: str, request_id: str, answer: dict[str, Any]) -> PendingRequest:
        """Send any answer body. Raises :class:`AlreadyResolved` (409, ``.winner``) when another answer won, and
        :class:`Gone` (410) when the request expired."""
        path = {"id": session_id, "requestId": request_id}
        return PendingRequest.from_json(await self._t.call("requests.respond", path=path, body=answer))

    @staticmethod
    def _ids(request: PendingRequest | str, session_id: str | None) -> tuple[str, str]:
        if isinstance(request, PendingRequest):
            return request.session_id or session_id or "", request.id
        if session_id is None:
            raise ValueError("session_id is needed when the request is given by id")
        return session_id, request

    async def approve(self, request: PendingRequest | str, *, session_id: str | None = None, for_session: bool = False,
                      reason: str | None = None) -> PendingRequest:
        sid, rid = self._ids(request, session_id)
        decision = "acceptForSession" if for_session else "accept"
        return await self.respond(sid, rid, _present(decision=decision, reason=reason))

    async def decline(self, request: PendingRequest | str, *, session_id: str | None = None, cancel: bool = False,
                      reason: str | None = None) -> PendingRequest:
        """``decline`` refuses and lets the turn go on; ``cancel=True`` refuses and stops the turn."""
        sid, rid = self._ids(request, session_id)
        return await self.respond(sid, rid, _present(decision="cancel" if cancel else "decline", reason=reason))

    async def decide(self, request: PendingRequest | str, decision: Any, *, session_id: str | None = None,
                     reason: str | None = None) -> PendingRequest:
        """Any approval decision, e.g. an amendment object exactly as offered in ``params.availableDecisions``."""
        sid, rid = self._ids(request, session_id)
        return await self.respond(sid, rid, _present(decision=decision, reason=reason))

    async def answer(self, request: PendingRequest | str, answers: dict[str, str | list[str]], *,
                     session_id: str | None = None, reason: str | None = None) -> PendingRequest:
        """Tool input: one answer per question id (a string, or a list of option labels)."""
        sid, rid = self._ids(request, session_id)
        return await self.respond(sid, rid, _present(answers=answers, reason=reason))

    async def elicit(self, request: PendingRequest | str, action: str, content: dict[str, Any] | None = None, *,
                     session_id: str | None = None) -> PendingRequest:
        """An MCP elicitation: ``accept`` (with ``content``), ``decline`` or ``cancel``."""
        sid, rid = self._ids(request, session_id)
        return await self.respond(sid, rid, _present(action=action, content=content))

    async def reply(self, request: PendingRequest | str, text: str | None = None, *,
                    content_items: list[dict[str, Any]] | None = None, success: bool = True,
                    session_id: str | None = None) -> PendingRequest:
        """A dynamic tool call's output: ``text`` or ``content_items``; ``success=False`` reports a failure."""
        sid, rid = self._ids(request, session_id)
        body: dict[str, Any] = {"success": success}
        if content_items is not None:
            body["contentItems"] = content_items
        else:
            body["text"] = text or ""
        return await self.respond(sid, rid, body)


# -- controls, settings ----------------------------------------------------------------------------------------


class AsyncControlsApi(_Resource):
    @operation("controls.get_session")
    async def get(self, session_id: str) -> Controls:
        return Controls.from_json(await self._t.call("controls.get_session", path={"id": session_id}))

    @operation("controls.put_session")
    async def set(self, session_id: str, controls: SessionControls | dict[str, Any]) -> Controls:
        """Replace the session's own controls (``model``, ``reasoningEffort``, ``approvalPolicy``, ``sandbox``,
        ``networkAccess``)."""
        if isinstance(controls, SessionControls):
            controls = controls.to_json()
        return Controls.from_json(await self._t.call("controls.put_session", path={"id": session_id}, body=controls))

    @operation("controls.get_defaults")
    async def defaults(self) -> SessionControls:
        return SessionControls.from_json(await self._t.call("controls.get_defaults"))

    @operation("controls.put_defaults")
    async def set_defaults(self, controls: SessionControls | dict[str, Any]) -> SessionControls:
        if isinstance(controls, SessionControls):
            controls = controls.to_json()
        return SessionControls.from_json(await self._t.call("controls.put_defaults", body=controls))


class AsyncSettings(_Resource):
    @operation("settings.list")
    async def list(self, session_id: str) -> list[Setting]:
        return [Setting.from_json(s) for s in await self._t.call("settings.list", path={"id": session_id})]

    @operation("settings.get")
    async def get(self, session_id: str, key: str) -> Setting:
        return Setting.from_json(await self._t.call("settings.get", path={"id": session_id, "key": key}))

    @operation("settings.put")
    async def set(self, session_id: str, key: str, value: Any) -> Setting:
        path = {"id": session_id, "key": key}
        return Setting.from_json(await self._t.call("settings.put", path=path, body=value, has_body=True))

    @operation("settings.delete")
    async def delete(self, session_id: str, key: str) -> None:
        await self._t.call("settings.delete", path={"id": session_id, "key": key})


# -- jobs, plugins -------------------------------------------------------------------------------------------


class AsyncJobs(_Resource):
    @operation("jobs.enqueue")
    async def enqueue(self, kind: str, payload: Any = _UNSET, *, session_id: str | None = None,
                      project_id: str | None = None, dedupe_key: str | None = None, priority: int | None = None,
                      delay_ms: int | None = None) -> Job:
        """Enqueue a job (201), or get the live duplicate with the same kind and ``dedupe_key`` (200).
        Raises :class:`QueueFull` (429) at capacity (not retried: nothing was added)."""
        body = _body(kind=kind, payload=payload)
        body.update(_present(sessionId=session_id, projectId=project_id, dedupeKey=dedupe_key, priority=priority,
                             delayMs=delay_ms))
        return Job.from_json(await self._t.call("jobs.enqueue", body=body))

    @operation("jobs.list")
    async def list(self, *, state: str | None = None, kind: str | None = None, session_id: str | None = None,
                   project_id: str | None = None, limit: int | None = None, cursor: str | None = None) -> JobPage:
        query = {"state": state, "kind": kind, "sessionId": session_id, "projectId": project_id, "limit": limit,
                 "cursor": cursor}
        return JobPage.from_json(await self._t.call("jobs.list", query=query))

    @operation("jobs.get")
    async def get(self, job_id: str, *, wait: float | None = None) -> Job:
        """The job with its history. With ``wait`` (seconds, at most 60), the host answers once the job finished
        (``succeeded``, ``failed``, ``canceled``) or the wait ran out (the job as it is then)."""
        query = {"wait": _wait_param(wait)} if wait else None
        return Job.from_json(await self._t.call("jobs.get", path={"id": job_id}, query=query))

    @operation("jobs.cancel")
    async def cancel(self, job_id: str) -> Job:
        return Job.from_json(await self._t.call("jobs.cancel", path={"id": job_id}))

    @operation("jobs.retry")
    async def retry(self, job_id: str) -> Job:
        return Job.from_json(await self._t.call("jobs.retry", path={"id": job_id}))

    @operation("jobs.kinds")
    async def kinds(self) -> list[JobKind]:
        return [JobKind.from_json(k) for k in (await self._t.call("jobs.kinds"))["kinds"]]

    @operation("jobs.stats")
    async def stats(self) -> QueueStats:
        return QueueStats.from_json(await self._t.call("jobs.stats"))

    async def wait(self, job_id: str, *, timeout: float | None = 120.0) -> Job:
        """The job with its history once it is ``succeeded``, ``failed`` or ``canceled``: its read with ``wait``,
        asked again while it runs. Raises ``TimeoutError`` when it has not finished within ``timeout`` seconds."""
        deadline = None if timeout is None else monotonic() + timeout
        while True:
            remaining = RECORD_WAIT_CHUNK if deadline is None else min(RECORD_WAIT_CHUNK, deadline - monotonic())
            job = await self.get(job_id, wait=max(remaining, 0.0))
            if job.finished:
                return job
            if deadline is not None and monotonic() >= deadline:
                raise TimeoutError(f"job {job_id} did not finish within {timeout} s")


class AsyncPlugins(_Resource):
    @operation("plugins.list")
    async def list(self) -> list[PluginInfo]:
        return [PluginInfo.from_json(p) for p in await self._t.call("plugins.list")]

    @operation("plugins.get")
    async def info(self, plugin_id: str) -> PluginInfo:
        return PluginInfo.from_json(await self._t.call("plugins.get", path={"id": plugin_id}))

    get = info

    @staticmethod
    def _package_body(path: str | os.PathLike[str]) -> dict[str, Any]:
        manifest, wasm = read_package(path)
        return {"manifest": manifest, "component": base64.b64encode(wasm).decode()}

    @operation("plugins.inspect")
    async def inspect(self, path: str | os.PathLike[str]) -> Inspection:
        """Check a package without installing it: what it is and the capabilities it asks for."""
        return Inspection.from_json(await self._t.call("plugins.inspect", body=self._package_body(path)))

    @operation("plugins.install")
    async def install(self, path: str | os.PathLike[str], *, grant: Iterable[str] = (),
                      upgrade: bool = False) -> PluginInfo:
        """Install (or with ``upgrade=True`` replace) the package at ``path``, granting these capabilities
        (``log``, ``kv``, ``sessions-read``, ``jobs``, ...; the rest is denied)."""
        body = self._package_body(path)
        body["grant"] = [str(g) for g in grant]
        if upgrade:
            body["upgrade"] = True
        return PluginInfo.from_json(await self._t.call("plugins.install", body=body))

    @operation("plugins.enable")
    async def enable(self, plugin_id: str) -> PluginInfo:
        return PluginInfo.from_json(await self._t.call("plugins.enable", path={"id": plugin_id}))

    @operation("plugins.disable")
    async def disable(self, plugin_id: str) -> PluginInfo:
        return PluginInfo.from_json(await self._t.call("plugins.disable", path={"id": plugin_id}))

    @operation("plugins.remove")
    async def remove(self, plugin_id: str) -> None:
        await self._t.call("plugins.remove", path={"id": plugin_id})

    @operation("plugins.calls")
    async def calls(self, plugin_id: str, *, limit: int | None = None) -> list[PluginCall]:
        answer = await self._t.call("plugins.calls", path={"id": plugin_id}, query={"limit": limit})
        return [PluginCall.from_json(c) for c in answer]

    @operation("plugins.get_settings")
    async def settings(self, plugin_id: str) -> PluginSettings:
        """The plugin's settings: ``settings`` in force, the manifest's ``defaults``, what the ``user`` set."""
        return PluginSettings.from_json(await self._t.call("plugins.get_settings", path={"id": plugin_id}))

    @operation("plugins.put_settings")
    async def set_settings(self, plugin_id: str, changes: Mapping[str, Any]) -> PluginSettings:
        """Set each key to a JSON value of its default's type (``None`` goes back to the default); all or nothing."""
        answer = await self._t.call("plugins.put_settings", path={"id": plugin_id}, body=dict(changes))
        return PluginSettings.from_json(answer)


# -- the Codex surface: account, config, catalog ---------------------------------------------------------------


class AsyncAccount(_Resource):
    """The account app-server uses (answers are app-server's own shapes, as dicts)."""

    @operation("account.read")
    async def read(self) -> dict[str, Any]:
        return dict(await self._t.call("account.read"))

    @operation("account.login")
    async def login(self, type: str = "chatgpt", *, api_key: str | None = None) -> dict[str, Any]:
        """Start a login: ``apiKey`` (with ``api_key``), ``chatgpt`` (answers an ``authUrl`` to open) or
        ``chatgptDeviceCode``. Follow it with :meth:`login_state`."""
        return dict(await self._t.call("account.login", body=_present(type=type, apiKey=api_key)))

    @operation("account.login_state")
    async def login_state(self, login_id: str) -> dict[str, Any]:
        return dict(await self._t.call("account.login_state", path={"loginId": login_id}))

    @operation("account.cancel_login")
    async def cancel_login(self, login_id: str) -> dict[str, Any]:
        return dict(await self._t.call("account.cancel_login", path={"loginId": login_id}) or {})

    @operation("account.logout")
    async def logout(self) -> dict[str, Any]:
        return dict(await self._t.call("account.logout", body={}) or {})

    @operation("account.rate_limits")
    async def rate_limits(self) -> dict[str, Any]:
        return dict(await self._t.call("account.rate_limits"))

    @operation("account.usage")
    async def usage(self) -> dict[str, Any]:
        return dict(await self._t.call("account.usage"))


class AsyncConfig(_Resource):
    """Codex's configuration (``config.toml``) through app-server."""

    @operation("config.read")
    async def read(self) -> dict[str, Any]:
        return dict(await self._t.call("config.read"))

    @operation("config.requirements")
    async def requirements(self) -> dict[str, Any]:
        return dict(await self._t.call("config.requirements") or {})

    @operation("config.write_value")
    async def write(self, key_path: str, value: Any, *, merge_strategy: str | None = None) -> dict[str, Any]:
        """Set one key (``model``, ``model_providers.local.base_url``, ...) to any TOML value."""
        body = _present(keyPath=key_path, value=value, mergeStrategy=merge_strategy)
        return dict(await self._t.call("config.write_value", body=body) or {})

    @operation("config.write_batch")
    async def write_batch(self, edits: list[dict[str, Any]], *, reload_user_config: bool | None = None) -> dict[str, Any]:
        """Several edits at once: ``[{keyPath, value, mergeStrategy?}]``."""
        body = _present(edits=edits, reloadUserConfig=reload_user_config)
        return dict(await self._t.call("config.write_batch", body=body) or {})


class AsyncCatalog(_Resource):
    """What app-server offers: models, model providers, collaboration modes."""

    @operation("catalog.models")
    async def models(self, *, include_hidden: bool | None = None, model_provider: str | None = None,
                     limit: int | None = None, cursor: str | None = None) -> dict[str, Any]:
        query = {"includeHidden": include_hidden, "modelProvider": model_provider, "limit": limit, "cursor": cursor}
        return dict(await self._t.call("catalog.models", query=query))

    @operation("catalog.providers")
    async def providers(self) -> dict[str, Any]:
        return dict(await self._t.call("catalog.providers"))

    @operation("catalog.collaboration_modes")
    async def collaboration_modes(self) -> dict[str, Any]:
        return dict(await self._t.call("catalog.collaboration_modes"))


class AsyncMcp(_Resource):
    @operation("catalog.mcp_servers")
    async def servers(self) -> dict[str, Any]:
        """MCP servers with their status and tools."""
        return dict(await self._t.call("catalog.mcp_servers"))

    @operation("catalog.mcp_reload")
    async def reload(self) -> dict[str, Any]:
        return dict(await self._t.call("catalog.mcp_reload", body={}) or {})

    @operation("catalog.mcp_login")
    async def login(self, name: str, *, scopes: list[str] | None = None,
                    timeout_secs: int | None = None) -> dict[str, Any]:
        """Start a server's OAuth login; the answer carries the URL to open."""
        body = _present(scopes=scopes, timeoutSecs=timeout_secs)
        return dict(await self._t.call("catalog.mcp_login", path={"name": name}, body=body) or {})


class AsyncSkills(_Resource):
    @operation("catalog.skills")
    async def list(self) -> dict[str, Any]:
        return dict(await self._t.call("catalog.skills"))

    @operation("catalog.skill_enable")
    async def set_enabled(self, name: str, enabled: bool, *, path: str | None = None) -> dict[str, Any]:
        """Turn a skill on or off (``path`` as listed, when the name is ambiguous)."""
        body = _present(enabled=enabled, path=path)
        return dict(await self._t.call("catalog.skill_enable", path={"name": name}, body=body) or {})


class AsyncFeatures(_Resource):
    @operation("catalog.features")
    async def list(self) -> dict[str, Any]:
        """Experimental features and whether each is on."""
        return dict(await self._t.call("catalog.features"))

    @operation("catalog.feature_enable")
    async def set_enabled(self, name: str, enabled: bool) -> dict[str, Any]:
        body = {"enabled": enabled}
        return dict(await self._t.call("catalog.feature_enable", path={"name": name}, body=body) or {})


class AsyncHooks(_Resource):
    @operation("catalog.hooks")
    async def list(self) -> dict[str, Any]:
        return dict(await self._t.call("catalog.hooks"))

    @operation("catalog.hook_state")
    async def set_enabled(self, key: str, enabled: bool) -> dict[str, Any]:
        return dict(await self._t.call("catalog.hook_state", body={"key": key, "enabled": enabled}) or {})


# -- dynamic tools served by Python functions --------------------------------------------------------------------


class AsyncToolServer:
    """Answers a session's dynamic tool calls with Python functions (a :class:`~codex_manager_sdk.tools.ToolRegistry`).

    It follows the session's ``tool_call.requested`` events (resuming from the last ``seq`` after a reconnect) and,
    at start, after every reconnect and after a stream reset, reads the session's pending calls from the requests
    list, so a call made while it was away is still answered. A function's exception is answered as a failed call
    (``success: false`` with the error's text). A call for a tool not in the registry is left to other clients.
    Use it as a context manager (it serves in the background), or call ``serve(stop)`` to serve in the foreground.
    """

    def __init__(self, client: AsyncClient, session_id: str, registry: ToolRegistry, *, poll: float = 0.25):
        self._client = client
        self.session_id = session_id
        self.registry = registry
        self.poll = poll
        self.answered: list[PendingRequest] = []
        self.errors: list[BaseException] = []
        self.reconnects = 0  # of its event stream
        self._done: set[str] = set()
        self._stop: Any = None
        self._handle: Any = None

    async def answer_pending(self) -> int:
        """Answer every pending call of this session the registry serves; answers how many were answered."""
        pending = await self._client.requests.list(session_id=self.session_id, status="pending", kind="tool_call")
        count = 0
        for req in reversed(pending):  # oldest first
            if await self.handle(req):
                count += 1
        return count

    async def handle(self, req: PendingRequest) -> bool:
        """Run the function of one call and answer it; False when it is not ours or was answered already."""
        if req.kind != "tool_call" or req.status != "pending" or req.id in self._done:
            return False
        if req.session_id and req.session_id != self.session_id:
            return False
        params = req.params or {}
        tool = self.registry.get(str(params.get("tool", "")))
        if tool is None:
            return False
        self._done.add(req.id)
        try:
            result = await maybe_await(tool.fn(**tool.arguments_for(params.get("arguments"))))
            body = answer_for_result(result)
        except Exception as e:  # noqa: BLE001 - the tool's failure is the call's answer
            body = answer_for_error(e)
        try:
            self.answered.append(await self._client.requests.respond(self.session_id, req.id, body))
        except (AlreadyResolved, Gone):
            return False  # another client answered first, or the call expired
        return True

    async def serve(self, stop: Any = None, *, since: int | None = None) -> None:
        """Serve until ``stop`` (a ``StopSignal``) is set; from now, or from ``since``."""
        stop = stop if stop is not None else StopSignal()
        stream = AsyncEventStream(self._client._t, since, sessions=[self.session_id], types=["tool_call.requested"])
        async with stream:
            await self.answer_pending()
            reconnects = stream.reconnects
            while not stop.is_set():
                try:
                    event = await stream.next(timeout=self.poll)
                except TimeoutError:
                    event = None
                if stream.reconnects != reconnects:
                    reconnects = self.reconnects = stream.reconnects
                    await self.answer_pending()
                if event is None:
                    continue
                if isinstance(event, PendingSnapshot):
                    for req in event.requests:
                        await self.handle(req)
                elif isinstance(event, Reset):
                    await self.answer_pending()
                elif event.type == "tool_call.requested":
                    await self.handle(PendingRequest.from_json(event.data))

    async def _run(self, stop: Any) -> None:
        try:
            await self.serve(stop)
        except Exception as e:  # noqa: BLE001 - kept for the caller, raised again by stop()
            self.errors.append(e)

    def start(self) -> AsyncToolServer:
        """Serve in the background (a thread on the sync client, a task on the asyncio one)."""
        self._stop = StopSignal()
        self._handle = spawn(self._run, self._stop)
        return self

    async def stop(self, timeout: float | None = 30.0) -> None:
        if self._handle is None:
            return
        self._stop.set()
        handle, self._handle = self._handle, None
        await join(handle, timeout)
        if self.errors:
            raise self.errors[0]

    async def __aenter__(self) -> AsyncToolServer:
        return self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


class AsyncTools:
    """``client.tools``: serve a session's dynamic tools with Python functions."""

    def __init__(self, client: AsyncClient):
        self._client = client

    def registry(self) -> ToolRegistry:
        return ToolRegistry()

    def serve(self, session_id: str, registry: ToolRegistry, *, poll: float = 0.25) -> AsyncToolServer:
        """A server of the session's calls; use it as a context manager, or ``start()`` / ``stop()``."""
        return AsyncToolServer(self._client, session_id, registry, poll=poll)


# -- the client ----------------------------------------------------------------------------------------------


class AsyncClient:
    """A client of one Codex Manager host.

    ``url`` / ``token`` / ``data_dir`` default as for the CLI: ``CODEX_MANAGER_URL`` (else
    ``http://127.0.0.1:8417``), ``CODEX_MANAGER_TOKEN`` (else ``<data-dir>/token``), ``CODEX_MANAGER_DATA_DIR``
    (else ``$XDG_DATA_HOME/codex-manager`` or ``~/.local/share/codex-manager``). ``client_label`` is sent as
    ``X-Codex-Manager-Client``: it is who decided a request (``decidedBy``) and who enqueued a job (``createdBy``).
    ``retry`` bounds the retries of idempotent calls (``RetryPolicy(attempts=0)`` turns them off).
    """

    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        data_dir: str | os.PathLike[str] | None = None,
        client_label: str = "sdk",
        *,
        timeout: float = 60.0,
        retry: RetryPolicy | None = None,
    ):
        self.url = resolve_url(url)
        self.token = resolve_token(token, data_dir)
        self._t = AsyncTransport(self.url, self.token, client_label, timeout=timeout, retry=retry)
        self.projects = AsyncProjects(self._t)
        self.sessions = AsyncSessions(self._t)
        self.turns = AsyncTurns(self._t)
        self.followups = AsyncFollowups(self._t)
        self.routines = AsyncRoutines(self._t)
        self.limits = AsyncLimits(self._t)
        self.requests = AsyncRequests(self._t)
        self.controls = AsyncControlsApi(self._t)
        self.settings = AsyncSettings(self._t)
        self.jobs = AsyncJobs(self._t)
        self.plugins = AsyncPlugins(self._t)
        self.account = AsyncAccount(self._t)
        self.config = AsyncConfig(self._t)
        self.catalog = AsyncCatalog(self._t)
        self.mcp = AsyncMcp(self._t)
        self.skills = AsyncSkills(self._t)
        self.features = AsyncFeatures(self._t)
        self.hooks = AsyncHooks(self._t)
        self.tools = AsyncTools(self)

    @property
    def client_label(self) -> str:
        return self._t.client_label

    async def aclose(self) -> None:
        await self._t.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- raw access -------------------------------------------------------------------------------------------

    async def request(self, method: str, path: str, *, json: Any = _UNSET, params: Mapping[str, Any] | None = None,
                      headers: Mapping[str, str] | None = None) -> Any:
        """Any request, for what this SDK version has no method for: ``path`` as the API spells it, ``json`` the
        body, ``params`` the query. Answers the decoded JSON (``None`` for an empty answer); errors raise as
        everywhere. Retried like the typed calls (by method, or an ``Idempotency-Key`` header)."""
        has_body = json is not _UNSET
        return await self._t.send(method, path, query=params, body=json if has_body else None, has_body=has_body,
                                  headers=headers)

    async def call(self, op_id: str, *, path: Mapping[str, str] | None = None, query: Mapping[str, Any] | None = None,
                   body: Any = None, has_body: bool = False, headers: Mapping[str, str] | None = None,
                   ok_statuses: tuple[int, ...] = ()) -> Any:
        """One operation by its operationId (``sessions.fork``; see ``codex_manager_sdk.routes.OPERATIONS``)."""
        return await self._t.call(op_id, path=path, query=query, body=body, has_body=has_body, headers=headers,
                                  ok_statuses=ok_statuses)

    # -- health, capabilities --------------------------------------------------------------------------------

    @operation("health.health")
    async def health(self) -> Health:
        return Health.from_json(await self._t.call("health.health"))

    @operation("health.ready")
    async def ready(self) -> Ready:
        """Readiness; answers (does not raise) when the host says 503 not ready."""
        return Ready.from_json(await self._t.call("health.ready", ok_statuses=(503,)))

    async def wait_ready(self, timeout: float = 60.0, interval: float = 0.1) -> Ready:
        """Poll ``ready()`` until it says ready (app-server handshake done); ``TimeoutError`` otherwise."""
        deadline = monotonic() + timeout
        while True:
            r = await self.ready()
            if r.ready:
                return r
            if monotonic() > deadline:
                raise TimeoutError(f"the host was not ready within {timeout} s: {r.runtime}")
            await sleep(interval)

    @operation("hosts.list")
    async def hosts(self) -> HostList:
        """Every host on the store (several share a PostgreSQL one), whether each is online, and which answered."""
        return HostList.from_json(await self._t.call("hosts.list"))

    @operation("capabilities.capabilities")
    async def capabilities(self) -> CapabilityReport:
        """What the connected codex supports, by route group (``.groups["review"]``)."""
        return CapabilityReport.from_json(await self._t.call("capabilities.capabilities"))

    @operation("auth.new_link")
    async def login_link(self) -> str:
        """A one-time browser login link."""
        return str(LoginLink.from_json(await self._t.call("auth.new_link")).url)

    @operation("capabilities.feedback")
    async def feedback(self, classification: str, *, reason: str | None = None, session_id: str | None = None,
                       include_logs: bool | None = None) -> dict[str, Any]:
        """Send feedback (``bug``, ``good_result``, ``bad_result``, ...) to OpenAI through codex."""
        body = _present(classification=classification, reason=reason, sessionId=session_id, includeLogs=include_logs)
        return dict(await self._t.call("capabilities.feedback", body=body) or {})

    @operation("exec.exec")
    async def exec(self, command: list[str], *, cwd: str | os.PathLike[str] | None = None, sandbox: str | None = None,
                   network_access: bool | None = None, stream: bool | None = None,
                   timeout_ms: int | None = None) -> dict[str, Any]:
        """Run one command outside any session (the host must run with ``--enable-exec``): ``{exitCode, stdout,
        stderr}``; with ``stream=True`` the output also comes as events."""
        body = _present(command=list(command), cwd=os.fspath(cwd) if cwd is not None else None, sandbox=sandbox,
                        networkAccess=network_access, stream=stream, timeoutMs=timeout_ms)
        return dict(await self._t.call("exec.exec", body=body) or {})

    # -- events ---------------------------------------------------------------------------------------------

    @operation("events.stream")
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
    ) -> AsyncEventStream:
        """Follow ``/api/stream``: events after ``since`` (``None``: from now; ``0``: from the oldest kept), then
        live, reconnecting by itself from the last ``seq`` seen. ``types`` / ``exclude_types`` are type prefixes."""
        return AsyncEventStream(self._t, since, sessions=sessions, projects=projects, types=types,
                                exclude_types=exclude_types, snapshots=snapshots, reconnect=reconnect,
                                reconnect_timeout=reconnect_timeout)

    @operation("events.list")
    async def list_events(self, since: int | None = None, *, sessions: str | Iterable[str] | None = None,
                          projects: str | Iterable[str] | None = None, types: str | Iterable[str] | None = None,
                          exclude_types: str | Iterable[str] | None = None, limit: int | None = None) -> EventPage:
        """One page of the event log (``sessions``, ``projects``, ``types``, ``exclude_types``, ``limit``)."""
        query = {"since": since, "sessions": _csv(sessions), "projects": _csv(projects), "types": _csv(types),
                 "exclude": _csv(exclude_types), "limit": limit}
        return EventPage.from_json(await self._t.call("events.list", query=query))

    async def iter_events(self, since: int = 0, **filters: Any) -> AsyncIterator[Event]:
        """Every logged event after ``since`` up to now, following ``nextSince`` page by page."""
        while True:
            page = await self.list_events(since, **filters)
            if page.reset:
                yield Reset(seq=page.latest_seq, type="reset",
                            data={"reason": "beyond_retention", "latestSeq": page.latest_seq})
            for event in page.events:
                yield event
            if page.next_since >= page.latest_seq or page.next_since == since:
                return
            since = page.next_since

    async def latest_seq(self) -> int:
        """The newest committed ``seq`` (a position to follow from)."""
        return await latest_seq(self._t)

    # -- shortcuts of the first asyncio client (kept for its scripts) --------------------------------------------

    async def create_session(self, cwd: str | os.PathLike[str], **fields: Any) -> Session:
        return await self.sessions.create(cwd, **fields)

    async def send(self, session_id: str, text: str, *, mode: str | None = None,
                   idempotency_key: str | None = None) -> TurnAccepted:
        return await self.turns.send(session_id, text, mode=mode, idempotency_key=idempotency_key)

    async def send_and_wait(self, session_id: str, text: str, **options: Any) -> TurnResult:
        return await self.turns.send_and_wait(session_id, text, **options)

    async def respond(self, session_id: str, request_id: str, answer: dict[str, Any]) -> PendingRequest:
        return await self.requests.respond(session_id, request_id, answer)

    async def turn(self, session_id: str, turn_id: str, *, wait: float | None = None) -> TurnRecord:
        return await self.turns.get(session_id, turn_id, wait=wait)

    async def wait_turn(self, session_id: str, turn_id: str) -> TurnRecord:
        return await self.turns.wait_record(session_id, turn_id, timeout=None)

    async def enqueue_job(self, kind: str, payload: Any = _UNSET, **fields: Any) -> Job:
        return await self.jobs.enqueue(kind, payload, **fields)

    async def get_job(self, job_id: str) -> Job:
        return await self.jobs.get(job_id)


def _csv(value: str | Iterable[str] | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value or None
    return ",".join(value) or None
