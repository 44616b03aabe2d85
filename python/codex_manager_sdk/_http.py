"""What both transports share: query encoding, answer decoding, and the retry policy."""

from __future__ import annotations

import random
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from datetime import datetime, timezone
from typing import Any, Mapping

import httpx

from .errors import error_for

USER_AGENT = "codex-manager-python/0.1.0"

#: Answers worth another try: the host (or app-server behind it) is busy or restarting.
RETRY_STATUSES = frozenset({429, 503})


def clean_query(query: Mapping[str, Any] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in (query or {}).items():
        if value is None:
            continue
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif isinstance(value, (list, tuple, set, frozenset)):
            if value:
                out[key] = ",".join(str(v) for v in value)
        else:
            out[key] = str(getattr(value, "value", value))
    return out


_clean_query = clean_query  # the old private name


def decode(resp: httpx.Response, ok_statuses: tuple[int, ...] = ()) -> Any:
    if resp.status_code == 204 or not resp.content:
        body: Any = None
    else:
        try:
            body = resp.json()
        except ValueError:
            body = None
    if resp.is_success or resp.status_code in ok_statuses:
        return body
    raise error_for(resp.status_code, body, resp.text)


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded, jittered retries of calls that are safe to repeat.

    A call is retried when it is idempotent (GET, PUT, DELETE, or a POST carrying an ``Idempotency-Key``) and the
    host answered 503 or 429, or the connection failed; a connection that could not even be opened is retried
    whatever the method (nothing was sent). At most ``attempts`` retries; the n-th waits a random time up to
    ``backoff * 2**n`` (capped at ``max_backoff``), or what the answer's ``Retry-After`` says (capped at
    ``max_retry_after``). ``RetryPolicy(attempts=0)`` turns retries off.
    """

    attempts: int = 3
    backoff: float = 0.25
    max_backoff: float = 5.0
    max_retry_after: float = 30.0

    def delay(self, attempt: int, retry_after: str | None = None) -> float:
        hinted = parse_retry_after(retry_after)
        if hinted is not None:
            return min(hinted, self.max_retry_after)
        return random.uniform(0, min(self.max_backoff, self.backoff * (2**attempt)))


NO_RETRIES = RetryPolicy(attempts=0)


def parse_retry_after(value: str | None) -> float | None:
    """``Retry-After`` as seconds: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def should_retry(policy: RetryPolicy, attempt: int, idempotent: bool, status: int | None, ok_statuses: tuple[int, ...],
                 connect_failed: bool = False) -> bool:
    if attempt >= policy.attempts:
        return False
    if status is None:
        return idempotent or connect_failed
    return idempotent and status in RETRY_STATUSES and status not in ok_statuses
