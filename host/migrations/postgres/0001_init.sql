-- Codex Manager store, version 1.
-- PostgreSQL: the SQLite migration of the same number, translated (its 0/1 flags are BIGINT here, so that both
-- engines decode them as i64). BIGINT milliseconds for time, TEXT ids and JSON; event seq is assigned by the host.

CREATE TABLE projects (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    cwd         TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE sessions (
    id               TEXT PRIMARY KEY,
    thread_id        TEXT NOT NULL UNIQUE,
    project_id       TEXT REFERENCES projects (id),
    title            TEXT,
    cwd              TEXT NOT NULL,
    archived         BIGINT NOT NULL DEFAULT 0,
    forked_from      TEXT,
    controls         TEXT NOT NULL DEFAULT '{}',
    active_turn_id   TEXT,
    last_turn_status TEXT,
    last_error       TEXT,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    last_activity_at BIGINT NOT NULL
);
CREATE INDEX sessions_by_activity ON sessions (last_activity_at, id);
CREATE INDEX sessions_by_project ON sessions (project_id, last_activity_at, id);

CREATE TABLE session_settings (
    session_id  TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    key         TEXT NOT NULL,
    value       TEXT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (session_id, key)
);

CREATE TABLE host_settings (
    key         TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE events (
    seq         BIGINT PRIMARY KEY,
    ts          BIGINT NOT NULL,
    type        TEXT NOT NULL,
    session_id  TEXT,
    turn_id     TEXT,
    project_id  TEXT,
    data        TEXT NOT NULL
);

CREATE TABLE idempotency_keys (
    session_id  TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    key         TEXT NOT NULL,
    body_hash   TEXT NOT NULL,
    response    TEXT,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (session_id, key)
);
