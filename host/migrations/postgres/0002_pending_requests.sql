-- Requests app-server makes of the user (approvals, tool input, dynamic tool calls, elicitations), durable so that
-- every decision is made exactly once and history stays readable.

CREATE TABLE pending_requests (
    id           TEXT PRIMARY KEY,
    session_id   TEXT,
    project_id   TEXT,
    thread_id    TEXT,
    turn_id      TEXT,
    item_id      TEXT,
    kind         TEXT NOT NULL,
    method       TEXT NOT NULL,
    generation   BIGINT NOT NULL,
    rpc_id       TEXT NOT NULL,
    params       TEXT NOT NULL,
    context      TEXT,
    status       TEXT NOT NULL,
    decision     TEXT,
    decided_by   TEXT,
    reason       TEXT,
    created_at   BIGINT NOT NULL,
    resolved_at  BIGINT
);
CREATE INDEX pending_requests_by_session ON pending_requests (session_id, created_at);
CREATE INDEX pending_requests_by_status ON pending_requests (status, created_at);

ALTER TABLE sessions ADD COLUMN dynamic_tools TEXT;
ALTER TABLE sessions ADD COLUMN tool_call_timeout_ms BIGINT;
