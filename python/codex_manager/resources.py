"""Resource groups of the sync client: ``client.sessions``, ``client.turns``, ``client.requests``, ..."""

from __future__ import annotations

import base64
import os
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

from .errors import ApiError
from .events import EventStream, latest_seq
from .types import (
    Controls,
    Interrupted,
    Inspection,
    Job,
    JobKind,
    JobPage,
    PendingRequest,
    PendingSnapshot,
    PluginCall,
    PluginInfo,
    Project,
    QueueStats,
    Reset,
    Session,
    SessionDetail,
    SessionNote,
    SessionPage,
    Setting,
    Transcript,
    TurnAccepted,
    TurnRecord,
    TurnResult,
)

if TYPE_CHECKING:
    from ._http import Transport

_UNSET: Any = object()

#: Longest ``wait`` one read of a turn asks for: under the client's HTTP timeout (60 s by default); the host caps it
#: at 60 s too. A longer wait asks again.
RECORD_WAIT_CHUNK = 30.0


def _wait_param(seconds: float) -> str:
    return f"{max(0, int(seconds * 1000))}ms"


def _body(**fields: Any) -> dict[str, Any]:
    """A request body with the ``_UNSET`` fields left out (``None`` is sent as JSON null)."""
    return {k: v for k, v in fields.items() if v is not _UNSET}


class _Resource:
    def __init__(self, transport: "Transport"):
        self._t = transport


class Projects(_Resource):
    def list(self) -> list[Project]:
        return [Project.from_json(p) for p in self._t.call("projects.list")]

    def create(self, name: str, cwd: str | os.PathLike[str]) -> Project:
        return Project.from_json(self._t.call("projects.create", body={"name": name, "cwd": os.fspath(cwd)}))

    def get(self, project_id: str) -> Project:
        return Project.from_json(self._t.call("projects.get", path={"id": project_id}))

    def update(self, project_id: str, *, name: str = _UNSET, cwd: str | os.PathLike[str] = _UNSET) -> Project:
        body = _body(name=name, cwd=os.fspath(cwd) if cwd is not _UNSET else _UNSET)
        return Project.from_json(self._t.call("projects.update", path={"id": project_id}, body=body))

    def delete(self, project_id: str) -> None:
        self._t.call("projects.delete", path={"id": project_id})

    def move_sessions(self, project_id: str, to_project_id: str | None) -> list[str]:
        answer = self._t.call("projects.move_sessions", path={"id": project_id}, body={"toProjectId": to_project_id})
        return list(answer["sessionIds"])

    def delete_sessions(self, project_id: str) -> list[str]:
        return list(self._t.call("projects.delete_sessions", path={"id": project_id})["sessionIds"])


class Sessions(_Resource):
    def list(
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
        query = {"projectId": project_id, "archived": archived, "q": q, "limit": limit, "cursor": cursor, "workers": workers}
        return SessionPage.from_json(self._t.call("sessions.list", query=query))

    def iter(self, **filters: Any) -> Iterator[Session]:
        """Every session matching the filters, following ``nextCursor``."""
        cursor = None
        while True:
            page = self.list(cursor=cursor, **filters)
            yield from page.sessions
            if not page.next_cursor:
                return
            cursor = page.next_cursor

    def create(
        self,
        cwd: str | os.PathLike[str] | None = None,
        *,
        project_id: str | None = None,
        title: str | None = None,
        controls: dict[str, Any] | None = None,
        dynamic_tools: list[dict[str, Any]] | None = None,
        tool_call_timeout_ms: int | None = None,
    ) -> Session:
        body = {
            "cwd": os.fspath(cwd) if cwd is not None else None,
            "projectId": project_id,
            "title": title,
            "controls": controls,
            "dynamicTools": dynamic_tools,
            "toolCallTimeoutMs": tool_call_timeout_ms,
        }
        body = {k: v for k, v in body.items() if v is not None}
        return Session.from_json(self._t.call("sessions.create", body=body))

    def get(self, session_id: str, *, limit: int | None = None, order: str | None = None) -> SessionDetail:
        """The session plus its first transcript page."""
        query = {"limit": limit, "order": order}
        return SessionDetail.from_json(self._t.call("sessions.get", path={"id": session_id}, query=query))

    def transcript(
        self, session_id: str, *, limit: int | None = None, cursor: str | None = None, order: str | None = None
    ) -> Transcript:
        """A page of turns (``order`` ``asc``, the default, or ``desc``)."""
        query = {"limit": limit, "cursor": cursor, "order": order}
        return Transcript.from_json(self._t.call("sessions.transcript", path={"id": session_id}, query=query))

    def iter_transcript(self, session_id: str, *, order: str | None = None, limit: int | None = None) -> Iterator[dict[str, Any]]:
        cursor = None
        while True:
            page = self.transcript(session_id, limit=limit, cursor=cursor, order=order)
            yield from page.turns
            if not page.next_cursor:
                return
            cursor = page.next_cursor

    def update(
        self, session_id: str, *, title: str | None = _UNSET, project_id: str | None = _UNSET, archived: bool = _UNSET
    ) -> Session:
        """Rename (``title``; ``""`` clears), move (``project_id``; ``""`` or ``None`` for no project), archive."""
        if project_id is None:
            project_id = ""
        body = _body(title=title, projectId=project_id, archived=archived)
        return Session.from_json(self._t.call("sessions.update", path={"id": session_id}, body=body))

    def rename(self, session_id: str, title: str) -> Session:
        return self.update(session_id, title=title)

    def archive(self, session_id: str) -> Session:
        return Session.from_json(self._t.call("sessions.archive", path={"id": session_id}))

    def unarchive(self, session_id: str) -> Session:
        return Session.from_json(self._t.call("sessions.unarchive", path={"id": session_id}))

    def fork(self, session_id: str) -> Session:
        return Session.from_json(self._t.call("sessions.fork", path={"id": session_id}))

    def resume(self, session_id: str) -> Session:
        return Session.from_json(self._t.call("sessions.resume", path={"id": session_id}))

    def delete(self, session_id: str) -> None:
        self._t.call("sessions.delete", path={"id": session_id})

    def notes(self, session_id: str, *, kind: str | None = None, limit: int | None = None) -> list[SessionNote]:
        answer = self._t.call("sessions.notes", path={"id": session_id}, query={"kind": kind, "limit": limit})
        return [SessionNote.from_json(n) for n in answer["notes"]]


class Turns(_Resource):
    def send(self, session_id: str, text: str, *, mode: str | None = None, idempotency_key: str | None = None) -> TurnAccepted:
        """Start a turn. A fresh ``Idempotency-Key`` is generated per call unless given; pass the same key to retry
        safely (the answer then has ``replayed=True`` and names the same turn)."""
        key = idempotency_key or f"sdk-{uuid.uuid4()}"
        body: dict[str, Any] = {"text": text}
        if mode is not None:
            body["mode"] = mode
        answer = self._t.call("turns.send", path={"id": session_id}, body=body, headers={"Idempotency-Key": key})
        return TurnAccepted.from_json(answer)

    def steer(self, session_id: str, text: str) -> TurnAccepted:
        return TurnAccepted.from_json(self._t.call("turns.steer", path={"id": session_id}, body={"text": text}))

    def interrupt(self, session_id: str) -> Interrupted:
        return Interrupted.from_json(self._t.call("turns.interrupt", path={"id": session_id}))

    def get(self, session_id: str, turn_id: str, *, wait: float | None = None) -> TurnRecord:
        """The turn's record. With ``wait`` (seconds, at most 60), the host answers once the turn ended or the wait
        ran out (the record is then still ``inProgress``)."""
        query = {"wait": _wait_param(wait)} if wait else None
        return TurnRecord.from_json(self._t.call("turns.get", path={"id": session_id, "turnId": turn_id}, query=query))

    def list(self, session_id: str, *, limit: int | None = None, cursor: str | None = None) -> tuple[list[TurnRecord], str | None]:
        """The session's turn records, newest first, and the cursor of the next page."""
        answer = self._t.call("turns.list", path={"id": session_id}, query={"limit": limit, "cursor": cursor})
        return [TurnRecord.from_json(t) for t in answer["turns"]], answer.get("nextCursor")

    def wait_record(self, session_id: str, turn_id: str, *, timeout: float | None = 300.0) -> TurnRecord:
        """The turn's record once it ended: its read with ``wait``, asked again while the turn runs. Raises
        ``TimeoutError`` after ``timeout`` seconds (the turn keeps running)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            remaining = RECORD_WAIT_CHUNK if deadline is None else min(RECORD_WAIT_CHUNK, deadline - time.monotonic())
            record = self.get(session_id, turn_id, wait=max(remaining, 0.0))
            if record.ended:
                return record
            if deadline is not None and time.monotonic() >= deadline:
                raise TimeoutError(f"turn {turn_id} did not end within {timeout} s")

    def send_and_wait(
        self,
        session_id: str,
        text: str,
        *,
        mode: str | None = None,
        idempotency_key: str | None = None,
        timeout: float | None = 300.0,
        on_delta: Callable[[str], None] | None = None,
        on_request: Callable[[PendingRequest], None] | None = None,
    ) -> TurnResult:
        """Send a message and wait for the turn to end; the outcome (status, final text, error) is the turn's record.

        ``on_delta`` gets each assistant text delta as it streams; ``on_request`` gets each request the turn makes
        (approval, tool input, tool call) so the caller can answer it (from the callback or another thread).
        Raises ``TimeoutError`` when the turn has not ended within ``timeout`` seconds (the turn keeps running).
        """
        since = latest_seq(self._t)
        accepted = self.send(session_id, text, mode=mode, idempotency_key=idempotency_key)
        # A replayed send names a turn that may have ended long ago: follow it from the start of the log's view.
        return self.wait(
            session_id,
            accepted.turn_id,
            since=0 if accepted.replayed else since,
            timeout=timeout,
            on_delta=on_delta,
            on_request=on_request,
            replayed=accepted.replayed,
        )

    def wait(
        self,
        session_id: str,
        turn_id: str,
        *,
        since: int = 0,
        timeout: float | None = 300.0,
        on_delta: Callable[[str], None] | None = None,
        on_request: Callable[[PendingRequest], None] | None = None,
        replayed: bool = False,
    ) -> TurnResult:
        """Wait for a turn already started to end; its outcome (status, final text, error) is the turn's record.

        The turn's events are followed (from ``since``) until its ``turn.completed`` only to hand its deltas and
        requests over as they come (``on_delta``, ``on_request``, ``TurnResult.requests``).
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        requests, turn = self._follow(session_id, turn_id, since, deadline, timeout, on_delta, on_request)
        remaining = None if deadline is None else max(deadline - time.monotonic(), 0.0)
        record = self.wait_record(session_id, turn_id, timeout=remaining)
        return TurnResult.from_record(record, replayed=replayed, requests=requests, turn=turn)

    def _follow(
        self,
        session_id: str,
        turn_id: str,
        since: int,
        deadline: float | None,
        timeout: float | None,
        on_delta: Callable[[str], None] | None,
        on_request: Callable[[PendingRequest], None] | None,
    ) -> tuple[list[PendingRequest], dict[str, Any] | None]:
        """Hand the turn's deltas and requests to the callbacks until its ``turn.completed`` (or the log lost them)."""
        types = ["turn.completed", "item.delta", "approval.requested", "tool_input.requested", "tool_call.requested"]
        requests: list[PendingRequest] = []
        seen_requests: set[str] = set()
        with EventStream(self._t, since, sessions=[session_id], types=types) as stream:
            while True:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    raise TimeoutError(f"turn {turn_id} did not end within {timeout} s")
                event = stream.next(timeout=remaining)
                if isinstance(event, Reset):
                    return requests, None  # the events are gone; the record has the outcome
                if isinstance(event, PendingSnapshot) or event.turn_id != turn_id:
                    continue
                data = event.data or {}
                if event.type == "item.delta":
                    if on_delta:
                        on_delta(data.get("delta", ""))
                elif event.type.endswith(".requested"):
                    req = PendingRequest.from_json(data)
                    if req.id not in seen_requests:
                        seen_requests.add(req.id)
                        requests.append(req)
                        if on_request:
                            on_request(req)
                elif event.type == "turn.completed":
                    return requests, data.get("turn") or None


class Requests(_Resource):
    def list(
        self,
        *,
        session_id: str | None = None,
        status: str | None = "pending",
        kind: str | None = None,
        limit: int | None = None,
    ) -> list[PendingRequest]:
        """Requests newest first; by default the pending ones across sessions. ``status=None`` lists all."""
        query = {"status": status, "kind": kind, "limit": limit}
        if session_id is not None:
            answer = self._t.call("requests.list_session", path={"id": session_id}, query=query)
        else:
            answer = self._t.call("requests.list", query=query)
        return [PendingRequest.from_json(r) for r in answer]

    def pending(self, session_id: str | None = None) -> list[PendingRequest]:
        return self.list(session_id=session_id, status="pending")

    def get(self, session_id: str, request_id: str) -> PendingRequest:
        return PendingRequest.from_json(self._t.call("requests.get", path={"id": session_id, "requestId": request_id}))

    def respond(self, session_id: str, request_id: str, answer: dict[str, Any]) -> PendingRequest:
        """Send any answer body. Raises :class:`AlreadyResolved` (409, ``.winner``) when another answer won, and
        :class:`Gone` (410) when the request expired."""
        path = {"id": session_id, "requestId": request_id}
        return PendingRequest.from_json(self._t.call("requests.respond", path=path, body=answer))

    @staticmethod
    def _ids(request: PendingRequest | str, session_id: str | None) -> tuple[str, str]:
        if isinstance(request, PendingRequest):
            return request.session_id or session_id or "", request.id
        if session_id is None:
            raise ValueError("session_id is needed when the request is given by id")
        return session_id, request

    def _with_reason(self, body: dict[str, Any], reason: str | None) -> dict[str, Any]:
        if reason is not None:
            body["reason"] = reason
        return body

    def approve(self, request: PendingRequest | str, *, session_id: str | None = None, for_session: bool = False, reason: str | None = None) -> PendingRequest:
        sid, rid = self._ids(request, session_id)
        decision = "acceptForSession" if for_session else "accept"
        return self.respond(sid, rid, self._with_reason({"decision": decision}, reason))

    def decline(self, request: PendingRequest | str, *, session_id: str | None = None, cancel: bool = False, reason: str | None = None) -> PendingRequest:
        """``decline`` refuses and lets the turn go on; ``cancel=True`` refuses and stops the turn."""
        sid, rid = self._ids(request, session_id)
        return self.respond(sid, rid, self._with_reason({"decision": "cancel" if cancel else "decline"}, reason))

    def decide(self, request: PendingRequest | str, decision: Any, *, session_id: str | None = None, reason: str | None = None) -> PendingRequest:
        """Any approval decision, e.g. an amendment object exactly as offered in ``params.availableDecisions``."""
        sid, rid = self._ids(request, session_id)
        return self.respond(sid, rid, self._with_reason({"decision": decision}, reason))

    def answer(self, request: PendingRequest | str, answers: dict[str, str | list[str]], *, session_id: str | None = None, reason: str | None = None) -> PendingRequest:
        """Tool input: one answer per question id (a string, or a list of option labels)."""
        sid, rid = self._ids(request, session_id)
        return self.respond(sid, rid, self._with_reason({"answers": answers}, reason))

    def elicit(self, request: PendingRequest | str, action: str, content: dict[str, Any] | None = None, *, session_id: str | None = None) -> PendingRequest:
        """An MCP elicitation: ``accept`` (with ``content``), ``decline`` or ``cancel``."""
        sid, rid = self._ids(request, session_id)
        body: dict[str, Any] = {"action": action}
        if content is not None:
            body["content"] = content
        return self.respond(sid, rid, body)

    def reply(
        self,
        request: PendingRequest | str,
        text: str | None = None,
        *,
        content_items: list[dict[str, Any]] | None = None,
        success: bool = True,
        session_id: str | None = None,
    ) -> PendingRequest:
        """A dynamic tool call's output: ``text`` or ``content_items``; ``success=False`` reports a failure."""
        sid, rid = self._ids(request, session_id)
        body: dict[str, Any] = {"success": success}
        if content_items is not None:
            body["contentItems"] = content_items
        else:
            body["text"] = text or ""
        return self.respond(sid, rid, body)


class ControlsApi(_Resource):
    def get(self, session_id: str) -> Controls:
        return Controls.from_json(self._t.call("controls.get", path={"id": session_id}))

    def set(self, session_id: str, controls: dict[str, Any]) -> Controls:
        """Replace the session's own controls (``model``, ``reasoningEffort``, ``approvalPolicy``, ``sandbox``,
        ``networkAccess``)."""
        return Controls.from_json(self._t.call("controls.set", path={"id": session_id}, body=controls))

    def defaults(self) -> dict[str, Any]:
        return dict(self._t.call("controls.defaults"))

    def set_defaults(self, controls: dict[str, Any]) -> dict[str, Any]:
        return dict(self._t.call("controls.set_defaults", body=controls))


class Settings(_Resource):
    def list(self, session_id: str) -> list[Setting]:
        return [Setting.from_json(s) for s in self._t.call("settings.list", path={"id": session_id})]

    def get(self, session_id: str, key: str) -> Setting:
        return Setting.from_json(self._t.call("settings.get", path={"id": session_id, "key": key}))

    def set(self, session_id: str, key: str, value: Any) -> Setting:
        return Setting.from_json(self._t.call("settings.set", path={"id": session_id, "key": key}, body=value, has_body=True))

    def delete(self, session_id: str, key: str) -> None:
        self._t.call("settings.delete", path={"id": session_id, "key": key})


class Jobs(_Resource):
    def enqueue(
        self,
        kind: str,
        payload: Any = _UNSET,
        *,
        session_id: str | None = None,
        project_id: str | None = None,
        dedupe_key: str | None = None,
        priority: int | None = None,
        delay_ms: int | None = None,
    ) -> Job:
        """Enqueue a job (201), or get the live duplicate with the same kind and ``dedupe_key`` (200).
        Raises :class:`QueueFull` (429) at capacity."""
        body = _body(kind=kind, payload=payload)
        extra = {"sessionId": session_id, "projectId": project_id, "dedupeKey": dedupe_key, "priority": priority, "delayMs": delay_ms}
        body.update({k: v for k, v in extra.items() if v is not None})
        return Job.from_json(self._t.call("jobs.enqueue", body=body))

    def list(
        self,
        *,
        state: str | None = None,
        kind: str | None = None,
        session_id: str | None = None,
        project_id: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> JobPage:
        query = {"state": state, "kind": kind, "sessionId": session_id, "projectId": project_id, "limit": limit, "cursor": cursor}
        return JobPage.from_json(self._t.call("jobs.list", query=query))

    def get(self, job_id: str) -> Job:
        return Job.from_json(self._t.call("jobs.get", path={"id": job_id}))

    def cancel(self, job_id: str) -> Job:
        return Job.from_json(self._t.call("jobs.cancel", path={"id": job_id}))

    def retry(self, job_id: str) -> Job:
        return Job.from_json(self._t.call("jobs.retry", path={"id": job_id}))

    def kinds(self) -> list[JobKind]:
        return [JobKind.from_json(k) for k in self._t.call("jobs.kinds")["kinds"]]

    def stats(self) -> QueueStats:
        return QueueStats.from_json(self._t.call("jobs.stats"))

    def wait(self, job_id: str, *, timeout: float | None = 120.0) -> Job:
        """Follow ``job.*`` events until the job is ``succeeded``, ``failed`` or ``canceled``; answers the job with
        its history. Raises ``TimeoutError`` when it has not finished within ``timeout`` seconds."""
        deadline = None if timeout is None else time.monotonic() + timeout
        since = latest_seq(self._t)
        job = self.get(job_id)  # read after the position: a transition after it is on the stream
        if job.finished:
            return job
        with EventStream(self._t, since, types=["job."], snapshots=False) as stream:
            while True:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    raise TimeoutError(f"job {job_id} did not finish within {timeout} s")
                event = stream.next(timeout=remaining)
                if isinstance(event, Reset):
                    job = self.get(job_id)
                    if job.finished:
                        return job
                    continue
                data = event.data or {}
                if data.get("id") == job_id and data.get("state") in Job.FINAL_STATES:
                    return self.get(job_id)


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


class Plugins(_Resource):
    def list(self) -> list[PluginInfo]:
        return [PluginInfo.from_json(p) for p in self._t.call("plugins.list")]

    def info(self, plugin_id: str) -> PluginInfo:
        return PluginInfo.from_json(self._t.call("plugins.get", path={"id": plugin_id}))

    get = info

    @staticmethod
    def _package_body(path: str | os.PathLike[str]) -> dict[str, Any]:
        manifest, wasm = read_package(path)
        return {"manifest": manifest, "component": base64.b64encode(wasm).decode()}

    def inspect(self, path: str | os.PathLike[str]) -> Inspection:
        """Check a package without installing it: what it is and the capabilities it asks for."""
        return Inspection.from_json(self._t.call("plugins.inspect", body=self._package_body(path)))

    def install(self, path: str | os.PathLike[str], *, grant: Iterable[str] = (), upgrade: bool = False) -> PluginInfo:
        """Install (or with ``upgrade=True`` replace) the package at ``path``, granting these capabilities
        (``log``, ``kv``, ``sessions-read``, ``jobs``, ...; the rest is denied)."""
        body = self._package_body(path)
        body["grant"] = list(grant)
        if upgrade:
            body["upgrade"] = True
        return PluginInfo.from_json(self._t.call("plugins.install", body=body))

    def enable(self, plugin_id: str) -> PluginInfo:
        return PluginInfo.from_json(self._t.call("plugins.enable", path={"id": plugin_id}))

    def disable(self, plugin_id: str) -> PluginInfo:
        return PluginInfo.from_json(self._t.call("plugins.disable", path={"id": plugin_id}))

    def remove(self, plugin_id: str) -> None:
        self._t.call("plugins.remove", path={"id": plugin_id})

    def calls(self, plugin_id: str, *, limit: int | None = None) -> list[PluginCall]:
        return [PluginCall.from_json(c) for c in self._t.call("plugins.calls", path={"id": plugin_id}, query={"limit": limit})]


__all__ = ["ApiError", "Projects", "Sessions", "Turns", "Requests", "ControlsApi", "Settings", "Jobs", "Plugins", "read_package"]
