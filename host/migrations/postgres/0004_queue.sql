-- The durable job queue, its history, notes plugins leave on sessions, and hidden worker sessions.

CREATE TABLE jobs (
    id               TEXT PRIMARY KEY,
    kind             TEXT NOT NULL,
    plugin_id        TEXT NOT NULL,
    state            TEXT NOT NULL,
    payload          TEXT NOT NULL,
    session_id       TEXT,
    project_id       TEXT,
    priority         BIGINT NOT NULL,
    dedupe_key       TEXT,
    attempt          BIGINT NOT NULL DEFAULT 0,
    max_attempts     BIGINT NOT NULL,
    timeout_ms       BIGINT NOT NULL,
    run_after        BIGINT NOT NULL,
    lease_owner      TEXT,
    lease_until      BIGINT,
    cancel_requested BIGINT NOT NULL DEFAULT 0,
    result           TEXT,
    error_kind       TEXT,
    error            TEXT,
    created_by       TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    started_at       BIGINT,
    finished_at      BIGINT
);
CREATE INDEX jobs_due ON jobs (state, priority, run_after, created_at);
CREATE INDEX jobs_by_created ON jobs (created_at, id);
-- A dedupe key names at most one live job of its kind; finished jobs keep their key for the record.
CREATE UNIQUE INDEX jobs_dedupe ON jobs (kind, dedupe_key) WHERE dedupe_key IS NOT NULL AND state IN ('queued', 'running');

CREATE TABLE job_history (
    id          TEXT PRIMARY KEY,
    job_id      TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    at          BIGINT NOT NULL,
    from_state  TEXT,
    to_state    TEXT NOT NULL,
    attempt     BIGINT NOT NULL,
    detail      TEXT
);
CREATE INDEX job_history_by_job ON job_history (job_id, at);

CREATE TABLE session_notes (
    id          TEXT PRIMARY KEY,
    session_id  TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    plugin_id   TEXT NOT NULL,
    kind        TEXT NOT NULL,
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,
    data        TEXT,
    turn_id     TEXT,
    created_at  BIGINT NOT NULL
);
CREATE INDEX session_notes_by_session ON session_notes (session_id, created_at);

-- The plugin a hidden worker session belongs to; NULL for the user's own sessions.
ALTER TABLE sessions ADD COLUMN worker_of TEXT;
