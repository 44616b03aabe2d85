"""Typed results: the generated models (``models.py``, from docs/openapi.json) under the names this SDK has always
used, plus the few shapes that are not API schemas (stream frames, :class:`TurnResult`).

Every model is a dataclass built from the JSON answer: fields are the API's camelCase names in snake_case, and
``raw`` keeps the whole answer as the host sent it (fields this SDK version does not know included), so nothing is
lost when the host adds a field. Shapes that are app-server's own (transcript turns, item payloads, the catalog and
config answers) stay plain dicts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ._model import Model
from .models import *  # noqa: F403 - every generated model is part of this module's surface
from .models import (
    ControlsView,
    EventEnvelope,
    EventPage,
    InterruptResult,
    JobKinds,
    NotePage,
    PendingRequest,
    Readiness,
    TurnRecord,
    TurnRecordPage,
)
from .models import __all__ as _generated

# The names this SDK used before its models were generated.
Ready = Readiness
Controls = ControlsView
Interrupted = InterruptResult
Event = EventEnvelope


@dataclass
class Reset(EventEnvelope):
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
class PendingSnapshot(EventEnvelope):
    """A ``requests.pending`` frame: the requests pending when the (re)connection was made. Not a logged event:
    its ``seq`` is the subscription's position. Sent again on every reconnect while something is pending."""

    @property
    def requests(self) -> list[PendingRequest]:
        return [PendingRequest.from_json(r) for r in (self.data or {}).get("requests", [])]


def event_from_json(data: dict[str, Any]) -> EventEnvelope:
    return Event.from_json(data)


@dataclass
class TurnResult:
    """What ``turns.send_and_wait`` / ``turns.wait`` answer once the turn ended: its record's outcome, plus what the
    turn asked on the way."""

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
    def from_record(cls, record: TurnRecord, *, replayed: bool = False, requests: list[PendingRequest] | None = None,
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
            turn=turn or {"id": record.id, "status": str(record.status)},
        )


__all__ = [
    *_generated,
    "Model",
    "Ready",
    "Controls",
    "Interrupted",
    "Event",
    "Reset",
    "PendingSnapshot",
    "event_from_json",
    "TurnResult",
    "JobKinds",
    "NotePage",
    "TurnRecordPage",
    "EventPage",
]
