"""Signing a routine's webhook deliveries (docs/automation.md, "Webhooks: the signature scheme"): the HMAC-SHA256,
keyed by the routine's secret, of ``<unix seconds>.<raw body>``, sent as ``X-Codex-Manager-Signature: sha256=<hex>``
with ``X-Codex-Manager-Timestamp: <unix seconds>``. Standard library only, so a sender needs nothing else."""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Codex-Manager-Signature"
TIMESTAMP_HEADER = "X-Codex-Manager-Timestamp"


def sign_webhook(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """The two headers that sign ``body`` (now, unless ``timestamp`` is given)."""
    ts = int(time.time()) if timestamp is None else int(timestamp)
    digest = hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return {TIMESTAMP_HEADER: str(ts), SIGNATURE_HEADER: f"sha256={digest}"}
