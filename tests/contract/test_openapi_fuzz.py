"""The contract is exact: a property-based fuzzer (schemathesis) generates requests from docs/openapi.json — valid
and invalid ones — sends them to a real host, and checks every answer against the same document:

- ``not_a_server_error``: no 5xx for anything a client can send;
- ``status_code_conformance``: every status the host answers is documented for that operation;
- ``content_type_conformance``: every answer has the documented content type;
- ``response_schema_conformance``: every answer body matches its documented schema.

The seed and the number of examples per operation are fixed, so a run is reproducible and its time bounded
(``CM_FUZZ_SEED`` and ``CM_FUZZ_MAX_EXAMPLES`` override them; docs/api.md, "The contract", says how to reproduce
a failure). The host is a throwaway one: the fuzzer deletes, archives, installs and logs in as it likes."""

from __future__ import annotations

import os
import zlib
from pathlib import Path

import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.checks import not_a_server_error

from conftest import SENT, STATUSES

REPO = Path(__file__).resolve().parents[2]
SEED = int(os.environ.get("CM_FUZZ_SEED", "20261205"))
MAX_EXAMPLES = int(os.environ.get("CM_FUZZ_MAX_EXAMPLES", "100"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

# Operations the fuzzer does not send, each with its reason.
EXCLUDED = {
    ("GET", "/api/stream"): "a websocket upgrade, not an HTTP exchange (tested by python/tests/test_events.py and "
                            "the CLI's e2e tests)",
    ("POST", "/api/feedback"): "every valid body uploads feedback to OpenAI's Sentry over the network: a side effect "
                               "outside the machine (and an upstream 502 where there is no network)",
}

# Requests the fuzzer generates but does not send, each with its reason.
def _starts_a_chatgpt_login(body: object) -> bool:
    """`chatgpt` and `chatgptDeviceCode` logins reach out to auth.openai.com and open a callback server on a fixed
    local port: a side effect on the machine, and an upstream failure (502, documented) where there is no network.
    The API-key login and every invalid body are still fuzzed."""
    return isinstance(body, dict) and body.get("type") in ("chatgpt", "chatgptDeviceCode")


CONFIG = SchemathesisConfig.from_dict({
    "seed": SEED,
    "phases": {"stateful": {"enabled": False}},
    "generation": {"max-examples": MAX_EXAMPLES, "database": "none"},
    # Print the requests as sent: fields named like secrets (`keyPath`, `apiKey`) are the fuzzer's inventions, and
    # the token belongs to a throwaway host.
    "output": {"sanitization": {"enabled": False}},
})
schema = schemathesis.openapi.from_path(REPO / "docs" / "openapi.json", config=CONFIG)
for method, path in EXCLUDED:
    schema = schema.exclude(method=method, path=path)


# About every other case of an operation on a session, a project, a plugin or a job aims at the real one the host fixture made (the
# generated ids are random strings: 404 only), chosen by the generated id itself so a replay aims the same way. Not the operations that would remove it for the rest of the run.
# This, not schemathesis's stateful phase, is how answers about existing resources get checked: its scenarios choose
# their next call by the live host's answers, which Hypothesis reports as flaky data generation (not reproducible).
AIM_AT_REAL = {"/api/sessions/{id}": "session", "/api/projects/{id}": "project", "/api/plugins/{id}": "plugin",
               "/api/jobs/{id}": "job", "/api/routines/{id}": "routine"}
# A run of the real routine starts a real turn: run now is fuzzed on unknown ids only, so the fuzz stays bounded.
NEVER_AIMED = {"DELETE /api/sessions/{id}", "DELETE /api/projects/{id}/sessions", "DELETE /api/plugins/{id}",
               "DELETE /api/routines/{id}", "POST /api/routines/{id}/run"}


def _aim(case, host) -> None:
    label = case.operation.label
    kind = next((k for prefix, k in AIM_AT_REAL.items() if case.operation.path.startswith(prefix)), None)
    params = case.path_parameters if isinstance(case.path_parameters, dict) else {}
    if kind and label not in NEVER_AIMED and "id" in params and zlib.crc32(repr(params["id"]).encode()) % 2:
        params["id"] = host.real_ids[kind]


def _send_and_check(case, host):
    _aim(case, host)
    headers = {"Authorization": f"Bearer {host.token}"}
    response = case.call(base_url=host.url, headers=headers, timeout=30)
    SENT[case.operation.label] += 1
    STATUSES[response.status_code] += 1
    case.validate_response(response, checks=CHECKS, headers=headers)
    return response


def _skipped(case) -> bool:
    return case.operation.label == "POST /api/account/logins" and _starts_a_chatgpt_login(case.body)


@schema.parametrize()
def test_operation_conforms(case, host):
    """Each operation alone: examples, boundary and malformed values, then random ones."""
    if not _skipped(case):
        _send_and_check(case, host)
