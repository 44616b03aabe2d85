"""Unit tests that need no host: finding URL and token, error mapping, typed results."""

from __future__ import annotations

import pytest

from codex_manager_sdk import AlreadyResolved, ApiError, Client, ConfigError, ConnectionFailed, Gone, InvalidInput, NotFound, QueueFull, TurnInProgress, Unavailable
from codex_manager_sdk.config import DEFAULT_URL, resolve_data_dir, resolve_token, resolve_url
from codex_manager_sdk.errors import error_for
from codex_manager_sdk.types import Event, Reset, Session, event_from_json


@pytest.fixture
def clean_env(monkeypatch):
    for key in ("CODEX_MANAGER_URL", "CODEX_MANAGER_TOKEN", "CODEX_MANAGER_DATA_DIR", "XDG_DATA_HOME"):
        monkeypatch.delenv(key, raising=False)
    return monkeypatch


def test_url_and_token_are_found_like_the_cli(clean_env, tmp_path):
    assert resolve_url() == DEFAULT_URL
    clean_env.setenv("CODEX_MANAGER_URL", "http://127.0.0.1:9/")
    assert resolve_url() == "http://127.0.0.1:9"
    assert resolve_url("http://x:1") == "http://x:1"

    clean_env.setenv("HOME", str(tmp_path))
    assert resolve_data_dir() == tmp_path / ".local/share/codex-manager"
    clean_env.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert resolve_data_dir() == tmp_path / "xdg/codex-manager"
    (tmp_path / "xdg/codex-manager").mkdir(parents=True)
    (tmp_path / "xdg/codex-manager/token").write_text("from-xdg\n")
    assert resolve_token() == "from-xdg"
    clean_env.setenv("CODEX_MANAGER_DATA_DIR", str(tmp_path / "dd"))
    (tmp_path / "dd").mkdir()
    (tmp_path / "dd/token").write_text("from-data-dir")
    assert resolve_token() == "from-data-dir"
    clean_env.setenv("CODEX_MANAGER_TOKEN", "from-env")
    assert resolve_token() == "from-env"
    assert resolve_token("given") == "given"


def test_a_missing_token_says_what_to_do(clean_env, tmp_path):
    with pytest.raises(ConfigError, match="CODEX_MANAGER_TOKEN"):
        Client(data_dir=tmp_path)


def test_unreachable_host_is_a_connection_error(clean_env):
    with Client(url="http://127.0.0.1:1", token="t" * 16) as c:
        with pytest.raises(ConnectionFailed):
            c.health()


@pytest.mark.parametrize(
    "status,code,cls",
    [
        (404, "session_not_found", NotFound),
        (409, "request_already_resolved", AlreadyResolved),
        (409, "turn_in_progress", TurnInProgress),
        (410, "request_expired", Gone),
        (422, "invalid_request", InvalidInput),
        (429, "queue_full", QueueFull),
        (503, "runtime_unavailable", Unavailable),
        (418, "teapot", ApiError),
    ],
)
def test_errors_map_to_classes(status, code, cls):
    err = error_for(status, {"error": {"code": code, "message": "m", "details": {"decidedBy": "web", "activeTurnId": "t"}}})
    assert type(err) is cls and err.status == status and err.code == code and err.message == "m"


def test_winner_and_non_json_errors():
    err = error_for(409, {"error": {"code": "request_already_resolved", "message": "m", "details": {"decision": "accept", "decidedBy": "web", "resolvedAt": "x"}}})
    assert isinstance(err, AlreadyResolved) and err.decided_by == "web" and err.decision == "accept"
    plain = error_for(502, None, "Bad gateway")
    assert plain.code == "http_error" and plain.status == 502 and "Bad gateway" in plain.message


def test_typed_results_keep_unknown_fields():
    s = Session.from_json({"id": "a", "threadId": "t", "cwd": "/", "status": "idle", "brandNew": 1})
    assert s.thread_id == "t" and s["brandNew"] == 1
    assert isinstance(event_from_json({"seq": 3, "type": "reset", "data": {"reason": "ahead_of_log", "latestSeq": 2}}), Reset)
    e = event_from_json({"seq": 4, "type": "turn.started", "sessionId": "s", "data": {}})
    assert type(e) is Event and e.session_id == "s"
