"""The HTTP transport: one place that turns a route name into a request and an error answer into an ApiError."""

from __future__ import annotations

import json
from typing import Any, Mapping

import httpx

from .errors import ConnectionFailed, error_for
from .routes import ROUTES

USER_AGENT = "codex-manager-python/0.1.0"


def _clean_query(query: Mapping[str, Any] | None) -> dict[str, str]:
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
            out[key] = str(value)
    return out


class Transport:
    """Sync HTTP to the host. ``call`` answers the decoded JSON body (``None`` for 204)."""

    def __init__(self, url: str, token: str, client_label: str, timeout: float = 60.0):
        self.url = url
        self.token = token
        self.client_label = client_label
        self.headers = {
            "Authorization": f"Bearer {token}",
            "X-Codex-Manager-Client": client_label,
            "User-Agent": USER_AGENT,
        }
        # trust_env=False: the host is on loopback; machine proxies must not get in between.
        self.http = httpx.Client(base_url=url, headers=self.headers, timeout=timeout, trust_env=False)

    def close(self) -> None:
        self.http.close()

    def call(
        self,
        name: str,
        *,
        path: Mapping[str, str] | None = None,
        query: Mapping[str, Any] | None = None,
        body: Any = None,
        has_body: bool = False,
        headers: Mapping[str, str] | None = None,
        ok_statuses: tuple[int, ...] = (),
    ) -> Any:
        r = ROUTES[name]
        url_path = r.url_path(**(path or {}))
        content = None
        req_headers = dict(headers or {})
        if body is not None or has_body:
            content = json.dumps(body).encode()
            req_headers["Content-Type"] = "application/json"
        try:
            resp = self.http.request(r.method, url_path, params=_clean_query(query), content=content, headers=req_headers)
        except httpx.TransportError as e:
            raise ConnectionFailed(f"cannot reach the host at {self.url} (is `codex-manager serve` running?): {e}") from e
        return decode(resp, ok_statuses)


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
