"""Every route the SDK calls, in one table.

This is the ONLY module that spells ``/api/...`` paths. The contract test (``tests/test_contract.py``) checks each
entry against ``docs/openapi.json`` (the document generated from the host's routes) and fails if any other module of
the package builds an ``/api/`` path itself, so API drift fails the build instead of a user.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # an OpenAPI path template, e.g. /api/sessions/{id}

    def url_path(self, **params: str) -> str:
        """The path with its ``{name}`` parameters filled in (each percent-encoded as one segment)."""
        out = self.path
        for key, value in params.items():
            out = out.replace("{" + key + "}", quote(str(value), safe=""))
        if "{" in out:
            raise ValueError(f"missing path parameter for {self.path}: {params}")
        return out


def _r(method: str, path: str) -> Route:
    return Route(method, path)


ROUTES: dict[str, Route] = {
    # health
    "health": _r("GET", "/api/health"),
    "ready": _r("GET", "/api/ready"),
    "capabilities": _r("GET", "/api/capabilities"),
    "login_links.create": _r("POST", "/api/login-links"),
    # projects
    "projects.list": _r("GET", "/api/projects"),
    "projects.create": _r("POST", "/api/projects"),
    "projects.get": _r("GET", "/api/projects/{id}"),
    "projects.update": _r("PATCH", "/api/projects/{id}"),
    "projects.delete": _r("DELETE", "/api/projects/{id}"),
    "projects.move_sessions": _r("POST", "/api/projects/{id}/move-sessions"),
    "projects.delete_sessions": _r("DELETE", "/api/projects/{id}/sessions"),
    # sessions
    "sessions.list": _r("GET", "/api/sessions"),
    "sessions.create": _r("POST", "/api/sessions"),
    "sessions.get": _r("GET", "/api/sessions/{id}"),
    "sessions.update": _r("PATCH", "/api/sessions/{id}"),
    "sessions.delete": _r("DELETE", "/api/sessions/{id}"),
    "sessions.archive": _r("POST", "/api/sessions/{id}/archive"),
    "sessions.unarchive": _r("POST", "/api/sessions/{id}/unarchive"),
    "sessions.fork": _r("POST", "/api/sessions/{id}/fork"),
    "sessions.resume": _r("POST", "/api/sessions/{id}/resume"),
    "sessions.transcript": _r("GET", "/api/sessions/{id}/transcript"),
    "sessions.notes": _r("GET", "/api/sessions/{id}/notes"),
    # turns
    "turns.send": _r("POST", "/api/sessions/{id}/messages"),
    "turns.steer": _r("POST", "/api/sessions/{id}/steer"),
    "turns.interrupt": _r("POST", "/api/sessions/{id}/interrupt"),
    "turns.list": _r("GET", "/api/sessions/{id}/turns"),
    "turns.get": _r("GET", "/api/sessions/{id}/turns/{turnId}"),
    # requests
    "requests.list": _r("GET", "/api/requests"),
    "requests.list_session": _r("GET", "/api/sessions/{id}/requests"),
    "requests.get": _r("GET", "/api/sessions/{id}/requests/{requestId}"),
    "requests.respond": _r("POST", "/api/sessions/{id}/requests/{requestId}/response"),
    # controls
    "controls.get": _r("GET", "/api/sessions/{id}/controls"),
    "controls.set": _r("PUT", "/api/sessions/{id}/controls"),
    "controls.defaults": _r("GET", "/api/controls/defaults"),
    "controls.set_defaults": _r("PUT", "/api/controls/defaults"),
    # settings
    "settings.list": _r("GET", "/api/sessions/{id}/settings"),
    "settings.get": _r("GET", "/api/sessions/{id}/settings/{key}"),
    "settings.set": _r("PUT", "/api/sessions/{id}/settings/{key}"),
    "settings.delete": _r("DELETE", "/api/sessions/{id}/settings/{key}"),
    # jobs
    "jobs.list": _r("GET", "/api/jobs"),
    "jobs.enqueue": _r("POST", "/api/jobs"),
    "jobs.kinds": _r("GET", "/api/jobs/kinds"),
    "jobs.stats": _r("GET", "/api/jobs/stats"),
    "jobs.get": _r("GET", "/api/jobs/{id}"),
    "jobs.cancel": _r("POST", "/api/jobs/{id}/cancel"),
    "jobs.retry": _r("POST", "/api/jobs/{id}/retry"),
    # plugins
    "plugins.list": _r("GET", "/api/plugins"),
    "plugins.inspect": _r("POST", "/api/plugins/inspect"),
    "plugins.install": _r("POST", "/api/plugins"),
    "plugins.get": _r("GET", "/api/plugins/{id}"),
    "plugins.remove": _r("DELETE", "/api/plugins/{id}"),
    "plugins.enable": _r("POST", "/api/plugins/{id}/enable"),
    "plugins.disable": _r("POST", "/api/plugins/{id}/disable"),
    "plugins.calls": _r("GET", "/api/plugins/{id}/calls"),
    # events
    "events.list": _r("GET", "/api/events"),
    "events.stream": _r("GET", "/api/stream"),
}


def route(name: str) -> Route:
    return ROUTES[name]
