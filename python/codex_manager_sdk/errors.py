"""Errors: every API error answer `{"error": {"code", "message", "details"}}` becomes an :class:`ApiError`.

The class is picked by the stable ``code`` first, then by the HTTP status, so callers can catch broadly
(``except NotFound``) or narrowly (``except AlreadyResolved``) and still read ``.code`` for the exact reason.
"""

from __future__ import annotations

from typing import Any


class CodexManagerError(Exception):
    """Base of everything this SDK raises on purpose."""


class ConnectionFailed(CodexManagerError):
    """The host could not be reached (not running, wrong URL)."""


class ConfigError(CodexManagerError):
    """The SDK could not find the host's URL or token."""


class ApiError(CodexManagerError):
    """An error answer from the host."""

    def __init__(self, status: int, code: str, message: str, details: Any = None):
        super().__init__(f"{code} ({status}): {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details


class BadRequest(ApiError):
    """400: a query parameter could not be parsed, invalid JSON, ..."""


class Unauthorized(ApiError):
    """401: missing or wrong token."""


class Forbidden(ApiError):
    """403: Host/Origin not allowed, exec disabled."""


class NotFound(ApiError):
    """404: no such session, project, request, job, plugin, setting, route, ..."""


class Conflict(ApiError):
    """409: the state does not allow it (a turn is running, the name is taken, the job finished, ...)."""


class TurnInProgress(Conflict):
    """409 ``turn_in_progress``: ``details["activeTurnId"]`` is the running turn."""

    @property
    def active_turn_id(self) -> str | None:
        return (self.details or {}).get("activeTurnId")


class AlreadyResolved(Conflict):
    """409 ``request_already_resolved``: another answer won; ``winner`` is ``{decision, decidedBy, resolvedAt}``."""

    @property
    def winner(self) -> dict[str, Any]:
        return dict(self.details or {})

    @property
    def decided_by(self) -> str | None:
        return self.winner.get("decidedBy")

    @property
    def decision(self) -> Any:
        return self.winner.get("decision")


class Gone(ApiError):
    """410: the request can no longer be answered (``request_expired``); ``reason`` says why."""

    @property
    def reason(self) -> str | None:
        return (self.details or {}).get("reason")


RequestExpired = Gone


class InvalidInput(ApiError):
    """422: a body or value failed validation (``invalid_request``, ``invalid_body``, ``unknown_job_kind``, ...)."""


class QueueFull(ApiError):
    """429 ``queue_full``: the job queue is at capacity; nothing was added."""


class ServerError(ApiError):
    """5xx not covered below (store error, app-server error/timeout, not supported)."""


class Unavailable(ServerError):
    """503: app-server is starting or restarting (``runtime_unavailable``) or stopped answering
    (``runtime_unresponsive``), the host holds its maximum of connections (``too_many_connections``), or
    ``job_cancel_pending``."""


_BY_CODE: dict[str, type[ApiError]] = {
    "turn_in_progress": TurnInProgress,
    "request_already_resolved": AlreadyResolved,
    "request_expired": Gone,
    "queue_full": QueueFull,
    "runtime_unavailable": Unavailable,
    "runtime_unresponsive": Unavailable,
    "too_many_connections": Unavailable,
    "job_cancel_pending": Unavailable,
}

_BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    405: NotFound,
    409: Conflict,
    410: Gone,
    413: InvalidInput,
    415: InvalidInput,
    422: InvalidInput,
    429: QueueFull,
    503: Unavailable,
}


def error_for(status: int, body: Any, text: str = "") -> ApiError:
    """Build the right :class:`ApiError` subclass from a status and a decoded error body."""
    err = body.get("error") if isinstance(body, dict) else None
    if isinstance(err, dict):
        code = str(err.get("code") or "http_error")
        message = str(err.get("message") or "")
        details = err.get("details")
    else:
        code, message, details = "http_error", text[:500] or f"HTTP {status}", None
    cls = _BY_CODE.get(code) or _BY_STATUS.get(status) or (ServerError if status >= 500 else ApiError)
    return cls(status, code, message, details)
