"""Behaviour of generated models that the document does not carry (mixed in by ``scripts/gen_clients/python.py``)."""

from __future__ import annotations

from typing import Any, ClassVar


class TurnRecordMixin:
    status: Any

    @property
    def ended(self) -> bool:
        """The turn is over (``completed``, ``interrupted`` or ``failed``): its record will not change again."""
        return self.status not in ("", "inProgress")


class JobMixin:
    state: Any

    FINAL_STATES: ClassVar[frozenset[str]] = frozenset({"succeeded", "failed", "canceled"})

    @property
    def finished(self) -> bool:
        return self.state in self.FINAL_STATES


class PendingRequestMixin:
    params: Any

    @property
    def questions(self) -> list[dict[str, Any]]:
        """For ``tool_input``: the questions (each with ``id``), else ``[]``."""
        return list((self.params or {}).get("questions") or [])


class EventMixin:
    @classmethod
    def from_json(cls, data: Any) -> Any:
        """A ``reset`` or ``requests.pending`` frame becomes a :class:`~codex_manager_sdk.types.Reset` or
        :class:`~codex_manager_sdk.types.PendingSnapshot` when decoded as a plain event."""
        from . import types

        kind = data.get("type") if isinstance(data, dict) else None
        if cls is types.Event and kind == "reset":
            return types.Reset.from_json(data)
        if cls is types.Event and kind == "requests.pending":
            return types.PendingSnapshot.from_json(data)
        return super().from_json(data)  # type: ignore[misc]


class EventPageMixin:
    pass
