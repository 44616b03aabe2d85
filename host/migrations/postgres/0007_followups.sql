-- Follow-up queues: messages a user queued while a turn ran, started one by one when the session goes idle.
-- A follow-up is claimed (`queued` -> `starting`) by one conditional UPDATE before `turn/start`, so it starts at
-- most once; a host that dies while one is `starting` settles it at its next start from the turn records.
-- Portable SQL, like 0001.

CREATE TABLE followups (
    id          TEXT PRIMARY KEY,
    session_id  TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    -- Order within the session's queue; a reorder rewrites the positions of the queued ones.
    position    BIGINT NOT NULL,
    text        TEXT NOT NULL,
    mode        TEXT,
    status      TEXT NOT NULL,
    turn_id     TEXT,
    error       TEXT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    claimed_at  BIGINT
);
CREATE INDEX followups_by_session ON followups (session_id, status, position);
-- Open follow-ups of every session, read once at start (the summary each session view carries).
CREATE INDEX followups_open ON followups (status) WHERE status IN ('queued', 'starting');

-- A session's queue is paused while a row names why; no row (or a null reason) means it runs.
CREATE TABLE followup_queues (
    session_id  TEXT PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
    paused      TEXT,
    paused_at   BIGINT,
    -- The last resume: a turn that failed or was interrupted after it holds the queue (see the claim).
    resumed_at  BIGINT,
    -- What paused it: the failed turn, the approval request, the follow-up that failed to start.
    turn_id     TEXT,
    request_id  TEXT,
    message     TEXT
);
