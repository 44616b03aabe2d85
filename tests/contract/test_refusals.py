"""What the fuzzer found answered 5xx for a caller's state or input, pinned one by one: app-server refusing a call
is the caller's 4xx when the refusal is about the caller (see `refusal` in host/src/services/codex/mod.rs)."""

from __future__ import annotations

import httpx
import pytest


@pytest.fixture(scope="module")
def api(host):
    with httpx.Client(base_url=host.url, headers={"Authorization": f"Bearer {host.token}"}, timeout=30) as c:
        yield c


def error_of(r: httpx.Response) -> dict:
    assert r.headers["content-type"].startswith("application/json"), r.text
    return r.json()["error"]


@pytest.mark.parametrize("route", ["/api/account/rate-limits", "/api/account/usage"])
def test_rate_limits_and_usage_without_a_chatgpt_account_are_a_conflict(api, route):
    r = api.get(route)
    assert r.status_code == 409, r.text
    err = error_of(r)
    assert err["code"] == "account_required"
    assert "POST /api/account/logins" in err["message"]


@pytest.mark.parametrize("body", [
    {"keyPath": "fuzz_check", "value": {"a": None}},
    {"keyPath": "a..b", "value": 1},
])
def test_a_config_value_app_server_refuses_is_invalid_input(api, body):
    r = api.put("/api/config/value", json=body)
    assert r.status_code == 422, r.text
    err = error_of(r)
    assert err["code"] == "invalid_request"
    assert err["details"]["rpcCode"] == -32600


def test_a_config_batch_app_server_refuses_is_invalid_input(api):
    r = api.post("/api/config/batch", json={"edits": [{"keyPath": "model", "value": [None]}]})
    assert r.status_code == 422, r.text
    assert error_of(r)["code"] == "invalid_request"


def test_a_relative_skill_path_is_invalid_input(api):
    r = api.put("/api/skills/anything/enabled", json={"enabled": True, "path": "relative/SKILL.md"})
    assert r.status_code == 422, r.text
    assert "absolute" in error_of(r)["message"]


@pytest.mark.parametrize("timeout_secs", [0, 86_401, 9_223_372_036_854_775_808])
def test_an_mcp_login_wait_out_of_range_is_invalid_input(api, timeout_secs):
    r = api.post("/api/mcp/servers/anything/login", json={"timeoutSecs": timeout_secs})
    assert r.status_code == 422, r.text
    assert "timeoutSecs" in error_of(r)["message"]


def test_a_review_target_app_server_refuses_is_invalid_input(api, host):
    session = host.real_ids["session"]
    r = api.post(f"/api/sessions/{session}/review", json={"target": {"type": "commit", "sha": ""}})
    assert r.status_code == 422, r.text
    err = error_of(r)
    assert err["code"] == "invalid_request"
    assert err["details"]["rpcCode"] == -32600
