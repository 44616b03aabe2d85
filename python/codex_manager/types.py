"""Typed results for the API's main shapes.

Each is a dataclass built from the JSON answer: fields are the API's camelCase names in snake_case, and ``raw``
keeps the whole answer as the host sent it (fields this SDK version does not know included), so nothing is lost
when the host adds a field. Shapes that are app-server's own (transcript turns, item payloads) stay plain dicts.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar, TypeVar

T = TypeVar("T", bound="Model")


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


@dataclass
class Model:
    """Base of the typed results: ``from_json`` maps camelCase keys to fields and keeps the answer in ``raw``."""

    _nested: ClassVar[dict[str, Callable[[Any], Any]]] = {}

    @classmethod
    def from_json(cls: type[T], data: dict[str, Any]) -> T:
        kwargs: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            if f.name == "raw":
                continue
            key = _camel(f.name)
            if key not in data:
                continue
            value = data[key]
            conv = cls._nested.get(f.name)
            kwargs[f.name] = conv(value) if conv is not None and value is not None else value
        return cls(**kwargs, raw=data)  # type: ignore[call-arg]

    def __getitem__(self, key: str) -> Any:
        """``obj["camelCaseKey"]`` reads the raw answer (handy for fields added after this SDK version)."""
        return self.raw[key]  # type: ignore[attr-defined]


def _list_of(cls: type[T]) -> Callable[[Any], list[T]]:
    return lambda items: [cls.from_json(i) for i in items]


@dataclass
class Health(Model):
    status: str = ""
    version: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass
class Ready(Model):
    """``GET /api/ready``. ``ready`` is false (and the HTTP status 503) while app-server is not ready."""

    ready: bool = False
    store_ok: bool = False
    events_ok: bool = False
    last_seq: int = 0
    runtime: dict[str, Any] = field(default_factory=dict)
    codex: dict[str, Any] | None = None
    account: dict[str, Any] | None = None
    queue: dict[str, Any] | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass
class Project(Model):
    id: str = ""
    name: str = ""
    cwd: str = ""
    session_count: int = 0
    created_at: str = ""
    updated_at: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass
class Session(Model):
    id: str = ""
    thread_id: str = ""
    project_id: str | None = None
    title: str | None = None
    cwd: str = ""
    archived: bool = False
    forked_from: str | None = None
    status: str = "idle"
    active_turn_id: str | None = None
    last_turn_status: str | None = None
    last_error: str | None = None
    controls: dict[str, Any] = field(default_factory=dict)
    loaded: bool = False
    pending_requests: int = 0
    dynamic_tools: list[str] = field(default_factory=list)
    worker_of: str | None = None
    created_at: str = ""
    updated_at: str = ""
    last_activity_at: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass
class SessionPage(Model):
    sessions: list[Session] = field(default_factory=list)
    next_cursor: str | None = None
    notice: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)
    _nested: ClassVar[dict[str, Callable[[Any], Any]]] = {"sessions": _list_of(Session)}


@dataclass
class Transcript(Model):
    """A page of turns, app-server's own turn objects (with their ``items``)."""

    turns: list[dict[str, Any]] = field(default_factory=list)
    next_cursor: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass
class SessionDetail(Model):
    """``GET /api/sessions/{id}``: the session plus its first transcript page (``None`` while app-server is down)."""

    session: Session = field(default_factory=Session)
    transcript: Transcript | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)
    _nested: ClassVar[dict[str, Callable[[Any], Any]]] = {
        "session": Session.from_json,
        "transcript": Transcript.from_json,
    }


@dataclass
class SessionNote(Model):
    id: str = ""
    session_id: str = ""
    plugin_id: str = ""
    kind: str = ""
    title: str | None = None
    body: str = ""
    data: Any = None
    turn_id: str | None = None
    created_at: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass
class TurnAccepted(Model):
    session_id: str = ""
    turn_id: str = ""
    status: str = ""
    replayed: bool = False
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass
class TurnRecord(Model):
    """A turn as the host recorded it (``GET /api/sessions/{id}/turns/{turnId}``): the one source of a turn's outcome."""

    id: str = ""
    session_id: str = ""
    status: str = ""  # inProgress | completed | interrupted | failed
    start_seq: int | None = None
    end_seq: int | None = None
    started_at: str = ""
    ended_at: str | None = None
    final_text: str | None = None  # the turn's last assistant message
    error: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def ended(self) -> bool:
        return self.status not in ("", "inProgress")


@dataclass
class Interrupted(Model):
    turn_id: str = ""
    status: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass
class PendingRequest(Model):
    id: str = ""
    session_id: str | None = None
    project_id: str | None = None
    thread_id: str | None = None
    turn_id: str | None = None
    item_id: str | None = None
    kind: str = ""
    family: str = ""
    method: str = ""
    status: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    item: dict[str, Any] | None = None
    decision: Any = None
    decided_by: str | None = None
    reason: str | None = None
    created_at: str = ""
    resolved_at: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def questions(self) -> list[dict[str, Any]]:
        """For ``tool_input``: the questions (each with ``id``), else ``[]``."""
        return list(self.params.get("questions") or [])


@dataclass
class Controls(Model):
    """``{own, defaults, effective}``, each a ``SessionControls`` dict (``model``, ``reasoningEffort``, ...)."""

    own: dict[str, Any] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)
    effective: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass
class Setting(Model):
    key: str = ""
    value: Any = None
    updated_at: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass
class Job(Model):
    id: str = ""
    kind: str = ""
    plugin_id: str = ""
    state: str = ""
    payload: Any = None
    session_id: str | None = None
    project_id: str | None = None
    priority: int = 100
    dedupe_key: str | None = None
    attempt: int = 0
    max_attempts: int = 0
    timeout_ms: int = 0
    run_after: str = ""
    result: Any = None
    error: dict[str, Any] | None = None
    cancel_requested: bool = False
    created_by: str = ""
    created_at: str = ""
    updated_at: str = ""
    started_at: str | None = None
    finished_at: str | None = None
    history: list[dict[str, Any]] | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    FINAL_STATES: ClassVar[frozenset[str]] = frozenset({"succeeded", "failed", "canceled"})

    @property
    def finished(self) -> bool:
        return self.state in self.FINAL_STATES


@dataclass
class JobPage(Model):
    jobs: list[Job] = field(default_factory=list)
    next_cursor: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)
    _nested: ClassVar[dict[str, Callable[[Any], Any]]] = {"jobs": _list_of(Job)}


@dataclass
class JobKind(Model):
    kind: str = ""
    plugin_id: str = ""
    description: str = ""
    concurrency: int = 0
    timeout_ms: int = 0
    max_attempts: int = 0
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass
class QueueStats(Model):
    queued: int = 0
    running: int = 0
    oldest_queued_age_ms: int = 0
    capacity: int = 0
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass
class PluginInfo(Model):
    id: str = ""
    version: str = ""
    description: str = ""
    wit: str = ""
    host_wit: str = ""
    priority: int = 0
    enabled: bool = False
    disabled_reason: str | None = None
    consecutive_failures: int = 0
    events: list[str] = field(default_factory=list)
    jobs: list[str] = field(default_factory=list)
    tools: list[dict[str, Any]] = field(default_factory=list)
    requested: list[str] = field(default_factory=list)
    granted: list[str] = field(default_factory=list)
    http_allow: list[str] = field(default_factory=list)
    limits: dict[str, Any] = field(default_factory=dict)
    installed_at: str = ""
    updated_at: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass
class Inspection(Model):
    id: str = ""
    version: str = ""
    description: str = ""
    requested: list[str] = field(default_factory=list)
    http_allow: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    jobs: list[str] = field(default_factory=list)
    tools: list[str] = field(default_factory=list)
    limits: dict[str, Any] = field(default_factory=dict)
    replaces: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass
class PluginCall(Model):
    id: Any = None
    trigger: str = ""
    started_at: str = ""
    duration_us: int = 0
    outcome: str = ""
    error: str | None = None
    denials: list[str] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass
class Event(Model):
    """One envelope of the event log: ``{seq, ts, type, sessionId, turnId, projectId, data}``."""

    seq: int = 0
    ts: str = ""
    type: str = ""
    session_id: str | None = None
    turn_id: str | None = None
    project_id: str | None = None
    data: Any = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass
class Reset(Event):
    """A ``reset`` frame: what you missed is gone (``beyond_retention``) or your position is ahead of the log
    (``ahead_of_log``). Re-read the state you keep over REST; the stream carries on after ``latest_seq``."""

    @property
    def reason(self) -> str:
        return (self.data or {}).get("reason", "")

    @property
    def oldest_seq(self) -> int | None:
        return (self.data or {}).get("oldestSeq")

    @property
    def latest_seq(self) -> int | None:
        return (self.data or {}).get("latestSeq")


@dataclass
class PendingSnapshot(Event):
    """A ``requests.pending`` frame: the requests pending when the (re)connection was made. Not a logged event:
    its ``seq`` is the subscription's position. Sent again on every reconnect while something is pending."""

    @property
    def requests(self) -> list[PendingRequest]:
        return [PendingRequest.from_json(r) for r in (self.data or {}).get("requests", [])]


def event_from_json(data: dict[str, Any]) -> Event:
    kind = data.get("type")
    if kind == "reset":
        return Reset.from_json(data)
    if kind == "requests.pending":
        return PendingSnapshot.from_json(data)
    return Event.from_json(data)


@dataclass
class EventPage(Model):
    events: list[Event] = field(default_factory=list)
    next_since: int = 0
    latest_seq: int = 0
    reset: bool = False
    raw: dict[str, Any] = field(default_factory=dict, repr=False)
    _nested: ClassVar[dict[str, Callable[[Any], Any]]] = {"events": lambda es: [event_from_json(e) for e in es]}


@dataclass
class TurnResult:
    """What :meth:`Turns.send_and_wait` returns once the turn's ``turn.completed`` arrived."""

    session_id: str
    turn_id: str
    status: str  # completed | interrupted | failed
    text: str  # the last assistant message of the turn ("" when there was none)
    error: dict[str, Any] | None = None
    replayed: bool = False
    requests: list[PendingRequest] = field(default_factory=list)  # requests the turn made, as first seen
    turn: dict[str, Any] = field(default_factory=dict, repr=False)  # app-server's turn object

    @property
    def ok(self) -> bool:
        return self.status == "completed"

    @classmethod
    def from_record(cls, record: "TurnRecord", *, replayed: bool = False, requests: list[PendingRequest] | None = None,
                    turn: dict[str, Any] | None = None) -> "TurnResult":
        """The result of an ended turn, from its record (status, final text, error)."""
        return cls(
            session_id=record.session_id,
            turn_id=record.id,
            status=record.status,
            text=record.final_text or "",
            error={"message": record.error} if record.error else None,
            replayed=replayed,
            requests=requests or [],
            turn=turn or {"id": record.id, "status": record.status},
        )
